import assert from "node:assert/strict";
import { test } from "node:test";
import { normalizeUri } from "./normalize-uri.ts";

const ok: readonly (readonly [string, string])[] = [
  ["/admin/secret", "/admin/secret"],
  ["//admin/secret", "/admin/secret"],
  ["/./admin/secret", "/admin/secret"],
  ["/x/../admin/secret", "/admin/secret"],
  ["/x/%2e%2e/admin/secret", "/admin/secret"],
  ["/x/%2E%2E/admin/secret", "/admin/secret"],
  ["/x/.%2e/admin/secret", "/admin/secret"],
  ["/x%2F..%2Fadmin/secret", "/admin/secret"],
  ["/admin%2Fsecret", "/admin/secret"],
  ["/%61dmin/secret", "/admin/secret"],
  ["/a//b///c", "/a/b/c"],
  ["/a/b/..", "/a/"],
  ["/a/..", "/"],
  ["/a/.", "/a/"],
  ["/a/b/../", "/a/"],
  ["/", "/"],
  ["/admin/", "/admin/"],
  ["/admin/secret?x=/../..", "/admin/secret"],
  ["/x/..?a=1", "/"],
  ["/admin/secret#frag", "/admin/secret"],
  ["/a%3Fb", "/a?b"],
  ["/a%23b", "/a#b"],
  ["/a%25b", "/a%b"],
  ["/caf%C3%A9", "/café"],
  ["/a+b", "/a+b"],
  ["/...", "/..."],
  ["/.hidden/..x", "/.hidden/..x"],
  ["http://localhost:8443//admin/./s?q", "/admin/s"],
  ["http://localhost", "/"],
];

for (const [target, uri] of ok) {
  test(`normalizeUri turns ${target} into ${uri}`, () => {
    assert.deepEqual(normalizeUri(target), { kind: "ok", uri });
  });
}

const invalid: readonly string[] = [
  "/..",
  "/../admin/secret",
  "/a/../..",
  "/%2e%2e/admin",
  "/a/%zz",
  "/a/%2",
  "/a/%",
  "/a%00b",
  "admin/secret",
  "*",
];

for (const target of invalid) {
  test(`normalizeUri rejects ${target} like nginx's 400`, () => {
    assert.equal(normalizeUri(target).kind, "invalid");
  });
}

test("normalizeUri keeps empty segments when mergeSlashes is off", () => {
  assert.deepEqual(normalizeUri("//a//b", { mergeSlashes: false }), { kind: "ok", uri: "//a//b" });
});

test("normalizeUri ignores an invalid escape in the query string", () => {
  assert.deepEqual(normalizeUri("/a?%zz"), { kind: "ok", uri: "/a" });
});
