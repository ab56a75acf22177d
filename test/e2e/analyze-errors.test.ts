import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runMtls } from "../helpers/cli.ts";
import { tempDir } from "../helpers/tmp.ts";

const F = "../shared/captures/mtls/01-tls12-mtls-ecdsa-aes256gcm-ok.pcap";

async function run(argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const { status, stdout: out, stderr: err } = await runMtls(argv);
  return { status, out, err };
}

describe("mtls analyze on truncated, tiny and unreadable files", () => {
  const bytes = readFileSync(F);

  it("warns once with the packet number and offset, and analyzes what was read", async (t) => {
    const dir = tempDir(t);
    const cut = join(dir, "t.pcap");
    writeFileSync(cut, bytes.subarray(0, 2500));
    const r = await run(["analyze", "--summary", cut]);
    assert.equal(r.status, 0);
    assert.equal(
      r.err,
      "mtls: warning: Capture ends in the middle of packet 8 (at byte 1558 of the file): 942 of 1086 bytes present\n",
    );
    assert.match(
      r.out,
      /\tclient-cert=unknown\toutcome=incomplete: capture ends before the client's Certificate could be seen\n$/,
    );
    assert.doesNotMatch(r.out, /sent none/);
    const j = await run(["analyze", "--json", cut]);
    const line = JSON.parse(j.out.split("\n")[0] ?? "{}");
    assert.equal(line.clientAuth.sent, null);
    assert.equal(line.outcome, "incomplete");
  });

  it("says packet 4 for a file cut inside packet 4 and notes there is no TLS yet", async (t) => {
    const dir = tempDir(t);
    const cut = join(dir, "s.pcap");
    writeFileSync(cut, bytes.subarray(0, 500));
    const r = await run(["analyze", cut]);
    assert.equal(r.status, 0);
    assert.equal(r.out, "");
    assert.equal(
      r.err,
      "mtls: warning: Capture ends in the middle of packet 4 (at byte 286 of the file): 214 of 247 bytes present\n" +
        "mtls: no TLS connection in the capture (3 packets, 1 TCP stream)\n",
    );
  });

  it("prints at most 5 warnings of a kind, then a count", async () => {
    // 52 connections whose capture stops inside the server's first flight.
    const r = await run(["analyze", "--summary", "../shared/captures/ja4/tls-handshake.pcapng"]);
    assert.equal(r.status, 0);
    const lines = r.err.trimEnd().split("\n");
    assert.equal(lines.length, 6);
    assert.match(
      lines[0] ?? "",
      /^mtls: warning: frame 193, stream 0: Connection ends inside a TLS record from the server \(1279 bytes of it captured\)$/,
    );
    assert.match(
      lines[5] ?? "",
      /^mtls: warning: 47 more like 'Connection ends inside a TLS record from the server \(\d+ bytes of it captured\)' not shown$/,
    );
  });

  it("fails with one line when nothing could be read", async (t) => {
    const dir = tempDir(t);
    const cases: [string, Uint8Array, string][] = [
      ["e.pcap", new Uint8Array(0), "empty file"],
      ["h.pcap", bytes.subarray(0, 20), "truncated pcap file header (20 of 24 bytes)"],
      [
        "r.pcap",
        Uint8Array.from([0x31, 0x21, 0x3e, 0x85, 9, 9]),
        "not a pcap or pcapng file (first bytes 31 21 3e 85)",
      ],
    ];
    for (const [name, data, reason] of cases) {
      const path = join(dir, name);
      writeFileSync(path, data);
      const r = await run(["analyze", path]);
      assert.equal(r.status, 1, name);
      assert.equal(r.out, "");
      assert.equal(r.err.split("\n")[0], `mtls: Cannot read capture ${path}: ${reason}`);
    }
  });

  it("names a missing file and a directory in plain words", async (t) => {
    const dir = tempDir(t);
    const missing = join(dir, "nope.pcap");
    const r = await run(["analyze", missing]);
    assert.equal(r.status, 1);
    assert.equal(r.err, `mtls: Cannot read capture ${missing}: no such file\n`);
    const sub = join(dir, "d");
    mkdirSync(sub);
    const d = await run(["analyze", sub]);
    assert.equal(d.status, 1);
    assert.equal(d.err, `mtls: Cannot read capture ${sub}: is a directory\n`);
  });
});

