import assert from "node:assert/strict";
import { test } from "node:test";
import { invalidHeaderLines, isValidHeaderName } from "./header-names.ts";

test("header names of letters, digits and dashes are valid", () => {
  for (const name of ["Host", "X-SSL-Client-Verify", "x-forwarded-for", "A1", "-"]) {
    assert.equal(isValidHeaderName(name), true, name);
  }
});

test("header names with an underscore or other token characters are invalid by default", () => {
  for (const name of ["X_SSL_Client_Verify", "my_token", "X.Foo", "X!Y", "a~b", ""]) {
    assert.equal(isValidHeaderName(name), false, name);
  }
});

test("underscoresInHeaders admits underscores but still no other characters", () => {
  assert.equal(isValidHeaderName("X_SSL_Client_Verify", { underscoresInHeaders: true }), true);
  assert.equal(isValidHeaderName("X.Foo", { underscoresInHeaders: true }), false);
});

test("invalidHeaderLines lists the ignored lines of a raw header list in order", () => {
  const raw = [
    "Host",
    "localhost",
    "X_SSL_Client_S_DN",
    "CN=admin",
    "Accept",
    "*/*",
    "My_Token",
    "1",
  ];
  assert.deepEqual(invalidHeaderLines(raw), [
    ["X_SSL_Client_S_DN", "CN=admin"],
    ["My_Token", "1"],
  ]);
  assert.deepEqual(invalidHeaderLines(raw, { underscoresInHeaders: true }), []);
});
