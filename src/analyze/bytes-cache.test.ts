import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BytesCache } from "./bytes-cache.ts";

describe("BytesCache", () => {
  it("returns a value only for exactly the same bytes", () => {
    const cache = new BytesCache<string>(4);
    const a = new Uint8Array(100).fill(7);
    cache.set(a, "a");
    assert.equal(cache.get(a.slice()), "a");
    const b = a.slice();
    b[0] = 8; // same length and tail, different head
    assert.equal(cache.get(b), undefined);
  });

  it("keeps its own copy and clears itself when full", () => {
    const cache = new BytesCache<number>(2);
    const k = Uint8Array.of(1, 2, 3);
    cache.set(k, 1);
    k[0] = 9;
    assert.equal(cache.get(Uint8Array.of(1, 2, 3)), 1);
    cache.set(Uint8Array.of(4), 4);
    cache.set(Uint8Array.of(5), 5);
    assert.equal(cache.get(Uint8Array.of(1, 2, 3)), undefined);
    assert.equal(cache.get(Uint8Array.of(5)), 5);
  });
});
