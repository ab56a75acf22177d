import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ParseError } from "../errors.ts";
import { detectFormat } from "./detect-format.ts";
import { SECRETS_TYPE_TLS_KEY_LOG } from "./packet.ts";
import { PcapngReader } from "./pcapng-reader.ts";

class Writer {
  readonly bytes: number[] = [];
  readonly le: boolean;
  constructor(le: boolean) {
    this.le = le;
  }
  u16(v: number): this {
    const b = [(v >>> 8) & 255, v & 255];
    this.bytes.push(...(this.le ? b.reverse() : b));
    return this;
  }
  u32(v: number): this {
    const b = [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
    this.bytes.push(...(this.le ? b.reverse() : b));
    return this;
  }
  raw(b: ArrayLike<number>): this {
    this.bytes.push(...Array.from(b));
    while (this.bytes.length % 4) this.bytes.push(0);
    return this;
  }
  block(type: number, body: (w: Writer) => void): this {
    const inner = new Writer(this.le);
    body(inner);
    const total = inner.bytes.length + 12;
    this.u32(type).u32(total);
    this.bytes.push(...inner.bytes);
    return this.u32(total);
  }
}

function file(le: boolean): Uint8Array {
  const w = new Writer(le);
  w.block(0x0a0d0d0a, (b) => b.u32(0x1a2b3c4d).u16(1).u16(0).u32(0xffffffff).u32(0xffffffff));
  // IDB: Ethernet, if_tsresol = 9 (nanoseconds)
  w.block(1, (b) => b.u16(1).u16(0).u32(0).u16(9).u16(1).raw([9]).u16(0).u16(0));
  w.block(4, (b) => b.u32(0)); // NRB, skipped
  w.block(0x0badcafe, (b) => b.u32(7)); // unknown, skipped
  w.block(6, (b) => b.u32(0).u32(0).u32(1_500_000_123).u32(3).u32(3).raw([1, 2, 3]));
  w.block(3, (b) => b.u32(2).raw([4, 5]));
  w.block(2, (b) => b.u16(0).u16(0).u32(0).u32(0).u32(1).u32(9).raw([6]));
  w.block(10, (b) => b.u32(SECRETS_TYPE_TLS_KEY_LOG).u32(4).raw([0x43, 0x4c, 0x49, 0x45]));
  // A second section in the other byte order, IDB with binary resolution 2^-10.
  const v = new Writer(!le);
  v.block(0x0a0d0d0a, (b) => b.u32(0x1a2b3c4d).u16(1).u16(0).u32(0xffffffff).u32(0xffffffff));
  v.block(1, (b) => b.u16(101).u16(0).u32(0).u16(9).u16(1).raw([0x8a]).u16(0).u16(0));
  v.block(6, (b) =>
    b
      .u32(0)
      .u32(0)
      .u32(2048 + 512)
      .u32(1)
      .u32(1)
      .raw([0x45]),
  );
  return new Uint8Array([...w.bytes, ...v.bytes]);
}

describe("PcapngReader", () => {
  for (const le of [true, false]) {
    it(`reads EPB, SPB, PB and DSB across sections (${le ? "little" : "big"}-endian first)`, () => {
      const bytes = file(le);
      assert.equal(detectFormat(bytes), "pcapng");
      const r = new PcapngReader();
      const packets = r.push(bytes);
      assert.equal(r.end(), 0);
      assert.deepEqual(
        packets.map((p) => [
          p.frame,
          p.linkType,
          p.seconds,
          p.nanoseconds,
          [...p.data],
          p.truncated,
        ]),
        [
          [1, 1, 1, 500_000_123, [1, 2, 3], false],
          [2, 1, 0, 0, [4, 5], false],
          [3, 1, 0, 0, [6], true],
          [4, 101, 2, 500_000_000, [0x45], false],
        ],
      );
      assert.equal(r.secrets.length, 1);
      assert.equal(new TextDecoder().decode(r.secrets[0]!.data), "CLIE");
    });
  }

  it("yields the same packets for any chunking", () => {
    const bytes = file(true);
    const whole = new PcapngReader().push(bytes).map((p) => [p.frame, [...p.data]]);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 })), (cuts) => {
        const r = new PcapngReader();
        const got = [];
        let at = 0;
        for (const c of [...cuts.sort((a, b) => a - b), bytes.length]) {
          got.push(...r.push(bytes.subarray(at, c)));
          at = c;
        }
        assert.deepEqual(
          got.map((p) => [p.frame, [...p.data]]),
          whole,
        );
      }),
    );
  });

  it("names the block the input ends inside of", () => {
    const bytes = file(true);
    const r = new PcapngReader();
    r.push(bytes.subarray(0, 10));
    assert.equal(r.incomplete()?.unit, "file header");
    const all = new PcapngReader();
    all.push(bytes);
    assert.equal(all.incomplete(), undefined);
    // Cut one byte before the end of the first EPB (the 5th block).
    const sizes: number[] = [];
    for (let at = 0; sizes.length < 5; ) {
      const n = new DataView(bytes.buffer, bytes.byteOffset + at + 4, 4).getUint32(0, true);
      sizes.push(n);
      at += n;
    }
    const full = sizes.reduce((a, b) => a + b, 0);
    const cut = new PcapngReader();
    cut.push(bytes.subarray(0, full - 1));
    assert.deepEqual(cut.incomplete(), {
      unit: "packet",
      packet: 1,
      offset: full - (sizes[4] ?? 0),
      present: (sizes[4] ?? 0) - 1,
      expected: sizes[4],
    });
  });

  it("rejects a file that does not start with a Section Header Block", () => {
    assert.throws(() => new PcapngReader().push(new Uint8Array(12)), ParseError);
  });

  it("never throws anything but ParseError on mutated input", () => {
    const bytes = file(true);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: bytes.length - 1 }),
        fc.integer({ min: 0, max: 255 }),
        (at, v) => {
          const m = bytes.slice();
          m[at] = v;
          try {
            new PcapngReader().push(m);
          } catch (e) {
            assert.ok(e instanceof ParseError, String(e));
          }
        },
      ),
    );
  });
});
