import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { IpPacket } from "./ip.ts";
import { TcpFlag, type TcpSegment } from "./tcp.ts";
import { type StreamEvent, TcpReassembler } from "./tcp-reassembler.ts";

const ipAB: IpPacket = {
  version: 4,
  src: "10.0.0.1",
  dst: "10.0.0.2",
  protocol: 6,
  payload: new Uint8Array(0),
  fragment: undefined,
  truncated: false,
  raw: new Uint8Array(0),
};
const ipBA: IpPacket = { ...ipAB, src: "10.0.0.2", dst: "10.0.0.1" };

function seg(fromClient: boolean, seq: number, flags: number, payload = new Uint8Array(0)) {
  const tcp: TcpSegment = {
    srcPort: fromClient ? 40000 : 443,
    dstPort: fromClient ? 443 : 40000,
    seq: seq >>> 0,
    ack: 0,
    flags,
    window: 0,
    payload,
    raw: new Uint8Array(20),
  };
  return { ip: fromClient ? ipAB : ipBA, tcp };
}

function collect(events: StreamEvent[], into: Map<number, number[]>): void {
  for (const ev of events) {
    if (ev.kind === "data") {
      const list = into.get(ev.stream) ?? [];
      list.push(...ev.data);
      into.set(ev.stream, list);
    }
  }
}

