import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { derOidText, derReadTlv } from "./der.ts";

describe("DER reader", () => {
  it("derReadTlv() reads short and long lengths and returns content offsets", () => {
    assert.deepEqual(derReadTlv(Uint8Array.of(0x04, 0x02, 0xaa, 0xbb), 0), {
      tag: 0x04,
      start: 2,
      end: 4,
    });
    const long = new Uint8Array(3 + 200);
    long.set([0x04, 0x81, 200]);
    assert.deepEqual(derReadTlv(long, 0), { tag: 0x04, start: 3, end: 203 });
  });

  it("derReadTlv() refuses a TLV that runs past the end with a RangeError", () => {
    assert.throws(() => derReadTlv(Uint8Array.of(0x30, 0x05, 0x00), 0), RangeError);
    assert.throws(() => derReadTlv(Uint8Array.of(0x30), 0), RangeError);
  });

  it("derOidText() decodes base-128 arcs with the first two combined", () => {
    assert.equal(derOidText(Uint8Array.of(0x55, 0x1d, 0x13)), "2.5.29.19");
    assert.equal(
      derOidText(Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02)),
      "1.2.840.10045.4.3.2",
    );
  });
});
