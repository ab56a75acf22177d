import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runMtls } from "../helpers/cli.ts";
import { findPeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

/** Runs `mtls ...` in process; only the subcommand it names is loaded. */
const mtls = runMtls;

describe("mtls pki lint on certificates made by openssl", {
  skip: !findPeer("openssl") && "openssl is not installed",
}, () => {
  const dir = tempDir({ after });

  /** A self-signed leaf made by `openssl req -x509` with the given extra arguments. */
  function make(name: string, args: string[]): string {
    const out = join(dir, `${name}.crt`);
    execFileSync(
      "openssl",
      ["req", "-x509", "-nodes", "-keyout", join(dir, `${name}.key`), "-out", out, ...args],
      { stdio: "ignore" },
    );
    return out;
  }

  it("flags a negative serial, SHA-1, RSA-1024, 1000 days and a CN outside the SAN, with sources", async () => {
    const cert = make("bad", [
      "-newkey",
      "rsa:1024",
      "-sha1",
      "-set_serial",
      "-5",
      "-days",
      "1000",
      "-subj",
      "/CN=bad.example",
      "-addext",
      "basicConstraints=CA:FALSE",
      "-addext",
      "subjectAltName=DNS:other.example",
      "-addext",
      "extendedKeyUsage=serverAuth",
    ]);
    const r = await mtls(["pki", "lint", cert, "--json"]);
    assert.equal(r.status, 1);
    const [result] = JSON.parse(r.stdout) as {
      findings: { rule: string; severity: string; source: string }[];
    }[];
    assert.deepEqual(
      result?.findings.map((f) => [f.severity, f.rule, f.source]),
      [
        ["error", "serial-negative", "RFC 5280 §4.1.2.2"],
        ["error", "sha1-signature", "CA/B Forum BR §7.1.3.2"],
        ["error", "rsa-key-too-small", "CA/B Forum BR §6.1.5"],
        [
          "error",
          "validity-over-825",
          "Apple, Requirements for trusted certificates in iOS 13 and macOS 10.15",
        ],
        ["error", "cn-not-in-san", "CA/B Forum BR §7.1.4.3"],
      ],
    );
    assert.equal(r.stderr, "mtls: Lint found 5 errors in the JSON output\n");
  });

  it("passes a certificate from mtls pki issue, and explains a CN-only one in text", async () => {
    const ca = join(dir, "ca");
    assert.equal((await mtls(["pki", "init", "--dir", ca])).status, 0);
    assert.equal((await mtls(["pki", "issue", "server", "localhost", "--ca", ca])).status, 0);
    const ok = await mtls(["pki", "lint", join(ca, "localhost.crt"), "--profile", "server"]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout, `${join(ca, "localhost.crt")}: no findings\n`);
    const cnOnly = make("cn-only", [
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-days",
      "30",
      "-subj",
      "/CN=cn-only.example",
      "-addext",
      "basicConstraints=CA:FALSE",
    ]);
    const r = await mtls(["pki", "lint", cnOnly]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, "mtls: Lint found 1 error listed above\n");
    assert.match(
      r.stdout,
      /: 1 error, 1 warning, 0 notices\n {2}error {4}no-san: no subjectAltName: Chrome \(since 58\) and Go match host names only in the SAN, never the CN\n {11}source: CA\/B Forum BR §7\.1\.2\.7\.12; RFC 6125 §6\.4\.4\n/,
    );
  });

  it("passes a client certificate from mtls pki issue: a client needs no SAN", async () => {
    const ca = join(dir, "ca-client");
    assert.equal((await mtls(["pki", "init", "--dir", ca])).status, 0);
    assert.equal((await mtls(["pki", "issue", "client", "client-1", "--ca", ca])).status, 0);
    const cert = join(ca, "client-1.crt");
    for (const args of [["--profile", "client"], []]) {
      const r = await mtls(["pki", "lint", cert, ...args]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${cert}: no findings\n`);
    }
    const asServer = await mtls(["pki", "lint", cert, "--profile", "server", "--json"]);
    assert.equal(asServer.status, 1);
    const [result] = JSON.parse(asServer.stdout) as { findings: { rule: string }[] }[];
    assert.deepEqual(
      result?.findings.map((f) => f.rule),
      ["no-san", "eku-lacks-purpose"],
    );
  });

  it("flags a client certificate that names nobody: empty subject, no SAN", async () => {
    const cert = make("nobody", [
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-days",
      "30",
      "-subj",
      "/",
      "-addext",
      "basicConstraints=CA:FALSE",
      "-addext",
      "extendedKeyUsage=clientAuth",
    ]);
    const r = await mtls(["pki", "lint", cert, "--profile", "client", "--json"]);
    assert.equal(r.status, 1);
    const [result] = JSON.parse(r.stdout) as { findings: { rule: string; severity: string }[] }[];
    assert.deepEqual(
      result?.findings.map((f) => [f.severity, f.rule]),
      [["error", "no-name"]],
    );
  });
});