describe("mtls analyze filters and key logs", () => {
  it("says when no connection matched the filters (exit 0)", async () => {
    const r = await run(["analyze", "--summary", "--stream", "5", F]);
    assert.equal(r.status, 0);
    assert.equal(r.out, "");
    assert.equal(
      r.err,
      "mtls: no connection matched --stream 5 (the capture has TLS in stream 0; hosts 127.0.0.1; server ports 21010)\n",
    );
    const h = await run(["analyze", "--summary", "--host", "10.0.0.1", F]);
    assert.match(h.err, /^mtls: no connection matched --host 10\.0\.0\.1 \(/);
  });

  it("refuses a --host that is not an IP address as a usage error", async () => {
    const r = await run(["analyze", "--host", "notanip", F]);
    assert.equal(r.status, 2);
    assert.match(r.err, /Bad --host 'notanip': expected an IPv4 or IPv6 address/);
  });

  it("warns about a key log without TLS 1.3 secrets", async (t) => {
    const dir = tempDir(t);
    const bad = join(dir, "bad.pem");
    writeFileSync(bad, "-----BEGIN CERTIFICATE-----\ngarbage\n");
    const r = await run(["analyze", "--summary", "--keylog", bad, F]);
    assert.equal(r.status, 0);
    assert.match(
      r.err,
      /^mtls: warning: No TLS 1\.3 secrets in .*bad\.pem: lines must look like 'CLIENT_HANDSHAKE_TRAFFIC_SECRET <client_random> <secret>' \(2 lines are not in key log format\)\n$/,
    );
    const tls12 = join(dir, "tls12.log");
    const line = `CLIENT_RANDOM ${"ab".repeat(32)} ${"cd".repeat(48)}\n`;
    writeFileSync(tls12, line.repeat(3));
    const r12 = await run(["analyze", "--summary", "--keylog", tls12, F]);
    assert.match(r12.err, /TLS 1\.2 decryption is not supported: 3 CLIENT_RANDOM lines ignored\n$/);
  });

  it("warns when no secret of the key log matches the capture's TLS 1.3 connection", async () => {
    const M = "../shared/captures/mtls";
    const wrong = `${M}/05-tls13-no-client-cert-certificate-required.keys`;
    const r = await run([
      "analyze",
      "--summary",
      "--keylog",
      wrong,
      `${M}/04a-tls13-mtls-aes128gcm-ok.pcap`,
    ]);
    assert.equal(r.status, 0);
    assert.match(r.out, /outcome=encrypted/);
    assert.equal(
      r.err,
      `mtls: warning: No secret in ${wrong} matches the 1 TLS 1.3 connection of the capture (client randoms differ)\n`,
    );
  });

  it("warns once when the secrets of a connection do not authenticate its records", async (t) => {
    const M = "../shared/captures/mtls";
    const good = readFileSync(`${M}/04a-tls13-mtls-aes128gcm-ok.keys`, "utf8");
    const corrupt = join(tempDir(t), "corrupt.keys");
    writeFileSync(
      corrupt,
      good.replace(
        / ([0-9a-f]{2})([0-9a-f]+)$/gm,
        (_, b: string, rest: string) => ` ${b === "00" ? "01" : "00"}${rest}`,
      ),
    );
    const r = await run([
      "analyze",
      "--summary",
      "--keylog",
      corrupt,
      `${M}/04a-tls13-mtls-aes128gcm-ok.pcap`,
    ]);
    assert.equal(r.status, 0);
    assert.equal(
      r.err,
      "mtls: warning: frame 6, stream 0: The key log's secrets for this connection do not decrypt its records (wrong or corrupted key log?)\n",
    );
  });

  it("says nothing more when the key log decrypts the capture", async () => {
    const M = "../shared/captures/mtls";
    const r = await run([
      "analyze",
      "--summary",
      "--keylog",
      `${M}/04a-tls13-mtls-aes128gcm-ok.keys`,
      `${M}/04a-tls13-mtls-aes128gcm-ok.pcap`,
    ]);
    assert.equal(r.status, 0);
    assert.equal(r.err, "");
    assert.doesNotMatch(r.out, /outcome=encrypted/);
  });
});
