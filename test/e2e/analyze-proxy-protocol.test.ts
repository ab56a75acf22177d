import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { encodeProxyV1, encodeProxyV2 } from "../../src/gateway/proxy-protocol/encode.ts";
import { runMtls } from "../helpers/cli.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

/**
 * Traffic to the gateway's `listen ... proxy_protocol` ports 19444/19445 (streams 9, 11, 12
 * begin with a PROXY v1 line; stream 11's carries the invalid source 999.0.0.1), and tshark
 * 4.0's `-T fields` rows for it.
 */
const GATEWAY = "test/fixtures/analyze/proxy-protocol-gateway.pcap";
const TLS13 = "../shared/captures/mtls/04a-tls13-mtls-aes128gcm-ok.pcap";
const FIELDS = [
  "frame.number",
  "tcp.stream",
  "tls.record.version",
  "tls.record.content_type",
  "tls.handshake.type",
  "tls.handshake.ciphersuite",
  "tls.alert_message.desc",
];

async function ours(path: string, ...flags: string[]): Promise<string> {
  const r = await runMtls(["analyze", ...flags, path]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function tshark(t: TestContext, path: string): string | undefined {
  const bin = requirePeer(t, "tshark");
  if (!bin) return undefined;
  const args = ["-r", path, "-Y", "tls", "-T", "fields", ...FIELDS.flatMap((f) => ["-e", f])];
  const r = spawnSync(bin, [...args, "-E", "separator=/t"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** One Ethernet/IPv4/TCP frame of a little-endian microsecond pcap. */
interface Frame {
  readonly bytes: Uint8Array;
  readonly tcpAt: number;
  readonly dataAt: number;
}

function readFrames(bytes: Uint8Array): { header: Uint8Array; frames: Frame[] } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: Frame[] = [];
  for (let at = 24; at + 16 <= bytes.length; ) {
    const len = dv.getUint32(at + 8, true);
    const f = bytes.slice(at + 16, at + 16 + len);
    at += 16 + len;
    const tcpAt = 14 + (f[14]! & 0x0f) * 4;
    frames.push({ bytes: f, tcpAt, dataAt: tcpAt + (f[tcpAt + 12]! >> 4) * 4 });
  }
  return { header: bytes.slice(0, 24), frames };
}

function writePcap(header: Uint8Array, frames: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(24 + frames.reduce((n, f) => n + 16 + f.length, 0));
  out.set(header);
  const dv = new DataView(out.buffer);
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

/** `frame` with `payload` instead of its own and its sequence/ack numbers moved by `seq`/`ack`. */
function rebuild(f: Frame, payload: Uint8Array, seq: number, ack: number): Uint8Array {
  const out = new Uint8Array(f.dataAt + payload.length);
  out.set(f.bytes.subarray(0, f.dataAt));
  out.set(payload, f.dataAt);
  const dv = new DataView(out.buffer);
  dv.setUint16(16, out.length - 14);
  dv.setUint32(f.tcpAt + 4, (dv.getUint32(f.tcpAt + 4) + seq) >>> 0);
  if (seq === 0 && ack !== 0) dv.setUint32(f.tcpAt + 8, (dv.getUint32(f.tcpAt + 8) + ack) >>> 0);
  return out;
}

/**
 * Puts `proxy` before the client's first bytes of a one-connection capture, in the same
 * segment as the ClientHello or in a segment of its own; later client sequence numbers and
 * server acknowledgements move by its length.
 */
function withProxyHeader(
  capture: Uint8Array,
  proxy: Uint8Array,
  options: { readonly ownSegment: boolean },
): Uint8Array {
  const { header, frames } = readFrames(capture);
  const clientPort =
    (frames[0]!.bytes[frames[0]!.tcpAt]! << 8) | frames[0]!.bytes[frames[0]!.tcpAt + 1]!;
  const out: Uint8Array[] = [];
  let shifted = false;
  const n = proxy.length;
  for (const f of frames) {
    const fromClient = ((f.bytes[f.tcpAt]! << 8) | f.bytes[f.tcpAt + 1]!) === clientPort;
    const payload = f.bytes.subarray(f.dataAt);
    if (!shifted && fromClient && payload.length > 0) {
      shifted = true;
      if (options.ownSegment) {
        out.push(rebuild(f, proxy, 0, 0), rebuild(f, payload, n, 0));
      } else {
        const both = new Uint8Array(n + payload.length);
        both.set(proxy);
        both.set(payload, n);
        out.push(rebuild(f, both, 0, 0));
      }
      continue;
    }
    if (!shifted) out.push(f.bytes);
    else out.push(rebuild(f, payload, fromClient ? n : 0, fromClient ? 0 : n));
  }
  return writePcap(header, out);
}

describe("mtls analyze on connections that begin with a PROXY protocol header", () => {
  it("prints tshark's rows for the capture of the gateway's proxy_protocol ports", async (t) => {
    const got = await ours(GATEWAY, "--format", "tshark-fields");
    assert.equal(got, readFileSync(`${GATEWAY.slice(0, -".pcap".length)}.tshark.tsv`, "utf8"));
    const live = tshark(t, GATEWAY);
    if (live !== undefined) assert.equal(got, live);
  });

  it("shows the addresses a v1 header carries in the walkthrough and the JSON", async () => {
    const text = await ours(GATEWAY, "--stream", "9");
    assert.match(
      text,
      /\n {2}PROXY protocol v1 header \(frame 123, 45 bytes\): source 203\.0\.113\.7:5555, destination 127\.0\.0\.1:19445\n/,
    );
    const json = JSON.parse(await ours(GATEWAY, "--json", "--stream", "9"));
    assert.deepEqual(json.proxyProtocol, {
      frame: 123,
      version: 1,
      command: "PROXY",
      family: "TCP4",
      source: "203.0.113.7:5555",
      destination: "127.0.0.1:19445",
      length: 45,
    });
  });

  it("skips a v1 line with an invalid address as tshark does and says why", async () => {
    const json = JSON.parse(await ours(GATEWAY, "--json", "--stream", "11"));
    assert.equal(json.proxyProtocol.source, null);
    assert.match(json.proxyProtocol.invalid, /source address "999\.0\.0\.1"/);
    assert.equal(json.messages[0].type, "ClientHello");
  });

  it("lists the streams that have TLS when a filter matches none", async () => {
    const r = await runMtls(["analyze", "--stream", "99", GATEWAY]);
    assert.equal(r.status, 0);
    assert.match(r.stderr, /the capture has TLS in streams 0–15;/);
  });

  for (const [what, proxy, ownSegment] of [
    [
      "a v1 line in the ClientHello's segment",
      new TextEncoder().encode(
        encodeProxyV1({
          sourceAddress: "192.0.2.10",
          destinationAddress: "127.0.0.1",
          sourcePort: 40000,
          destinationPort: 21041,
        }),
      ),
      false,
    ],
    [
      "a v2 header (TCP6, with a TLV) in a segment of its own",
      encodeProxyV2({
        addresses: {
          sourceAddress: "2001:db8::10",
          destinationAddress: "2001:db8::1",
          sourcePort: 40000,
          destinationPort: 21041,
        },
        alpn: "h2",
      }),
      true,
    ],
  ] as const) {
    it(`dissects TLS 1.3 after ${what} and prints tshark's rows`, async (t) => {
      const file = join(tempDir(t), "proxied.pcap");
      writeFileSync(
        file,
        withProxyHeader(new Uint8Array(readFileSync(TLS13)), proxy, { ownSegment }),
      );
      const plain = await ours(TLS13, "--format", "tshark-fields");
      const got = await ours(file, "--format", "tshark-fields");
      // Same records; a header in a segment of its own moves later frames by one.
      const renumbered = ownSegment
        ? plain.replace(/^(\d+)\t/gm, (_, f: string) => `${Number(f) + 1}\t`)
        : plain;
      assert.equal(got, renumbered);
      const json = JSON.parse(await ours(file, "--json"));
      assert.equal(json.proxyProtocol.version, ownSegment ? 2 : 1);
      assert.equal(json.proxyProtocol.length, proxy.length);
      assert.equal(
        json.proxyProtocol.source,
        ownSegment ? "[2001:db8::10]:40000" : "192.0.2.10:40000",
      );
      const plainJson = JSON.parse(await ours(TLS13, "--json"));
      assert.deepEqual([json.clientAuth, json.outcome], [plainJson.clientAuth, plainJson.outcome]);
      const live = tshark(t, file);
      if (live !== undefined) assert.equal(got, live);
    });
  }

  it("lists the ClientHello in a v2 header's segment, which tshark 4.0 misses", async (t) => {
    const file = join(tempDir(t), "proxied-v2.pcap");
    const v2 = encodeProxyV2({
      addresses: {
        sourceAddress: "192.0.2.10",
        destinationAddress: "127.0.0.1",
        sourcePort: 40000,
        destinationPort: 21041,
      },
    });
    writeFileSync(
      file,
      withProxyHeader(new Uint8Array(readFileSync(TLS13)), v2, { ownSegment: false }),
    );
    const plain = await ours(TLS13, "--format", "tshark-fields");
    const got = await ours(file, "--format", "tshark-fields");
    assert.equal(got, plain);
    const live = tshark(t, file);
    // docs/analyzer/tshark-differences.md: tshark prints every row but the ClientHello's.
    if (live !== undefined) assert.equal(live, plain.replace(/^4\t.*\n/m, ""));
  });
});
