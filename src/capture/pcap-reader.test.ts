import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ParseError } from "../errors.ts";
import { detectFormat } from "./detect-format.ts";
import { PcapReader } from "./pcap-reader.ts";

function pcap(options: {
  le: boolean;
  nano: boolean;
  records: [number, number, Uint8Array, number][];
}) {
  const parts: number[] = [];
  const u32 = (v: number) => {
    const b = [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
    parts.push(...(options.le ? b.reverse() : b));
  };
  const u16 = (v: number) => {
    const b = [(v >>> 8) & 255, v & 255];
    parts.push(...(options.le ? b.reverse() : b));
  };
  u32(options.nano ? 0xa1b23c4d : 0xa1b2c3d4);
  u16(2);
  u16(4);
  u32(0);
  u32(0);
  u32(65535);
  u32(1);
  for (const [sec, frac, data, orig] of options.records) {
    u32(sec);
    u32(frac);
    u32(data.length);
    u32(orig);
    parts.push(...data);
  }
  return new Uint8Array(parts);
}

describe("PcapReader", () => {
  for (const le of [true, false]) {
    for (const nano of [true, false]) {
      it(`reads ${le ? "little" : "big"}-endian ${nano ? "nanosecond" : "microsecond"} files`, () => {
        const file = pcap({ le, nano, records: [[10, 5, new Uint8Array([1, 2, 3]), 3]] });
        assert.equal(detectFormat(file), "pcap");
        const [p, ...rest] = new PcapReader().push(file);
        assert.equal(rest.length, 0);
        assert.deepEqual(
          { ...p, data: [...p!.data] },
          {
            frame: 1,
            interfaceId: 0,
            linkType: 1,
            seconds: 10,
            nanoseconds: nano ? 5 : 5000,
            capturedLength: 3,
            originalLength: 3,
            truncated: false,
            data: [1, 2, 3],
          },
        );
      });
    }
  }

  it("flags snaplen-truncated packets", () => {
    const file = pcap({ le: true, nano: false, records: [[0, 0, new Uint8Array(4), 1500]] });
    const [p] = new PcapReader().push(file);
    assert.equal(p!.truncated, true);
    assert.equal(p!.originalLength, 1500);
  });

  it("returns packets only once they are complete and reports leftover bytes", () => {
    const file = pcap({ le: true, nano: false, records: [[0, 0, new Uint8Array(10), 10]] });
    const r = new PcapReader();
    assert.deepEqual(r.push(file.subarray(0, 30)), []);
    assert.equal(r.end(), 6);
    assert.equal(r.push(file.subarray(30)).length, 1);
    assert.equal(r.end(), 0);
  });

  it("names the packet the input ends inside of, with its offset and sizes", () => {
    const file = pcap({
      le: true,
      nano: false,
      records: [
        [0, 0, new Uint8Array(10), 10],
        [0, 0, new Uint8Array(20), 20],
      ],
    });
    const r = new PcapReader();
    assert.equal(r.push(file.subarray(0, 24 + 26 + 30)).length, 1);
    assert.deepEqual(r.incomplete(), {
      unit: "packet",
      packet: 2,
      offset: 50,
      present: 30,
      expected: 36,
    });
    const head = new PcapReader();
    head.push(file.subarray(0, 20));
    assert.deepEqual(head.incomplete(), {
      unit: "file header",
      packet: 0,
      offset: 0,
      present: 20,
      expected: 24,
    });
    const header = new PcapReader();
    header.push(file.subarray(0, 24 + 26 + 10));
    assert.equal(header.incomplete()?.expected, undefined, "record header itself cut short");
    const clean = new PcapReader();
    clean.push(file);
    assert.equal(clean.incomplete(), undefined);
  });

  it("rejects a bad magic and hostile lengths with a ParseError", () => {
    assert.throws(() => new PcapReader().push(new Uint8Array(24)), ParseError);
    const file = pcap({ le: true, nano: false, records: [] });
    const huge = new Uint8Array([...file, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0]);
    assert.throws(() => new PcapReader().push(huge), /exceeds the 268435456-byte limit/);
  });
});
