import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import { test } from "node:test";
import { BlockGeneration } from "./block-generation.ts";
import type { ServerBlock } from "./server-block.ts";

function fakeBlock(closed: string[], name: string): ServerBlock {
  return {
    close: async () => {
      closed.push(name);
    },
  } as unknown as ServerBlock;
}

function fakeResponse(): ServerResponse & EventEmitter {
  return new EventEmitter() as ServerResponse & EventEmitter;
}

test("a retired generation closes its blocks only after its last request finished", async () => {
  const closed: string[] = [];
  const generation = new BlockGeneration([fakeBlock(closed, "a"), fakeBlock(closed, "b")]);
  const first = fakeResponse();
  const second = fakeResponse();
  generation.enter(first);
  generation.enter(second);
  const retired = generation.retire();
  assert.equal(generation.retired, true);
  first.emit("finish");
  first.emit("close");
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(closed, [], "one request is still in flight");
  assert.equal(generation.inFlight, 1);
  second.emit("close");
  await retired;
  assert.deepEqual(closed, ["a", "b"]);
});

test("a retired generation with no request in flight closes at once, and only once", async () => {
  const closed: string[] = [];
  const generation = new BlockGeneration([fakeBlock(closed, "a")]);
  await generation.retire();
  await generation.close();
  assert.deepEqual(closed, ["a"]);
});
