import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ParseError } from "../errors.ts";
import { ByteReader } from "./byte-reader.ts";

describe("ByteReader", () => {
  it("reads big-endian integers of 8, 16, 24 and 32 bits in order", () => {
    const r = new ByteReader(Uint8Array.of(1, 0, 2, 0, 0, 3, 0, 0, 0, 4));
    assert.deepEqual([r.u8(), r.u16(), r.u24(), r.u32()], [1, 2, 3, 4]);
    assert.equal(r.done, true);
  });

  it("returns views into the original buffer, not copies", () => {
    const buf = Uint8Array.of(9, 8, 7, 6);
    const v = new ByteReader(buf).bytesView(2);
    buf[0] = 42;
    assert.equal(v[0], 42);
  });

  it("consumes nothing when a read fails", () => {
    const r = new ByteReader(Uint8Array.of(0, 5, 1, 2));
    assert.throws(() => r.vector(2), ParseError);
    assert.equal(r.position, 0);
    assert.equal(r.u32(), 0x00050102);
    assert.throws(() => r.u8(), ParseError);
    assert.equal(r.position, 4);
    assert.throws(() => new ByteReader(Uint8Array.of(1)).u16(), /needs 2 bytes, 1 remaining/);
  });

  it("reports offsets relative to the outermost unit from child readers", () => {
    const r = new ByteReader(Uint8Array.of(0xff, 0, 3, 1, 2, 3), 100);
    r.u8();
    const child = r.vector(2);
    child.u16();
    assert.throws(
      () => child.u16(),
      (e: unknown) => e instanceof ParseError && e.offset === 105 && /1 remaining/.test(e.message),
    );
  });

  it("prefixes nested paths as an error bubbles up", () => {
    const e = new ParseError("Cannot read x: needs 2 bytes, 0 remaining", 4);
    e.within("certificate_list[1]", 10).within("handshake Certificate", 5);
    assert.equal(e.offset, 19);
    assert.match(e.message, /^handshake Certificate > certificate_list\[1\]: Cannot read x/);
  });
});
