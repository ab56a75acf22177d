import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runMtls } from "../helpers/cli.ts";
import { tempDir } from "../helpers/tmp.ts";

/** `mtls` with only the analyze command: other commands' work in progress cannot break these tests. */
const MTLS = "../shared/captures/mtls";

async function run(argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const { status, stdout: out, stderr: err } = await runMtls(argv);
  return { status, out, err };
}

/** [capture, version, suite, cert-requested, client-cert (a pattern), outcome] per the captures README. */
const VERDICTS: [string, string, string, string, string, string][] = [
  [
    "01-tls12-mtls-ecdsa-aes256gcm-ok",
    "TLS 1.2",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "yes",
    "yes\\(2, .*CN=client-1.*\\)",
    "ok",
  ],
  [
    "06a-tls12-no-client-cert-handshake-failure",
    "TLS 1.2",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "yes",
    "no",
    "alert handshake_failure (fatal) from server",
  ],
  [
    "06b-tls12-nginx-no-client-cert-http400",
    "TLS 1.2",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "yes",
    "no",
    "ok",
  ],
  [
    "07a-tls12-untrusted-client-cert-unknown-ca",
    "TLS 1.2",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "yes",
    "yes\\(1, CN=intruder\\)",
    "alert unknown_ca (fatal) from server",
  ],
  [
    "16a-tls12-optional-client-cert-none-sent-ok",
    "TLS 1.2",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "yes",
    "no",
    "ok",
  ],
  [
    "04a-tls13-mtls-aes128gcm-ok",
    "TLS 1.3",
    "TLS_AES_128_GCM_SHA256",
    "encrypted",
    "encrypted",
    "encrypted: 5 client and 9 server records after ServerHello",
  ],
];

describe("mtls analyze --summary and --json", () => {
  for (const [name, version, suite, requested, sent, outcome] of VERDICTS) {
    it(`gives the README's verdict for ${name}`, async () => {
      const r = await run(["analyze", "--summary", `${MTLS}/${name}.pcap`]);
      assert.equal(r.status, 0, r.err);
      const [line, ...more] = r.out.trim().split("\n");
      assert.equal(more.length, 0);
      const cols = line!.split("\t");
      assert.deepEqual(cols.slice(2, 5), [version, suite, `cert-requested=${requested}`]);
      assert.match(cols[5]!, new RegExp(`^client-cert=${sent}$`));
      assert.equal(cols[6], `outcome=${outcome}`);
    });
  }

  it("marks the resumed connection of 09a and the HelloRetryRequest of 10", async () => {
    const a = await run([
      "analyze",
      "--summary",
      `${MTLS}/09a-tls12-mtls-resumption-session-id.pcap`,
    ]);
    assert.match(
      a.out.split("\n")[1]!,
      /TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 resumed\tcert-requested=no/,
    );
    const b = await run(["analyze", "--summary", `${MTLS}/10-tls13-mtls-hello-retry-request.pcap`]);
    assert.match(b.out, /TLS_AES_256_GCM_SHA384 hrr\t/);
  });

  it("explains an untrusted client certificate by the CAs the server named", async () => {
    const r = await run([
      "analyze",
      "--summary",
      `${MTLS}/07a-tls12-untrusted-client-cert-unknown-ca.pcap`,
    ]);
    assert.match(
      r.out,
      /\tdiagnosis=client certificate issuer CN=Rogue CA is not among the CAs the server named \(CN=Seed Test CA\)\n$/,
    );
  });

  it("prints one JSON object per connection with its messages", async () => {
    const r = await run(["analyze", "--json", `${MTLS}/14-proxy-chain-nginx-mtls-both-legs.pcap`]);
    assert.equal(r.status, 0, r.err);
    const objects = r.out
      .trim()
      .split("\n")
      .map(
        (l) => JSON.parse(l) as { stream: number; version: string; messages: { frame: number }[] },
      );
    assert.deepEqual(
      objects.map((o) => [o.stream, o.version]),
      [
        [1, "TLS 1.2"],
        [0, "TLS 1.3"],
      ],
    );
    assert.equal(objects[1]!.messages[0]!.frame, 4);
  });

  it("reads standard input given -", () => {
    // A child process with the analyze command only, its stdin fed the capture.
    const script = [
      'import { Command } from "commander";',
      'import { registerAnalyze } from "./src/cli/analyze.ts";',
      'import { runProgram } from "./src/cli/run.ts";',
      'const program = new Command("mtls");',
      "registerAnalyze(program);",
      "process.exitCode = await runProgram(program, process.argv.slice(1), process);",
    ].join("\n");
    const r = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        script,
        "analyze",
        "-",
        "--format",
        "tshark-fields",
      ],
      { input: readFileSync("../shared/captures/zeek/hrr.pcap"), encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, readFileSync("../shared/captures/zeek/hrr.pcap.tshark.tsv", "utf8"));
  });

  it("warns about a capture cut short and still reports what it read", async (t) => {
    const dir = tempDir(t);
    const bytes = readFileSync(`${MTLS}/07a-tls12-untrusted-client-cert-unknown-ca.pcap`);
    const cut = join(dir, "cut.pcap");
    writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    const r = await run(["analyze", "--format", "tshark-fields", cut]);
    assert.equal(r.status, 0);
    assert.match(
      r.err,
      /^mtls: warning: Capture ends in the middle of packet 12 \(at byte 2765 of the file\): 72 of 82 bytes present\n$/,
    );
    assert.match(r.out, /^4\t0\t0x0301\t22\t1\t/);
  });

  it("fails with one line for a file that is not a capture, and for a bad --format", async () => {
    const r = await run(["analyze", "package.json"]);
    assert.equal(r.status, 1);
    assert.match(
      r.err,
      /^mtls: Cannot read capture package.json: not a pcap or pcapng file \(first bytes 7b 0a 20 20\)\n {2}hint: /,
    );
    const u = await run(["analyze", "--format", "xml", "package.json"]);
    assert.equal(u.status, 2);
    assert.match(u.err, /Bad --format 'xml'/);
  });
});
