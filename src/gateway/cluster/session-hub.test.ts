import assert from "node:assert/strict";
import { test } from "node:test";
import { workerChannel } from "../../../test/helpers/worker-channel.ts";
import { RemoteSessions } from "./remote-session-cache.ts";
import { SessionHub } from "./session-hub.ts";

const LIMITS = { maxEntries: 10, timeoutMs: 300_000 };
const ID = Buffer.from("0102", "hex");
const DATA = Buffer.from("session bytes");

test("a session stored through one worker is found through another", async () => {
  const hub = new SessionHub({ now: () => 0 });
  const a = new RemoteSessions(workerChannel(hub)).cache("0", LIMITS);
  const b = new RemoteSessions(workerChannel(hub)).cache("0", LIMITS);
  await a.set(ID, DATA);
  assert.deepEqual(await b.get(ID), DATA);
  assert.equal(await b.get(Buffer.from("ff", "hex")), undefined);
  assert.equal(hub.size, 1);
});

test("a session deleted through one worker is gone for every worker", async () => {
  const hub = new SessionHub({ now: () => 0 });
  const a = new RemoteSessions(workerChannel(hub)).cache("0", LIMITS);
  const b = new RemoteSessions(workerChannel(hub)).cache("0", LIMITS);
  await a.set(ID, DATA);
  b.delete?.(ID);
  assert.equal(await a.get(ID), undefined);
});

test("listeners have separate caches", async () => {
  const hub = new SessionHub({ now: () => 0 });
  const sessions = new RemoteSessions(workerChannel(hub));
  await sessions.cache("0", LIMITS).set(ID, DATA);
  assert.equal(await sessions.cache("1", LIMITS).get(ID), undefined);
});

test("clear() forgets every session and drops stores from workers still on the old generation", async () => {
  const hub = new SessionHub({ now: () => 0 });
  const stale = new RemoteSessions(workerChannel(hub));
  const fresh = new RemoteSessions(workerChannel(hub));
  await fresh.cache("0", LIMITS).set(ID, DATA);
  assert.equal(hub.clear(), 1);
  assert.equal(await fresh.cache("0", LIMITS).get(ID), undefined, "cleared");
  await stale.cache("0", LIMITS).set(ID, DATA);
  assert.equal(await fresh.cache("0", LIMITS).get(ID), undefined, "made under the old trust");
  fresh.generation = 1;
  await fresh.cache("0", LIMITS).set(ID, DATA);
  assert.deepEqual(await stale.cache("0", LIMITS).get(ID), DATA);
});

test("the hub applies the listener's ssl_session_cache limits and timeout", async () => {
  let now = 0;
  const hub = new SessionHub({ now: () => now });
  const cache = new RemoteSessions(workerChannel(hub)).cache("0", {
    maxEntries: 1,
    timeoutMs: 1000,
  });
  await cache.set(Buffer.from("01", "hex"), DATA);
  await cache.set(Buffer.from("02", "hex"), DATA);
  assert.equal(await cache.get(Buffer.from("01", "hex")), undefined, "evicted: one entry only");
  now = 1000;
  assert.equal(await cache.get(Buffer.from("02", "hex")), undefined, "expired");
});

test("a primary that does not answer means not found, after the timeout", async () => {
  const hub = new SessionHub();
  const cache = new RemoteSessions(workerChannel(hub, false), {
    setTimer: (fn) => {
      queueMicrotask(fn);
      return () => {};
    },
  }).cache("0", LIMITS);
  await cache.set(ID, DATA);
  assert.equal(await cache.get(ID), undefined);
});
