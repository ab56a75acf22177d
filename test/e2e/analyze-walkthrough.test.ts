import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { describe, it } from "node:test";
import { certificateDetails } from "../../src/analyze/certificate-details.ts";
import { runMtls } from "../helpers/cli.ts";
import { requirePeer } from "../helpers/peers.ts";

const MTLS = "../shared/captures/mtls";

/** `mtls` with only the analyze command: other commands' work in progress cannot break these tests. */
async function run(argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const { status, stdout: out, stderr: err } = await runMtls(argv);
  return { status, out, err };
}

describe("mtls analyze (text walk-through)", () => {
  it("prints the seed's walk-through by default: ladder, fields, verdict", async () => {
    const r = await run(["analyze", `${MTLS}/01-tls12-mtls-ecdsa-aes256gcm-ok.pcap`]);
    assert.equal(r.status, 0, r.err);
    assert.match(
      r.out,
      /^Stream 0: client 127\.0\.0\.1:\d+ ⇄ server 127\.0\.0\.1:21010 \(TLS 1\.2, /,
    );
    const ladder = r.out
      .split("\n")
      .filter((l) => /^ +\d+(-\d+)? {2}client /.test(l))
      .map((l) => l.replace(/^ +[\d-]+ {2}/, "").replace(/ \(\d+ bytes\)$/, ""));
    assert.deepEqual(ladder, [
      "client ───▶ server  ClientHello",
      "client ◀─── server  ServerHello",
      "client ◀─── server  Certificate",
      "client ◀─── server  ServerKeyExchange",
      "client ◀─── server  CertificateRequest",
      "client ◀─── server  ServerHelloDone",
      "client ───▶ server  Certificate",
      "client ───▶ server  ClientKeyExchange",
      "client ───▶ server  CertificateVerify",
      "client ───▶ server  ChangeCipherSpec",
      "client ───▶ server  Encrypted Handshake Message",
      "client ◀─── server  ChangeCipherSpec",
      "client ◀─── server  Encrypted Handshake Message",
      "client ───▶ server  Application Data",
      "client ◀─── server  Application Data",
      "client ───▶ server  Encrypted Alert",
    ]);
    assert.match(r.out, /\n {6}certificate_authorities \(1\): CN=Seed Test CA\n/);
    assert.match(r.out, /client certificate sent: yes \(2: O=Seed,CN=client-1; CN=Seed Test CA\)/);
    assert.match(r.out, /\n {2}Outcome: established: handshake completed\n/);
  });

  it("keeps only the connections --stream, --host and --port select", async () => {
    const file = `${MTLS}/14-proxy-chain-nginx-mtls-both-legs.pcap`;
    const streams = async (...flags: string[]) => {
      const r = await run(["analyze", ...flags, file]);
      assert.equal(r.status, 0, r.err);
      return [...r.out.matchAll(/^Stream (\d+):/gm)].map((m) => Number(m[1]));
    };
    assert.deepEqual((await streams()).sort(), [0, 1]);
    assert.deepEqual(await streams("--stream", "1"), [1]);
    assert.deepEqual(await streams("--port", "28000"), [0]);
    assert.deepEqual(await streams("--host", "127.0.0.1", "--port", "28080"), [1]);
    assert.deepEqual(await streams("--host", "192.0.2.1"), []);
    const bad = await run(["analyze", "--port", "http", file]);
    assert.equal(bad.status, 2);
    assert.match(bad.err, /Bad --port 'http': expected a whole number from 0 to 65535/);
  });

  it("prints the JSON schema's connection fields with --json", async () => {
    const r = await run([
      "analyze",
      "--json",
      `${MTLS}/06a-tls12-no-client-cert-handshake-failure.pcap`,
    ]);
    assert.equal(r.status, 0, r.err);
    const o = JSON.parse(r.out.trim()) as Record<string, unknown>;
    assert.equal(o.version, "TLS 1.2");
    assert.equal(o.cipherSuite, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
    assert.deepEqual(o.clientAuth, {
      requested: true,
      acceptableCAs: ["CN=Seed Test CA"],
      sent: false,
      certificates: [],
    });
    assert.deepEqual(
      (o.alerts as { from: string; level: string | null; description: string | null }[]).filter(
        (a) => a.description !== null,
      ),
      [
        {
          frame: (o.alerts as { frame: number }[]).find((a) => a)!.frame,
          from: "server",
          level: "fatal",
          description: "handshake_failure",
        },
      ],
    );
    assert.equal(o.outcome, "failed");
  });
});

describe("certificate names agree with openssl -nameopt RFC2253", () => {
  it("for every certificate in the mtls/ captures", (t) => {
    const tshark = requirePeer(t, "tshark");
    const openssl = requirePeer(t, "openssl");
    if (!tshark || !openssl) return;
    const seen = new Set<string>();
    for (const name of readdirSync(MTLS).filter((f) => f.endsWith(".pcap"))) {
      const r = spawnSync(
        tshark,
        [
          "-r",
          `${MTLS}/${name}`,
          "-Y",
          "tls.handshake.certificate",
          "-T",
          "fields",
          "-e",
          "tls.handshake.certificate",
          "-E",
          "occurrence=a",
        ],
        { encoding: "utf8" },
      );
      for (const hex of r.stdout.split(/[\n,]/).filter((h) => h.length > 0)) seen.add(hex);
    }
    assert.ok(seen.size >= 6, `only ${seen.size} certificates found`);
    for (const hex of seen) {
      const der = Buffer.from(hex.replace(/:/g, ""), "hex");
      const o: { stdout: string } = spawnSync(
        openssl,
        ["x509", "-inform", "der", "-noout", "-subject", "-issuer", "-nameopt", "RFC2253"],
        {
          input: der,
          encoding: "utf8",
        },
      );
      const [subject, issuer]: (string | undefined)[] = o.stdout.trim().split("\n");
      const d = certificateDetails(new Uint8Array(der));
      assert.ok(d);
      assert.equal(`subject=${d.subject}`, subject);
      assert.equal(`issuer=${d.issuer}`, issuer);
    }
  });
});
