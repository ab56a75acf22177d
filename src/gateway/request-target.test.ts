import assert from "node:assert/strict";
import { test } from "node:test";
import { originFormTarget, type RequestTargetParts } from "./request-target.ts";

function req(url: string, ...hosts: string[]): RequestTargetParts {
  return {
    url,
    headers: hosts[0] === undefined ? {} : { host: hosts[0] },
    rawHeaders: hosts.flatMap((h) => ["Host", h]),
  };
}

test("an absolute-form target's authority replaces the Host header and the target becomes origin form", () => {
  const r = req("https://admin.local/a/../b?x=1", "public.local");
  assert.deepEqual(originFormTarget(r), { kind: "ok" });
  assert.equal(r.url, "/a/../b?x=1");
  assert.equal(r.headers.host, "admin.local");
});

test("an absolute-form target without a path becomes / and userinfo is dropped from the host", () => {
  const r = req("http://user:pw@a.example:8443?q", "b");
  assert.deepEqual(originFormTarget(r), { kind: "ok" });
  assert.equal(r.url, "/?q");
  assert.equal(r.headers.host, "a.example:8443");
});

test("an origin-form target and its Host header are left alone", () => {
  const r = req("/x", "a.example");
  assert.deepEqual(originFormTarget(r), { kind: "ok" });
  assert.equal(r.url, "/x");
  assert.equal(r.headers.host, "a.example");
});

test("two Host headers, or an absolute form without a host, are invalid as in nginx", () => {
  assert.deepEqual(originFormTarget(req("/", "a", "b")), {
    kind: "invalid",
    reason: "client sent duplicate host header",
  });
  assert.equal(originFormTarget(req("https:///x", "a")).kind, "invalid");
});
