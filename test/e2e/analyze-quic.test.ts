import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runMtls } from "../helpers/cli.ts";

/** A shared capture with 20 QUIC connections (Chrome to Google, RFC 9000 version 1). */
const CAPTURE = "../shared/captures/ja4/tls-handshake.pcapng";

/**
 * tshark 4.0 on CAPTURE (`-Y "quic && tls.handshake.type" -e frame.number -e udp.stream
 * -e tls.handshake.type -e tls.handshake.ja3 -e tls.handshake.ja3s`): the first QUIC
 * connections' ClientHello and ServerHello frames and their JA3 / JA3S.
 */
const TSHARK = [
  { hello: 3, serverHello: 6, ja3: "0cda1bd7f270e894ed5de2af2f06cb80" },
  { hello: 4, serverHello: 5, ja3: "84c89f4892d37e485be635148acfedd2" },
  { hello: 11, serverHello: 12, ja3: "964fec70d3907f0ea31ba945d1058f6c" },
] as const;
const JA3S = "eb1d94daa7e0344597e756a1fb6e7054";

interface QuicLine {
  stream: null;
  transport: string;
  quicConnection: number;
  client: string;
  server: string;
  version: string;
  cipherSuite: string;
  ja3: string;
  ja3s: string;
  ja4: string;
  clientAuth: { requested: null; sent: null };
  outcome: string;
  messages: { frame: number; from: string; type: string; recordVersion: null; fields: object }[];
}

async function quicLines(argv: readonly string[] = []): Promise<QuicLine[]> {
  const run = await runMtls(["analyze", CAPTURE, "--json", ...argv]);
  assert.equal(run.status, 0, run.stderr);
  return run.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as QuicLine & { transport?: string })
    .filter((j) => j.transport === "quic");
}

describe("mtls analyze on QUIC", () => {
  it("--json lists each QUIC connection's ClientHello and ServerHello as tshark reads them", async () => {
    const lines = await quicLines();
    assert.equal(lines.length, 20, "20 QUIC connections (tshark: udp.stream 0-19)");
    for (const [i, expected] of TSHARK.entries()) {
      const j = lines[i]!;
      assert.equal(j.quicConnection, i);
      assert.equal(j.stream, null, "no TCP stream");
      assert.deepEqual(
        j.messages.map((m) => [m.frame, m.from, m.type, m.recordVersion]),
        [
          [expected.hello, "client", "ClientHello", null],
          [expected.serverHello, "server", "ServerHello", null],
        ],
      );
      assert.equal(j.ja3, expected.ja3);
      assert.equal(j.ja3s, JA3S);
      assert.match(j.ja4, /^q13d0\d{3}h3_/, "JA4 of a QUIC hello starts with q");
      assert.equal(j.version, "TLS 1.3");
      assert.equal(j.cipherSuite, "TLS_AES_128_GCM_SHA256");
      assert.deepEqual([j.clientAuth.requested, j.clientAuth.sent], [null, null]);
      assert.equal(j.outcome, "incomplete");
      assert.ok("cipher_suites" in j.messages[0]!.fields, "the ClientHello's fields are listed");
    }
    assert.deepEqual(
      [lines[0]!.client, lines[0]!.server],
      ["192.168.1.168:59102", "142.251.163.147:443"],
    );
  });

  it("the text walk-through shows a ladder per QUIC connection", async () => {
    const run = await runMtls(["analyze", CAPTURE, "--port", "59102"]);
    assert.equal(run.status, 0, run.stderr);
    const text = run.stdout;
    assert.match(
      text,
      /^QUIC connection 0: client 192\.168\.1\.168:59102 ⇄ server 142\.251\.163\.147:443 \(TLS 1\.3, TLS_AES_128_GCM_SHA256\)$/m,
    );
    assert.match(text, /^ +3 {2}client ───▶ server {2}ClientHello \(293 bytes\)$/m);
    assert.match(text, /^ +6 {2}client ◀─── server {2}ServerHello \(\d+ bytes\)$/m);
    assert.match(text, /client certificate sent: unknown \(in QUIC Handshake packets/);
    assert.doesNotMatch(text, /QUIC connection 1:/, "--port keeps only the matching connection");
  });

  it("--summary has one line per QUIC connection after the TCP ones", async () => {
    const run = await runMtls(["analyze", CAPTURE, "--summary"]);
    assert.equal(run.status, 0, run.stderr);
    const quic = run.stdout.split("\n").filter((l) => l.startsWith("quic:"));
    assert.equal(quic.length, 20);
    assert.match(quic[0]!, /^quic:0\t192\.168\.1\.168:59102 -> 142\.251\.163\.147:443\tTLS 1\.3\t/);
  });
});
