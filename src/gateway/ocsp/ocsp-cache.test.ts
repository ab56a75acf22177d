import assert from "node:assert/strict";
import { test } from "node:test";
import { OcspCache } from "./ocsp-cache.ts";
import type { OcspAnswer } from "./ocsp-response.ts";

const T0 = new Date("2026-06-01T12:00:00Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const answer = (nextUpdate?: Date): OcspAnswer => ({
  status: { kind: "good" },
  thisUpdate: T0,
  producedAt: T0,
  signer: "issuer",
  ...(nextUpdate ? { nextUpdate } : {}),
});

test("OcspCache keeps an answer until its nextUpdate", () => {
  const cache = new OcspCache({ maxEntries: 10 });
  cache.set("a", answer(at(600)), T0);
  assert.ok(cache.get("a", at(599)));
  assert.equal(cache.get("a", at(600)), undefined);
  assert.equal(cache.size, 0);
});

test("OcspCache keeps an answer without nextUpdate for the default lifetime", () => {
  const cache = new OcspCache({ maxEntries: 10, defaultTtlMs: 60_000 });
  cache.set("a", answer(), T0);
  assert.ok(cache.get("a", at(59)));
  assert.equal(cache.get("a", at(60)), undefined);
});

test("OcspCache does not keep an answer already past its nextUpdate, nor anything at size 0", () => {
  const cache = new OcspCache({ maxEntries: 10 });
  cache.set("stale", answer(at(-1)), T0);
  assert.equal(cache.get("stale", T0), undefined);
  const off = new OcspCache({ maxEntries: 0 });
  off.set("a", answer(at(600)), T0);
  assert.equal(off.size, 0);
});

test("OcspCache evicts the least recently used answer past maxEntries", () => {
  const cache = new OcspCache({ maxEntries: 2 });
  cache.set("a", answer(at(600)), T0);
  cache.set("b", answer(at(600)), T0);
  assert.ok(cache.get("a", T0)); // a is now the most recent
  cache.set("c", answer(at(600)), T0);
  assert.equal(cache.size, 2);
  assert.equal(cache.get("b", T0), undefined);
  assert.ok(cache.get("a", T0));
  assert.ok(cache.get("c", T0));
});

test("OcspCache.shared() runs one fetch for concurrent callers and a new one afterwards", async () => {
  const cache = new OcspCache({ maxEntries: 0 });
  let calls = 0;
  let release: (a: OcspAnswer) => void = () => {};
  const fetch = () => {
    calls++;
    return new Promise<OcspAnswer>((r) => {
      release = r;
    });
  };
  const p1 = cache.shared("k", fetch);
  const p2 = cache.shared("k", fetch);
  assert.equal(p1, p2);
  release(answer());
  await p1;
  await cache.shared("k", async () => {
    calls++;
    return answer();
  });
  assert.equal(calls, 2);
});

test("OcspCache refuses a negative size", () => {
  assert.throws(() => new OcspCache({ maxEntries: -1 }), RangeError);
});
