import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { decodeTransport } from "./frame-decoder.ts";
import type { IpPacket } from "./ip.ts";
import { IpDefragmenter } from "./ip-defragmenter.ts";

function fragment(
  payload: Uint8Array,
  offset: number,
  more: boolean,
  id = 7,
  version: 4 | 6 = 4,
): IpPacket {
  return {
    version,
    src: "10.0.0.1",
    dst: "10.0.0.2",
    protocol: 6,
    payload,
    fragment: { id, offset, more },
    truncated: false,
    raw: new Uint8Array(20),
  };
}

const tcpSegment = Uint8Array.from([
  0x01,
  0xbb,
  0x9c,
  0x40,
  0,
  0,
  0,
  1,
  0,
  0,
  0,
  0,
  0x50,
  0x18,
  0xff,
  0xff,
  0,
  0,
  0,
  0,
  ...new Array(40).fill(0).map((_, i) => i),
]);

describe("IpDefragmenter", () => {
  it("reassembles fragments in any order into one TCP segment", () => {
    fc.assert(
      fc.property(fc.constantFrom([0, 1, 2], [2, 1, 0], [1, 0, 2], [2, 0, 1]), (order) => {
        const d = new IpDefragmenter();
        const parts = [
          fragment(tcpSegment.subarray(0, 24), 0, true),
          fragment(tcpSegment.subarray(24, 48), 24, true),
          fragment(tcpSegment.subarray(48), 48, false),
        ];
        const results = order.map((i) => d.push(parts[i]!));
        const whole = results.at(-1);
        assert.ok(whole && results.slice(0, -1).every((r) => r === undefined));
        assert.equal(whole.fragment, undefined);
        const t = decodeTransport(whole);
        assert.equal(t.kind, "tcp");
        if (t.kind === "tcp") assert.deepEqual([...t.tcp.payload], [...tcpSegment.subarray(20)]);
        assert.equal(d.pending, 0);
      }),
    );
  });

  it("drops an overlapping IPv6 datagram and keeps memory bounded", () => {
    const d = new IpDefragmenter({ maxDatagrams: 2 });
    d.push(fragment(new Uint8Array(16), 0, true, 1, 6));
    assert.equal(d.push(fragment(new Uint8Array(16), 8, false, 1, 6)), undefined);
    assert.equal(d.dropped, 1);
    for (let id = 10; id < 20; id++) d.push(fragment(new Uint8Array(8), 0, true, id));
    assert.ok(d.pending <= 2);
  });

  it("refuses a datagram longer than 65535 bytes", () => {
    const d = new IpDefragmenter();
    assert.equal(d.push(fragment(new Uint8Array(16), 65528, false)), undefined);
    assert.equal(d.dropped, 1);
  });
});
