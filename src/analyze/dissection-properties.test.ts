import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import { CaptureAnalyzer } from "./capture-analyzer.ts";
import { ConnectionTranscriber } from "./connection-transcript.ts";
import { mtlsVerdict } from "./mtls-verdict.ts";

const MTLS = "../shared/captures/mtls";

/** One Ethernet/IPv4/TCP frame of a little-endian microsecond pcap, split into its parts. */
interface Frame {
  readonly headers: Uint8Array; // Ethernet + IPv4 + TCP headers
  readonly ipAt: number;
  readonly tcpAt: number;
  readonly payload: Uint8Array;
}

function readFrames(path: string): Frame[] {
  const b = new Uint8Array(readFileSync(path));
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: Frame[] = [];
  for (let at = 24; at + 16 <= b.length; ) {
    const len = dv.getUint32(at + 8, true);
    const f = b.subarray(at + 16, at + 16 + len);
    at += 16 + len;
    const ipAt = 14;
    const tcpAt = ipAt + (f[ipAt]! & 0x0f) * 4;
    const end = ipAt + ((f[ipAt + 2]! << 8) | f[ipAt + 3]!);
    const dataAt = tcpAt + (f[tcpAt + 12]! >> 4) * 4;
    out.push({ headers: f.slice(0, dataAt), ipAt, tcpAt, payload: f.slice(dataAt, end) });
  }
  return out;
}

/** A frame carrying `payload` at `offset` bytes past the original segment's sequence number. */
function segment(f: Frame, offset: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(f.headers.length + payload.length);
  out.set(f.headers);
  out.set(payload, f.headers.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(f.ipAt + 2, f.headers.length - f.ipAt + payload.length);
  dv.setUint32(f.tcpAt + 4, (dv.getUint32(f.tcpAt + 4) + offset) >>> 0);
  return out;
}

function pcap(frames: readonly Uint8Array[]): Uint8Array {
  const size = 24 + frames.reduce((n, f) => n + 16 + f.length, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xa1b2c3d4, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setUint32(16, 262144, true);
  dv.setUint32(20, 1, true);
  let at = 24;
  for (const [i, f] of frames.entries()) {
    dv.setUint32(at, 1_700_000_000 + i, true);
    dv.setUint32(at + 8, f.length, true);
    dv.setUint32(at + 12, f.length, true);
    out.set(f, at + 16);
    at += 16 + f.length;
  }
  return out;
}

/** The dissection without frame numbers: every message with its fields, and the verdict. */
function dissection(bytes: Uint8Array): string {
  const a = new CaptureAnalyzer();
  const t = new ConnectionTranscriber();
  const list = [...t.add(a.push(bytes)), ...t.add(a.finish()), ...t.finish()];
  return JSON.stringify(
    list.map((x) => ({
      messages: x.messages.map((m) => [m.from, m.name, m.count, m.length, m.fields]),
      verdict: mtlsVerdict(x),
      ja4: x.ja4?.hash,
    })),
  );
}

/**
 * Re-segments every TCP payload: `cuts[i]` splits segment i at those offsets, and `swaps`
 * reverses the order of the pieces of the segments it names (out of order within the window).
 */
function resegment(
  frames: readonly Frame[],
  cuts: readonly (readonly number[])[],
  swaps: ReadonlySet<number>,
): Uint8Array {
  const out: Uint8Array[] = [];
  for (const [i, f] of frames.entries()) {
    if (f.payload.length < 2) {
      out.push(segment(f, 0, f.payload));
      continue;
    }
    const at = [...new Set((cuts[i] ?? []).map((c) => 1 + (c % (f.payload.length - 1))))].sort(
      (x, y) => x - y,
    );
    const bounds = [0, ...at, f.payload.length];
    const pieces: Uint8Array[] = [];
    for (let k = 0; k + 1 < bounds.length; k++) {
      pieces.push(segment(f, bounds[k]!, f.payload.subarray(bounds[k]!, bounds[k + 1]!)));
    }
    if (swaps.has(i)) pieces.reverse();
    out.push(...pieces);
  }
  return pcap(out);
}

describe("dissection properties", () => {
  for (const name of [
    "07a-tls12-untrusted-client-cert-unknown-ca",
    "11a-tls12-mtls-cert-chain-fragmented-records",
    "04a-tls13-mtls-aes128gcm-ok",
  ]) {
    it(`any split of ${name}'s TCP payloads into segments, and any reordering within a segment, gives the same dissection`, () => {
      const frames = readFrames(`${MTLS}/${name}.pcap`);
      const expected = dissection(resegment(frames, [], new Set()));
      assert.equal(expected, dissection(new Uint8Array(readFileSync(`${MTLS}/${name}.pcap`))));
      fc.assert(
        fc.property(
          fc.array(fc.array(fc.nat(), { maxLength: 6 }), {
            minLength: frames.length,
            maxLength: frames.length,
          }),
          fc.uniqueArray(fc.nat(frames.length - 1), { maxLength: 8 }),
          (cuts, swaps) => {
            assert.equal(dissection(resegment(frames, cuts, new Set(swaps))), expected);
          },
        ),
        { numRuns: 40 },
      );
    });
  }
});

describe("a capture that starts inside a TLS record", () => {
  it("is dissected from the next record header on, as tshark 4.0 does not", () => {
    // 07a without its first frames: it starts 10 bytes into the server's first record.
    const frames = readFrames(`${MTLS}/07a-tls12-untrusted-client-cert-unknown-ca.pcap`);
    const first = frames.findIndex((f, i) => i > 0 && f.payload.length > 0 && f.payload[0] === 22);
    const serverFlight = frames.findIndex((f, i) => i > first && f.payload.length > 0);
    const f = frames[serverFlight]!;
    const cut = [
      segment(f, 10, f.payload.subarray(10)),
      ...frames.slice(serverFlight + 1).map((x) => segment(x, 0, x.payload)),
    ];
    const a = new CaptureAnalyzer();
    const events = [...a.push(pcap(cut)), ...a.finish()];
    const warning = events.find((e) => e.kind === "warning" && /starts inside/.test(e.message));
    assert.match(
      warning?.kind === "warning" ? warning.message : "",
      // Without a SYN, the lower port (the server's) is taken for the server.
      /^Direction 1 starts inside a TLS record \(capture started mid-connection\): skipped \d+ bytes/,
    );
    const t = new ConnectionTranscriber();
    const [transcript] = [...t.add(events), ...t.finish()];
    const names = transcript?.messages.map((m) => m.name) ?? [];
    // The ServerHello record is skipped; the rest of the server flight and the client's
    // reply are read, and the server's plaintext alert decides the verdict.
    assert.ok(names.includes("Certificate"), names.join(", "));
    assert.ok(names.includes("ServerHelloDone"), names.join(", "));
    assert.equal(transcript?.alerts.at(-1)?.description, "unknown_ca");
  });
});
