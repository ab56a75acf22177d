import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runMtls } from "../helpers/cli.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

const MTLS = "../shared/captures/mtls";

interface Connection {
  stream: number;
  server: string;
  version: string;
  resumed: boolean;
  clientAuth: { requested: boolean | null; sent: boolean | null; certificates: string[] };
  alerts: { from: string; level: string | null; description: string | null }[];
  outcome: string;
}

async function analyze(argv: string[]): Promise<Connection[]> {
  const { status, stdout, stderr } = await runMtls(["analyze", "--json", ...argv]);
  assert.equal(status, 0, stderr);
  return stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Connection);
}

/** An alert that is not close_notify, as `side description`, or "none". */
function errorAlert(c: Connection): string {
  const a = c.alerts.find((x) => x.description !== null && x.description !== "close_notify");
  return a ? `${a.from} ${a.level} ${a.description}` : "none";
}

/**
 * Per the captures README table: [capture, port, version, resumed, requested, sent,
 * client certificate subjects, error alert, outcome].
 */
const SCENARIOS: [string, number, string, boolean, boolean, boolean, string[], string, string][] = [
  [
    "01-tls12-mtls-ecdsa-aes256gcm-ok",
    21010,
    "TLS 1.2",
    false,
    true,
    true,
    ["O=Seed,CN=client-1", "CN=Seed Test CA"],
    "none",
    "established",
  ],
  [
    "02a-tls12-mtls-rsa-aes128cbc-sha256-etm-ok",
    21021,
    "TLS 1.2",
    false,
    true,
    true,
    ["O=Corpus,CN=client-rsa-1", "O=Corpus,CN=Corpus RSA Root CA"],
    "none",
    "established",
  ],
  [
    "03-tls12-mtls-ecdsa-chacha20-ok",
    21030,
    "TLS 1.2",
    false,
    true,
    true,
    ["O=Seed,CN=client-1", "CN=Seed Test CA"],
    "none",
    "established",
  ],
  [
    "04a-tls13-mtls-aes128gcm-ok",
    21041,
    "TLS 1.3",
    false,
    true,
    true,
    ["O=Seed,CN=client-1", "CN=Seed Test CA"],
    "none",
    "established",
  ],
  [
    "05-tls13-no-client-cert-certificate-required",
    21050,
    "TLS 1.3",
    false,
    true,
    false,
    [],
    "server fatal certificate_required",
    "failed",
  ],
  [
    "06a-tls12-no-client-cert-handshake-failure",
    21061,
    "TLS 1.2",
    false,
    true,
    false,
    [],
    "server fatal handshake_failure",
    "failed",
  ],
  [
    "06b-tls12-nginx-no-client-cert-http400",
    21062,
    "TLS 1.2",
    false,
    true,
    false,
    [],
    "none",
    "established",
  ],
  [
    "07a-tls12-untrusted-client-cert-unknown-ca",
    21071,
    "TLS 1.2",
    false,
    true,
    true,
    ["CN=intruder"],
    "server fatal unknown_ca",
    "failed",
  ],
  [
    "07b-tls13-untrusted-client-cert-unknown-ca",
    21072,
    "TLS 1.3",
    false,
    true,
    true,
    ["CN=intruder"],
    "server fatal unknown_ca",
    "failed",
  ],
  [
    "09a-tls12-mtls-resumption-session-id",
    21091,
    "TLS 1.2",
    false,
    true,
    true,
    ["O=Seed,CN=client-1", "CN=Seed Test CA"],
    "none",
    "established",
  ],
  [
    "09a-tls12-mtls-resumption-session-id",
    21091,
    "TLS 1.2",
    true,
    false,
    false,
    [],
    "none",
    "established",
  ],
  [
    "09b-tls12-mtls-resumption-session-ticket",
    21092,
    "TLS 1.2",
    false,
    true,
    true,
    ["O=Seed,CN=client-1", "CN=Seed Test CA"],
    "none",
    "established",
  ],
  [
    "09b-tls12-mtls-resumption-session-ticket",
    21092,
    "TLS 1.2",
    true,
    false,
    false,
    [],
    "none",
    "established",
  ],
  [
    "10-tls13-mtls-hello-retry-request",
    21100,
    "TLS 1.3",
    false,
    true,
    true,
    ["O=Seed,CN=client-1", "CN=Seed Test CA"],
    "none",
    "established",
  ],
  [
    "11a-tls12-mtls-cert-chain-fragmented-records",
    21111,
    "TLS 1.2",
    false,
    true,
    true,
    ["OU=Chain,O=Corpus,CN=client-chain-1", "O=Corpus,CN=Corpus Issuing CA 1"],
    "none",
    "established",
  ],
  [
    "11c-tls13-mtls-clienthello-split-2-segments",
    21113,
    "TLS 1.3",
    false,
    true,
    true,
    ["O=Seed,CN=client-1", "CN=Seed Test CA"],
    "none",
    "established",
  ],
  [
    "14-proxy-chain-nginx-mtls-both-legs",
    28000,
    "TLS 1.3",
    false,
    true,
    true,
    ["O=Seed,CN=client-1", "CN=Seed Test CA"],
    "none",
    "established",
  ],
  [
    "14-proxy-chain-nginx-mtls-both-legs",
    28080,
    "TLS 1.2",
    false,
    true,
    true,
    ["O=Corpus,CN=edge-proxy"],
    "none",
    "established",
  ],
  [
    "16a-tls12-optional-client-cert-none-sent-ok",
    21161,
    "TLS 1.2",
    false,
    true,
    false,
    [],
    "none",
    "established",
  ],
];

