import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { CaptureAnalyzer } from "./capture-analyzer.ts";
import { ConnectionSummarizer } from "./connection-summary.ts";
import { ConnectionTranscriber, type Transcript } from "./connection-transcript.ts";
import { EventFilter } from "./event-filter.ts";
import type { AnalyzerEvent } from "./events.ts";
import { mtlsVerdict } from "./mtls-verdict.ts";
import { transcriptJson, transcriptJsonLine } from "./transcript-json.ts";
import { renderWalkthrough } from "./walkthrough-text.ts";

const MTLS = "../shared/captures/mtls";

function events(path: string): AnalyzerEvent[] {
  const a = new CaptureAnalyzer();
  return [...a.push(new Uint8Array(readFileSync(path))), ...a.finish()];
}

function transcripts(path: string): Transcript[] {
  const t = new ConnectionTranscriber();
  return [...t.add(events(path)), ...t.finish()];
}

describe("ConnectionTranscriber", () => {
  it("lists a TLS 1.2 mutual-TLS handshake in wire order with frame numbers", () => {
    const [t] = transcripts(`${MTLS}/07a-tls12-untrusted-client-cert-unknown-ca.pcap`);
    assert.ok(t);
    assert.deepEqual(
      t.messages.map((m) => `${m.frame} ${m.from} ${m.name}`),
      [
        "4 client ClientHello",
        "6 server ServerHello",
        "6 server Certificate",
        "6 server ServerKeyExchange",
        "6 server CertificateRequest",
        "6 server ServerHelloDone",
        "8 client Certificate",
        "8 client ClientKeyExchange",
        "8 client CertificateVerify",
        "8 client ChangeCipherSpec",
        "8 client Encrypted Handshake Message",
        "9 server Alert",
      ],
    );
    assert.deepEqual(t.alerts, [
      { frame: 9, from: "server", level: "fatal", description: "unknown_ca" },
    ]);
  });

  it("decodes the client certificate and the CertificateRequest's CA names", () => {
    const [t] = transcripts(`${MTLS}/07a-tls12-untrusted-client-cert-unknown-ca.pcap`);
    const cert = t?.messages.find((m) => m.from === "client" && m.name === "Certificate");
    const list = cert?.fields?.certificate_list as readonly Record<string, unknown>[];
    assert.equal(list[0]?.subject, "CN=intruder");
    assert.equal(list[0]?.issuer, "CN=Rogue CA");
    assert.equal(list[0]?.publicKey, "EC prime256v1");
    assert.match(String(list[0]?.sha256Fingerprint), /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const request = t?.messages.find((m) => m.name === "CertificateRequest");
    assert.deepEqual(request?.fields?.certificate_authorities, ["CN=Seed Test CA"]);
  });

  it("shows a ServerHello's version only when supported_versions sets it", () => {
    const hello = (name: string) =>
      transcripts(`${MTLS}/${name}.pcap`)[0]?.messages.find((m) => m.name === "ServerHello");
    const tls12 = hello("01-tls12-mtls-ecdsa-aes256gcm-ok")?.fields;
    assert.equal(tls12?.legacy_version, "TLS 1.2 (0x0303)");
    assert.ok(!("version" in (tls12 ?? {})), "TLS 1.2 ServerHello repeats legacy_version");
    const tls13 = hello("04a-tls13-mtls-aes128gcm-ok")?.fields;
    assert.equal(tls13?.version, "TLS 1.3 (0x0304)");
    assert.equal(tls13?.legacy_version, "TLS 1.2 (0x0303)");
  });

  it("folds runs of encrypted records and labels them as Wireshark does", () => {
    const [t] = transcripts(`${MTLS}/01-tls12-mtls-ecdsa-aes256gcm-ok.pcap`);
    const names = t?.messages.map((m) => m.name) ?? [];
    assert.ok(names.includes("Encrypted Handshake Message"));
    assert.ok(names.includes("Application Data"));
    assert.ok(names.includes("Encrypted Alert"));
    for (const [i, m] of (t?.messages ?? []).entries()) {
      const prev = t?.messages[i - 1];
      if (m.kind === "encrypted" && prev?.kind === "encrypted" && m.name !== "Encrypted Alert") {
        assert.ok(prev.name !== m.name || prev.from !== m.from, "an unfolded run");
      }
    }
  });
});

describe("mtlsVerdict()", () => {
  const cases: [string, boolean | null, boolean | null, string][] = [
    ["01-tls12-mtls-ecdsa-aes256gcm-ok", true, true, "established"],
    ["06a-tls12-no-client-cert-handshake-failure", true, false, "failed"],
    ["06b-tls12-nginx-no-client-cert-http400", true, false, "established"],
    ["07a-tls12-untrusted-client-cert-unknown-ca", true, true, "failed"],
    ["16a-tls12-optional-client-cert-none-sent-ok", true, false, "established"],
    ["04a-tls13-mtls-aes128gcm-ok", null, null, "established"],
  ];
  for (const [name, requested, sent, outcome] of cases) {
    it(`says requested=${requested} sent=${sent} ${outcome} for ${name}`, () => {
      const [t] = transcripts(`${MTLS}/${name}.pcap`);
      assert.ok(t);
      const v = mtlsVerdict(t);
      assert.equal(v.clientAuth.requested, requested);
      assert.equal(v.clientAuth.sent, sent);
      assert.equal(v.outcome, outcome);
    });
  }
});

describe("a capture cut short", () => {
  const bytes = new Uint8Array(readFileSync(`${MTLS}/01-tls12-mtls-ecdsa-aes256gcm-ok.pcap`));
  function cut(length: number): AnalyzerEvent[] {
    const a = new CaptureAnalyzer();
    return [...a.push(bytes.subarray(0, length)), ...a.finish()];
  }

  it("inside the client's Certificate packet leaves sent unknown, never 'sent none'", () => {
    // Packet 8 (the client's Certificate flight) starts at byte 1558 and is 1086 bytes long.
    const evs = cut(2500);
    const warnings = evs.flatMap((e) => (e.kind === "warning" ? [e] : []));
    assert.deepEqual(
      warnings.map((w) => [w.frame, w.message, w.cut]),
      [
        [
          0,
          "Capture ends in the middle of packet 8 (at byte 1558 of the file): 942 of 1086 bytes present",
          "both",
        ],
      ],
    );
    const s = new ConnectionSummarizer();
    const [summary] = [...s.add(evs), ...s.finish()];
    assert.equal(summary?.clientCertRequested, "yes");
    assert.equal(summary?.clientCertSent, "unknown");
    assert.equal(summary?.diagnosis, undefined);
    assert.equal(
      summary?.outcome,
      "incomplete: capture ends before the client's Certificate could be seen",
    );
    const t = new ConnectionTranscriber();
    const [transcript] = [...t.add(evs), ...t.finish()];
    assert.ok(transcript);
    assert.deepEqual(mtlsVerdict(transcript), {
      clientAuth: {
        requested: true,
        acceptableCAs: ["CN=Seed Test CA"],
        sent: null,
        certificates: [],
      },
      outcome: "incomplete",
      reason: "capture ends before the client's Certificate could be seen",
    });
  });

  it("after the client's Certificate keeps the verdict it shows", () => {
    const s = new ConnectionSummarizer();
    const evs = cut(2700); // inside packet 9, after the client's flight
    const [summary] = [...s.add(evs), ...s.finish()];
    assert.equal(summary?.clientCertSent, "yes");
    assert.equal(summary?.clientCertCut, false);
  });

  it("through a TCP gap in the client's direction leaves sent unknown", () => {
    const s = new ConnectionSummarizer();
    const evs = events(`${MTLS}/06a-tls12-no-client-cert-handshake-failure.pcap`);
    const close = evs.findIndex((e) => e.kind === "connection-close");
    const gap: AnalyzerEvent = {
      kind: "warning",
      frame: 7,
      stream: 0,
      message: "100 bytes missing in direction 0",
      cut: 0,
    };
    // A hole where the client's flight (empty Certificate, ClientKeyExchange...) was.
    const upTo = evs.findIndex(
      (e) => e.kind === "record" && e.direction === 0 && e.handshakes.some((h) => h.msgType === 11),
    );
    const kept = [...evs.slice(0, upTo), gap, ...evs.slice(close)];
    const [summary] = [...s.add(kept), ...s.finish()];
    assert.equal(summary?.clientCertSent, "unknown");
  });

  it("reports nothing read as a ParseError: empty file, truncated file header", () => {
    const empty = new CaptureAnalyzer();
    assert.throws(() => empty.finish(), { name: "ParseError", reason: "Empty file" });
    const head = new CaptureAnalyzer();
    head.push(bytes.subarray(0, 20));
    assert.throws(() => head.finish(), {
      name: "ParseError",
      reason: "Truncated pcap file header (20 of 24 bytes)",
    });
    const tiny = new CaptureAnalyzer();
    tiny.push(bytes.subarray(0, 3));
    assert.throws(() => tiny.finish(), {
      name: "ParseError",
      reason: /Truncated file header \(3 bytes\)/,
    });
  });

  it("inside packet 4 says packet 4, once", () => {
    const warnings = cut(500).flatMap((e) => (e.kind === "warning" ? [e.message] : []));
    assert.deepEqual(warnings, [
      "Capture ends in the middle of packet 4 (at byte 286 of the file): 214 of 247 bytes present",
    ]);
  });
});

describe("renderWalkthrough()", () => {
  it("prints the ladder, the field tree and the verdict", () => {
    const [t] = transcripts(`${MTLS}/07a-tls12-untrusted-client-cert-unknown-ca.pcap`);
    assert.ok(t);
    const text = renderWalkthrough(t);
    assert.match(
      text,
      /^Stream 0: client 127\.0\.0\.1:\d+ ⇄ server 127\.0\.0\.1:21071 \(TLS 1\.2, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384\)\n/,
    );
    assert.match(text, /\n {6}4 {2}client ───▶ server {2}ClientHello \(197 bytes\)\n/);
    assert.match(text, /\n {6}9 {2}client ◀─── server {2}Alert: fatal unknown_ca \(2 bytes\)\n/);
    assert.match(text, /\n {6}cipher_suites \(28\):\n {10}TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384/);
    assert.match(text, /\n {14}subject: CN=intruder\n {14}issuer: CN=Rogue CA\n/);
    assert.match(
      text,
      /Mutual TLS: client certificate requested: yes \(acceptable CAs: CN=Seed Test CA\)/,
    );
    assert.match(text, /\n {2}Outcome: failed: fatal alert unknown_ca from server\n/);
  });
});

describe("transcriptJson()", () => {
  it("has the documented top-level fields", () => {
    const [t] = transcripts(`${MTLS}/01-tls12-mtls-ecdsa-aes256gcm-ok.pcap`);
    assert.ok(t);
    const j = transcriptJson(t);
    for (const key of [
      "stream",
      "client",
      "server",
      "version",
      "cipherSuite",
      "resumed",
      "ja3",
      "ja3s",
      "ja4",
      "clientAuth",
      "alerts",
      "outcome",
      "messages",
    ]) {
      assert.ok(key in j, key);
    }
    assert.equal(j.version, "TLS 1.2");
    assert.deepEqual(j.clientAuth, {
      requested: true,
      acceptableCAs: ["CN=Seed Test CA"],
      sent: true,
      certificates: ["O=Seed,CN=client-1", "CN=Seed Test CA"],
    });
    assert.equal(JSON.parse(JSON.stringify(j)).outcome, "established");
  });
});

describe("transcriptJsonLine()", () => {
  it("equals JSON.stringify(transcriptJson()) byte for byte while reusing shared field trees", () => {
    for (const name of [
      "09a-tls12-mtls-resumption-session-id",
      "07a-tls12-untrusted-client-cert-unknown-ca",
    ]) {
      for (const t of transcripts(`${MTLS}/${name}.pcap`)) {
        const line = transcriptJsonLine(t);
        assert.equal(line, JSON.stringify(transcriptJson(t)));
        assert.equal(transcriptJsonLine(t), line);
      }
    }
  });
});

describe("EventFilter", () => {
  it("keeps only the connections that match every filter given", () => {
    const all = events(`${MTLS}/14-proxy-chain-nginx-mtls-both-legs.pcap`);
    const streams = (f: ConstructorParameters<typeof EventFilter>[0]) => {
      const kept = new EventFilter(f).apply(all);
      return [...new Set(kept.flatMap((e) => (e.kind === "record" ? [e.stream] : [])))];
    };
    assert.deepEqual(streams({}), [0, 1]);
    assert.deepEqual(streams({ stream: 1 }), [1]);
    assert.deepEqual(streams({ port: 28080 }), [1]);
    assert.deepEqual(streams({ host: "127.0.0.1", port: 28000 }), [0]);
    assert.deepEqual(streams({ host: "10.0.0.1" }), []);
  });
});