describe("TcpReassembler", () => {
  it("delivers retransmitted and overlapping bytes once, in order", () => {
    const r = new TcpReassembler();
    const got = new Map<number, number[]>();
    const isn = 0xfffffff0; // wraps around 2^32
    collect(r.push(1, seg(true, isn, TcpFlag.SYN)), got);
    collect(r.push(2, seg(false, 7, TcpFlag.SYN | TcpFlag.ACK)), got);
    collect(r.push(3, seg(true, isn + 1, TcpFlag.ACK, new Uint8Array([1, 2, 3, 4]))), got);
    collect(r.push(4, seg(true, isn + 1, TcpFlag.ACK, new Uint8Array([1, 2, 3, 4]))), got);
    collect(r.push(5, seg(true, isn + 3, TcpFlag.ACK, new Uint8Array([3, 4, 5, 6]))), got);
    assert.deepEqual(got.get(0), [1, 2, 3, 4, 5, 6]);
    assert.equal(r.streamCount, 1);
  });

  it("tags out-of-order bytes with the frame that completed them", () => {
    const r = new TcpReassembler();
    r.push(1, seg(true, 100, TcpFlag.ACK, new Uint8Array([1])));
    assert.deepEqual(r.push(2, seg(true, 103, TcpFlag.ACK, new Uint8Array([4]))), []);
    const events = r.push(3, seg(true, 101, TcpFlag.ACK, new Uint8Array([2, 3])));
    assert.deepEqual(
      events.map((e) =>
        e.kind === "data" ? [e.offset, [...e.data], e.frame, e.sourceFrame] : e.kind,
      ),
      [
        [1, [2, 3], 3, 3],
        [3, [4], 3, 2],
      ],
    );
  });

  it("marks a gap when the hole is never filled", () => {
    const r = new TcpReassembler();
    r.push(1, seg(true, 100, TcpFlag.ACK, new Uint8Array([1])));
    r.push(2, seg(true, 110, TcpFlag.ACK, new Uint8Array([9])));
    const events = r.finish(2);
    assert.deepEqual(
      events.map((e) => e.kind),
      ["gap", "data", "close"],
    );
    assert.equal(events[0]!.kind === "gap" && events[0]!.length, 9);
  });

  it("bounds out-of-order bytes across connections", () => {
    const r = new TcpReassembler({ maxTotalBufferedBytes: 10 });
    const other = { ...seg(true, 0, TcpFlag.ACK), ip: { ...ipAB, src: "10.0.0.9" } };
    r.push(1, seg(true, 100, TcpFlag.ACK, new Uint8Array([1])));
    r.push(2, { ...other, tcp: { ...other.tcp, seq: 50, payload: new Uint8Array([1]) } });
    assert.deepEqual(r.push(3, seg(true, 110, TcpFlag.ACK, new Uint8Array(8))), []);
    const events = r.push(4, {
      ...other,
      tcp: { ...other.tcp, seq: 60, payload: new Uint8Array(8) },
    });
    assert.deepEqual(
      events.map((e) => e.kind),
      ["gap", "data"],
    );
  });

  it("stays linear on a flood of tiny segments in reverse order", () => {
    const r = new TcpReassembler();
    r.push(1, seg(true, 0, TcpFlag.ACK, new Uint8Array([0])));
    const n = 50_000;
    const started = performance.now();
    let bytes = 1;
    for (let i = n; i >= 2; i--) {
      for (const ev of r.push(i, seg(true, i, TcpFlag.ACK, new Uint8Array([i & 255])))) {
        if (ev.kind === "data") bytes += ev.data.length;
        if (ev.kind === "gap") bytes += ev.length;
      }
    }
    for (const ev of r.finish(n)) {
      if (ev.kind === "data") bytes += ev.data.length;
      if (ev.kind === "gap") bytes += ev.length;
    }
    assert.equal(bytes, n + 1); // offsets 0..n, each delivered or reported missing once
    assert.ok(performance.now() - started < 5000);
  });

  it("takes the lower port for the server when the capture starts mid-connection", () => {
    const r = new TcpReassembler();
    const [open, data] = r.push(1, seg(false, 5000, TcpFlag.ACK, Uint8Array.of(1, 2, 3)));
    assert.equal(open?.kind, "open");
    if (open?.kind !== "open") return;
    assert.deepEqual(
      [open.client, open.server, open.midstream],
      [{ address: "10.0.0.1", port: 40000 }, { address: "10.0.0.2", port: 443 }, true],
    );
    assert.equal(data?.kind === "data" ? data.direction : undefined, 1, "server to client");
  });

  it("starts a new stream for a SYN on a closed or reused 4-tuple", () => {
    const r = new TcpReassembler();
    r.push(1, seg(true, 1, TcpFlag.SYN));
    r.push(2, seg(true, 1, TcpFlag.SYN)); // retransmitted SYN: same stream
    assert.equal(r.streamCount, 1);
    r.push(3, seg(true, 2, TcpFlag.RST));
    r.push(4, seg(true, 500, TcpFlag.SYN));
    assert.equal(r.streamCount, 2);
    r.push(5, seg(true, 900, TcpFlag.SYN)); // new ISN on an open tuple: port reuse
    assert.equal(r.streamCount, 3);
  });

  it("yields the same bytes for any split and reorder of segments within the window", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 299 }), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.nat(),
        (data, cuts, swaps, isn) => {
          const bounds = [
            0,
            ...cuts.filter((c) => c < data.length).sort((a, b) => a - b),
            data.length,
          ];
          const pieces = [];
          for (let i = 0; i + 1 < bounds.length; i++)
            pieces.push([bounds[i]!, bounds[i + 1]!] as const);
          // the first segment comes first (it opens the connection mid-stream); shuffle the rest
          for (const s of swaps) {
            if (pieces.length < 3) break;
            const i = 1 + (s % (pieces.length - 1));
            const j = 1 + ((s >> 3) % (pieces.length - 1));
            [pieces[i], pieces[j]] = [pieces[j]!, pieces[i]!];
          }
          const r = new TcpReassembler();
          const got = new Map<number, number[]>();
          let frame = 0;
          for (const [a, b] of pieces) {
            collect(r.push(++frame, seg(true, isn + a, TcpFlag.ACK, data.subarray(a, b))), got);
            if (swaps.length % 2)
              collect(r.push(++frame, seg(true, isn + a, TcpFlag.ACK, data.subarray(a, b))), got);
          }
          collect(r.finish(frame), got);
          assert.deepEqual(got.get(0), [...data]);
        },
      ),
    );
  });
});
