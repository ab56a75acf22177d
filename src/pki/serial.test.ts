import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { randomSerial, serialDerOf, serialHexOf } from "./serial.ts";

/** A random source that replays `draws` in order. */
function replay(...draws: Uint8Array[]): (n: number) => Uint8Array {
  return (n) => {
    const next = draws.shift();
    assert.ok(next, "random source exhausted");
    assert.equal(n, 16);
    return next;
  };
}

describe("randomSerial", () => {
  it("gives positive, non-zero serials of at most 16 DER content octets for any random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        fc.pre(bytes.some((b, i) => (i === 0 ? b & 0x7f : b) !== 0));
        const hex = randomSerial({ random: replay(bytes) });
        const der = serialDerOf(hex);
        assert.ok(der.length >= 1 && der.length <= 16, `${der.length} octets`);
        assert.ok((der[0] ?? 0) < 0x80, "positive (no sign bit)");
        assert.ok(BigInt(`0x${hex}`) > 0n, "non-zero");
        assert.ok(der.length === 1 || der[0] !== 0 || (der[1] ?? 0) > 0x7f, "minimal DER");
      }),
      { numRuns: 10_000 },
    );
  });

  it("draws 10,000 distinct serials from the system random source", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) seen.add(randomSerial());
    assert.equal(seen.size, 10_000);
  });

  it("clears the top bit and strips leading zero octets", () => {
    assert.equal(
      randomSerial({ random: replay(new Uint8Array(16).fill(0xff)) }),
      `7f${"ff".repeat(15)}`,
    );
    const lead = new Uint8Array(16);
    lead[1] = 0x80;
    lead[15] = 1;
    const hex = randomSerial({ random: replay(lead) });
    assert.equal(hex, `80${"00".repeat(13)}01`);
    assert.deepEqual([...serialDerOf(hex)].slice(0, 2), [0, 0x80]);
  });

  it("redraws a zero serial or one already taken", () => {
    const zero = new Uint8Array(16);
    zero[0] = 0x80; // all zero once the top bit is cleared
    const one = new Uint8Array(16);
    one[15] = 1;
    const two = new Uint8Array(16);
    two[15] = 2;
    assert.equal(randomSerial({ random: replay(zero, one, two), taken: new Set(["01"]) }), "02");
  });

  it("gives up with a RangeError when the random source never yields a fresh serial", () => {
    assert.throws(
      () => randomSerial({ random: () => new Uint8Array(16), attempts: 3 }),
      /Cannot draw a fresh serial: 3 draws were zero or already used/,
    );
  });

  it("serialHexOf keeps one octet for zero", () => {
    assert.equal(serialHexOf(Uint8Array.of(0, 0)), "00");
  });
});
