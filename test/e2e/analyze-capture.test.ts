import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import { CaptureAnalyzer } from "../../src/analyze/capture-analyzer.ts";
import { createCaptureReader } from "../../src/capture/detect-format.ts";
import { decodeFrame } from "../../src/capture/frame-decoder.ts";
import type { Packet } from "../../src/capture/packet.ts";
import { TcpReassembler } from "../../src/capture/tcp-reassembler.ts";
import { ParseError } from "../../src/errors.ts";

const CAPTURES = "../shared/captures";
/** Recorded with tshark 4.0: frame count, tcp.stream count, `-z follow,tcp,raw,N` byte counts. */
const ORACLE = JSON.parse(
  readFileSync(new URL("../../src/capture/testdata/tshark-counts.json", import.meta.url), "utf8"),
) as Record<string, { frames: number; streams: number; bytes: Record<string, [number, number]> }>;

function load(rel: string): Uint8Array {
  const raw = new Uint8Array(readFileSync(`${CAPTURES}/${rel}`));
  return rel.endsWith(".gz") ? new Uint8Array(gunzipSync(raw)) : raw;
}

function readAll(bytes: Uint8Array, cuts: readonly number[] = []): Packet[] {
  const reader = createCaptureReader(bytes);
  const out: Packet[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(...reader.push(bytes.subarray(at, cut)));
    at = cut;
  }
  assert.equal(reader.end(), 0);
  return out;
}

function reassemble(packets: readonly Packet[]) {
  const tcp = new TcpReassembler();
  const bytes = new Map<number, [number, number]>();
  const add = (ev: ReturnType<TcpReassembler["push"]>[number]) => {
    if (ev.kind !== "data") return;
    const b = bytes.get(ev.stream) ?? [0, 0];
    b[ev.direction] += ev.data.length;
    bytes.set(ev.stream, b);
  };
  for (const p of packets) {
    const d = decodeFrame(p);
    if (d.kind === "tcp") for (const ev of tcp.push(p.frame, d)) add(ev);
  }
  for (const ev of tcp.finish(packets.length)) add(ev);
  return { streams: tcp.streamCount, bytes };
}

describe("capture readers and TCP reassembly over the shared captures", () => {
  for (const [rel, want] of Object.entries(ORACLE)) {
    it(`${rel}: frames, tcp.stream count and per-stream bytes equal tshark's`, () => {
      const packets = readAll(load(rel));
      assert.equal(packets.length, want.frames);
      assert.deepEqual(
        packets.map((p) => p.frame),
        packets.map((_, i) => i + 1),
      );
      const got = reassemble(packets);
      assert.equal(got.streams, want.streams);
      for (const [stream, b] of Object.entries(want.bytes)) {
        assert.deepEqual(got.bytes.get(Number(stream)) ?? [0, 0], b, `stream ${stream}`);
      }
    });
  }

  it("any chunking of a file yields the same packets", () => {
    const files = ["mtls/11a-tls12-mtls-cert-chain-fragmented-records.pcap", "ja4/tls-sni.pcapng"];
    for (const rel of files) {
      const bytes = load(rel);
      const whole = readAll(bytes).map((p) => [
        p.frame,
        p.linkType,
        p.seconds,
        p.nanoseconds,
        [...p.data],
      ]);
      fc.assert(
        fc.property(
          fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }),
          (cuts) => {
            const got = readAll(
              bytes,
              [...cuts].sort((a, b) => a - b),
            );
            assert.deepEqual(
              got.map((p) => [p.frame, p.linkType, p.seconds, p.nanoseconds, [...p.data]]),
              whole,
            );
          },
        ),
        { numRuns: 25 },
      );
    }
  });

  it("any mutation of a capture yields events or a ParseError, in linear time", () => {
    const files = ["mtls/10-tls13-mtls-hello-retry-request.pcap", "ja4/tls-handshake.pcapng"];
    for (const rel of files) {
      const bytes = load(rel);
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.nat({ max: 255 })), {
            minLength: 1,
            maxLength: 8,
          }),
          (edits) => {
            const m = bytes.slice();
            for (const [at, v] of edits) m[at] = v;
            const a = new CaptureAnalyzer();
            try {
              a.push(m);
              a.finish();
            } catch (e) {
              assert.ok(e instanceof ParseError, String(e));
            }
          },
        ),
        { numRuns: 60 },
      );
    }
  });

  it("warns once per interface about an unsupported link type", () => {
    const bytes = load("mtls/01-tls12-mtls-ecdsa-aes256gcm-ok.pcap").slice();
    bytes[20] = 147; // LINKTYPE_USER0
    const a = new CaptureAnalyzer();
    const warnings = [...a.push(bytes), ...a.finish()].filter((e) => e.kind === "warning");
    assert.deepEqual(
      warnings.map((w) => w.message),
      ["Link type 147 of interface 0 is not supported: its frames are skipped"],
    );
  });
});
