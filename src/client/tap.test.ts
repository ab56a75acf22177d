import assert from "node:assert/strict";
import { once } from "node:events";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { type Direction, TapDuplex } from "./tap.ts";

test("TapDuplex shows written bytes as client and read bytes as server, and passes both on", async () => {
  const inner = new PassThrough(); // echoes: what the client writes comes back as server data
  const seen: [Direction, string][] = [];
  const tap = new TapDuplex(inner, (dir, chunk) => seen.push([dir, Buffer.from(chunk).toString()]));
  const received: string[] = [];
  tap.on("data", (c: Buffer) => received.push(c.toString()));
  tap.write("hello");
  await once(tap, "data");
  assert.deepEqual(seen, [
    ["client", "hello"],
    ["server", "hello"],
  ]);
  assert.deepEqual(received, ["hello"]);
  tap.destroy();
});

test("TapDuplex detaches an observer that throws and keeps the bytes flowing", async () => {
  const inner = new PassThrough();
  const tap = new TapDuplex(inner, () => {
    throw new Error("observer bug");
  });
  tap.write("x");
  const [chunk] = (await once(tap, "data")) as [Buffer];
  assert.equal(chunk.toString(), "x");
  assert.equal((tap.observerError as Error).message, "observer bug");
  tap.destroy();
});

test("TapDuplex ends its readable side when the transport ends", async () => {
  const inner = new PassThrough();
  const tap = new TapDuplex(inner, () => {});
  tap.resume();
  inner.end();
  await once(tap, "end");
  tap.destroy();
});
