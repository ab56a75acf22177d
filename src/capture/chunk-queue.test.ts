import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ChunkQueue } from "./chunk-queue.ts";

describe("ChunkQueue", () => {
  it("returns a view when a read lies in one chunk and a copy when it spans chunks", () => {
    const a = Uint8Array.from([1, 2, 3]);
    const q = new ChunkQueue();
    q.push(a);
    q.push(Uint8Array.from([4, 5]));
    const view = q.read(2);
    assert.equal(view.buffer, a.buffer);
    assert.deepEqual([...q.read(3)], [3, 4, 5]);
    assert.equal(q.length, 0);
    assert.throws(() => q.read(1), RangeError);
  });

  it("reads the same bytes for any chunking and any read sizes", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.integer({ min: 1, max: 20 }), { maxLength: 50 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 50 }),
        (bytes, chunkSizes, readSizes) => {
          const q = new ChunkQueue();
          let at = 0;
          for (const size of chunkSizes) {
            q.push(bytes.subarray(at, Math.min(bytes.length, at + size)));
            at = Math.min(bytes.length, at + size);
          }
          q.push(bytes.subarray(at));
          const out: number[] = [];
          for (const size of readSizes) if (q.length >= size) out.push(...q.read(size));
          out.push(...q.read(q.length));
          assert.deepEqual(out, [...bytes]);
        },
      ),
    );
  });

  it("consumes a million one-byte chunks in linear time", () => {
    const q = new ChunkQueue();
    const one = new Uint8Array(1);
    for (let i = 0; i < 1_000_000; i++) q.push(one);
    const started = performance.now();
    assert.equal(q.read(1_000_000).length, 1_000_000);
    assert.ok(performance.now() - started < 2000);
  });
});
