import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { derOid, derSmallInteger, derTlv, derUnsignedInteger } from "./pkcs12-der.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("DER writer for PKCS#12", () => {
  it("derOid() encodes arcs in base 128 with the first two arcs combined", () => {
    assert.equal(hex(derOid("2.5.29.19")), "0603551d13");
    assert.equal(hex(derOid("1.2.840.10045.4.3.2")), "06082a8648ce3d040302");
    assert.throws(() => derOid("x.1"), RangeError);
  });

  it("derUnsignedInteger() strips leading zeros and adds a sign octet for a set top bit", () => {
    assert.equal(hex(derUnsignedInteger(Uint8Array.of(0, 0, 0x7a))), "02017a");
    assert.equal(hex(derUnsignedInteger(Uint8Array.of(0x80))), "02020080");
    assert.equal(hex(derUnsignedInteger(Uint8Array.of(0, 0))), "020100");
    assert.equal(hex(derSmallInteger(2)), "020102");
    assert.equal(hex(derSmallInteger(0)), "020100");
  });

  it("derTlv() uses the long length form from 128 octets", () => {
    assert.equal(hex(derTlv(0x04, new Uint8Array(127)).subarray(0, 2)), "047f");
    assert.equal(hex(derTlv(0x04, new Uint8Array(200)).subarray(0, 3)), "0481c8");
    assert.equal(hex(derTlv(0x04, new Uint8Array(300)).subarray(0, 4)), "0482012c");
  });
});