describe("mutual-TLS verdicts of every mtls/ scenario (README table), with the key log", () => {
  for (const [
    name,
    port,
    version,
    resumed,
    requested,
    sent,
    certificates,
    alert,
    outcome,
  ] of SCENARIOS) {
    it(`${name}${resumed ? " (resumed connection)" : ""} on port ${port}: requested=${requested} sent=${sent} alert=${alert} ${outcome}`, async () => {
      const all = await analyze(["--keylog", `${MTLS}/${name}.keys`, `${MTLS}/${name}.pcap`]);
      const c = all.find((x) => x.server.endsWith(`:${port}`) && x.resumed === resumed);
      assert.ok(c, `no connection to port ${port}`);
      assert.equal(c.version, version);
      assert.equal(c.clientAuth.requested, requested);
      assert.equal(c.clientAuth.sent, sent);
      assert.deepEqual(c.clientAuth.certificates, certificates);
      assert.equal(errorAlert(c), alert);
      assert.equal(c.outcome, outcome);
    });
  }
});

describe("TLS 1.3 without the key log", () => {
  it("says requested and sent are hidden by encryption (null)", async () => {
    const [c] = await analyze([`${MTLS}/05-tls13-no-client-cert-certificate-required.pcap`]);
    assert.equal(c?.clientAuth.requested, null);
    assert.equal(c?.clientAuth.sent, null);
  });

  it("decrypts with secrets embedded in a pcapng Decryption Secrets Block", async (t) => {
    const editcap = requirePeer(t, "editcap");
    if (!editcap) return;
    const dir = tempDir(t);
    const out = join(dir, "05-dsb.pcapng");
    const r = spawnSync(editcap, [
      "--inject-secrets",
      `tls,${MTLS}/05-tls13-no-client-cert-certificate-required.keys`,
      `${MTLS}/05-tls13-no-client-cert-certificate-required.pcap`,
      out,
    ]);
    assert.equal(r.status, 0, String(r.stderr));
    const [c] = await analyze([out]);
    assert.equal(c?.clientAuth.requested, true);
    assert.equal(c?.clientAuth.sent, false);
    assert.equal(c && errorAlert(c), "server fatal certificate_required");
    assert.equal(c?.outcome, "failed");
  });
});
