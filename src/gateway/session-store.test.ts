import assert from "node:assert/strict";
import { test } from "node:test";
import { SessionStore } from "./session-store.ts";

const id = (n: number) => new Uint8Array(32).fill(n);

test("SessionStore returns a stored session until its timeout, then forgets it", () => {
  let now = 1000;
  const s = new SessionStore({ timeoutMs: 300_000, now: () => now });
  s.set(id(1), Buffer.from("session-1"));
  assert.equal(s.get(id(1))?.toString(), "session-1");
  now += 299_999;
  assert.equal(s.get(id(1))?.toString(), "session-1");
  now += 1;
  assert.equal(s.get(id(1)), undefined);
  assert.equal(s.size, 0);
  assert.equal(s.bytes, 0);
});

test("SessionStore evicts the oldest sessions when the byte budget is spent", () => {
  const s = new SessionStore({ timeoutMs: 1000, maxBytes: 3 * (32 + 100), now: () => 0 });
  for (let n = 1; n <= 4; n++) s.set(id(n), new Uint8Array(100));
  assert.equal(s.size, 3);
  assert.equal(s.get(id(1)), undefined);
  assert.ok(s.get(id(4)));
  assert.equal(s.bytes, 3 * 132);
});

test("SessionStore honours an entry limit and replaces a session stored twice", () => {
  const s = new SessionStore({ timeoutMs: 1000, maxEntries: 2, now: () => 0 });
  s.set(id(1), Buffer.from("a"));
  s.set(id(1), Buffer.from("b"));
  s.set(id(2), Buffer.from("c"));
  s.set(id(3), Buffer.from("d"));
  assert.equal(s.size, 2);
  assert.equal(s.get(id(1)), undefined);
  assert.equal(s.get(id(3))?.toString(), "d");
});
