import assert from "node:assert/strict";
import { test } from "node:test";
import { hostOf, selectServer } from "./virtual-hosts.ts";

const BLOCKS = [
  { serverNames: ["default.test"] },
  { serverNames: ["api.example.test", "API2.example.test"] },
  { serverNames: ["*.example.test"] },
  { serverNames: ["*.deep.example.test"] },
  { serverNames: ["www.shop.*"] },
  { serverNames: ["~^node\\d+\\.test$"] },
  { serverNames: [".org.test"] },
];

test("selectServer() prefers exact names, then the longest leading wildcard, trailing wildcard, regex", () => {
  assert.equal(selectServer(BLOCKS, "api.example.test"), 1);
  assert.equal(selectServer(BLOCKS, "Api2.Example.Test."), 1);
  assert.equal(selectServer(BLOCKS, "x.example.test"), 2);
  assert.equal(selectServer(BLOCKS, "a.deep.example.test"), 3);
  assert.equal(selectServer(BLOCKS, "www.shop.de"), 4);
  assert.equal(selectServer(BLOCKS, "node12.test"), 5);
  assert.equal(selectServer(BLOCKS, "org.test"), 6);
  assert.equal(selectServer(BLOCKS, "a.org.test"), 6);
});

test("selectServer() falls back to the default server for unknown or missing names", () => {
  assert.equal(selectServer(BLOCKS, "nothing.invalid"), 0);
  assert.equal(selectServer(BLOCKS, undefined, 3), 3);
  assert.equal(selectServer(BLOCKS, "example.test"), 0);
});

test("hostOf() strips the port and lower-cases, keeping IPv6 brackets", () => {
  assert.equal(hostOf("API.example.test:8443"), "api.example.test");
  assert.equal(hostOf("[::1]:8443"), "[::1]");
  assert.equal(hostOf(""), undefined);
});
