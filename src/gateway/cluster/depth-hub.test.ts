import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import { workerChannel } from "../../../test/helpers/worker-channel.ts";
import { DepthHub } from "./depth-hub.ts";
import type { Channel } from "./messages.ts";
import { RemoteDepthRefusals } from "./remote-depth-refusals.ts";

test("a leaf refused through one worker is refused for every worker", async () => {
  const hub = new DepthHub();
  const a = new RemoteDepthRefusals(workerChannel(hub)).block("0");
  const b = new RemoteDepthRefusals(workerChannel(hub)).block("0");
  a.record("aa", true);
  assert.equal(await b.refused("aa"), true);
  assert.equal(await b.refused("bb"), false);
  assert.equal(hub.size, 1);
});

test("a leaf that later passes a full handshake is no longer refused", async () => {
  const hub = new DepthHub();
  const a = new RemoteDepthRefusals(workerChannel(hub)).block("0");
  a.record("aa", true);
  a.record("aa", false);
  assert.equal(await a.refused("aa"), false);
});

test("server blocks have separate memories", async () => {
  const hub = new DepthHub();
  const w = new RemoteDepthRefusals(workerChannel(hub));
  w.block("0").record("aa", true);
  assert.equal(await w.block("1").refused("aa"), false);
});

test("the oldest refusal is dropped past the bound", async () => {
  const hub = new DepthHub({ maxEntries: 2 });
  const a = new RemoteDepthRefusals(workerChannel(hub)).block("0");
  for (const leaf of ["1", "2", "3"]) a.record(leaf, true);
  assert.deepEqual(await Promise.all(["1", "2", "3"].map((l) => a.refused(l))), [
    false,
    true,
    true,
  ]);
});

test("a primary that does not answer means refused, after the timeout (fail closed)", async () => {
  const a = new RemoteDepthRefusals(workerChannel(new DepthHub(), false), {
    setTimer: (fn) => {
      queueMicrotask(fn);
      return () => {};
    },
  }).block("0");
  assert.equal(await a.refused("aa"), true);
});

test("a channel that cannot send means refused at once", async () => {
  const events = new EventEmitter();
  const broken: Channel = {
    send: () => {
      throw new Error("channel closed");
    },
    on: (e, l) => events.on(e, l),
    off: (e, l) => events.off(e, l),
  };
  const a = new RemoteDepthRefusals(broken).block("0");
  a.record("aa", true);
  assert.equal(await a.refused("aa"), true);
});
