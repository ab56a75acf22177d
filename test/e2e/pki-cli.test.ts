import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { decodePem, encodePem } from "../../src/pki/pem.ts";
import { runMtls } from "../helpers/cli.ts";
import { snapshot } from "../helpers/fs-snapshot.ts";
import { tempDir } from "../helpers/tmp.ts";

/** Runs `mtls ...` in process; only the subcommand it names is loaded. */
const mtls = runMtls;

describe("mtls pki on bad input", () => {
  const dir = mkdtempSync(join(tmpdir(), "mtls-pki-cli-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const ca = join(dir, "ca");

  before(async () => {
    const init = await mtls(["pki", "init", "--dir", ca]);
    assert.equal(init.status, 0, init.stderr);
    const csr = await mtls(["pki", "csr", "--out", join(dir, "web"), "--subject", "CN=localhost"]);
    assert.equal(csr.status, 0, csr.stderr);
    const signed = await mtls([
      "pki",
      "sign",
      join(dir, "web.csr"),
      "--ca",
      ca,
      "--profile",
      "server",
    ]);
    assert.equal(signed.status, 0, signed.stderr);
  });

  const cases: {
    name: string;
    argv: () => string[];
    setup?: () => void;
    status: 1 | 2;
    line: (d: string) => string | RegExp;
  }[] = [
    {
      name: "a missing CSR file",
      argv: () => ["pki", "sign", join(dir, "nope.csr"), "--ca", ca, "--profile", "server"],
      status: 1,
      line: (d) => `mtls: Cannot read CSR ${d}/nope.csr: no such file`,
    },
    {
      name: "a CSR file that is not PEM",
      setup: () => writeFileSync(join(dir, "x.csr"), "hello\n"),
      argv: () => ["pki", "sign", join(dir, "x.csr"), "--ca", ca, "--profile", "server"],
      status: 1,
      line: (d) => `mtls: Cannot read CSR ${d}/x.csr: not PEM (no -----BEGIN line)`,
    },
    {
      name: "a CSR with a bad signature",
      setup: () => {
        const der = decodePem(readFileSync(join(dir, "web.csr"), "utf8"), ["CERTIFICATE REQUEST"], {
          what: "CSR",
        }).der;
        der[Buffer.from(der).indexOf("localhost")] = 0x4c; // "Localhost"
        writeFileSync(join(dir, "evil.csr"), encodePem("CERTIFICATE REQUEST", der));
      },
      argv: () => ["pki", "sign", join(dir, "evil.csr"), "--ca", ca, "--profile", "server"],
      status: 1,
      line: (d) =>
        `mtls: Bad CSR signature in ${d}/evil.csr: the request is not signed by the key it contains (CN=Localhost)`,
    },
    {
      name: "a bad SAN",
      argv: () => ["pki", "issue", "server", "x", "--ca", ca, "--san", "FOO:bar"],
      status: 2,
      line: () => "mtls: Bad SAN 'FOO:bar': expected DNS:, IP:, email: or URI:",
    },
    {
      name: "a bad subject",
      argv: () => ["pki", "csr", "--out", join(dir, "y"), "--subject", "localhost"],
      status: 2,
      line: () => "mtls: Bad subject 'localhost': expected TYPE=value, found 'localhost'",
    },
    {
      name: "an existing certificate without --force",
      argv: () => ["pki", "sign", join(dir, "web.csr"), "--ca", ca, "--profile", "server"],
      status: 1,
      line: (d) => `mtls: Refusing to overwrite ${d}/web.crt: the file exists`,
    },
    {
      name: "an existing CA without --force",
      argv: () => ["pki", "init", "--dir", ca],
      status: 1,
      line: (d) => `mtls: Refusing to overwrite ${d}/ca/ca.key: ${d}/ca already holds a CA`,
    },
    {
      name: "an unknown --profile",
      argv: () => ["pki", "sign", join(dir, "web.csr"), "--ca", ca, "--profile", "admin"],
      status: 2,
      line: () => "mtls: Unknown profile 'admin': expected server, client, server-client, ca",
    },
    {
      name: "an unknown issue profile",
      argv: () => ["pki", "issue", "admin", "x", "--ca", ca],
      status: 2,
      line: () => "mtls: Unknown profile 'admin': expected server, client, server-client, ca",
    },
    {
      name: "a bad --days",
      argv: () => ["pki", "issue", "client", "x", "--ca", ca, "--days", "1y"],
      status: 2,
      line: () => "mtls: Bad --days '1y': expected an integer from 1 to 36500",
    },
    ...(["sign", "issue", "revoke", "crl", "list"] as const).map((command) => ({
      name: `a missing CA store given to ${command}`,
      argv: () => {
        const ca = ["--ca", join(dir, "nodir")];
        switch (command) {
          case "sign":
            return ["pki", "sign", join(dir, "web.csr"), ...ca, "--profile", "server"];
          case "issue":
            return ["pki", "issue", "client", "web", ...ca, "--out-dir", dir];
          case "revoke":
            return ["pki", "revoke", join(dir, "web.crt"), ...ca];
          case "crl":
          case "list":
            return ["pki", command, ...ca];
        }
      },
      status: 1 as const,
      line: (d: string) => `mtls: Cannot read CA store ${d}/nodir: no such directory`,
    })),
    {
      name: "a file given as the CA store",
      argv: () => [
        "pki",
        "sign",
        join(dir, "web.csr"),
        "--ca",
        join(dir, "web.csr"),
        "--profile",
        "server",
      ],
      status: 1,
      line: (d) => `mtls: Cannot read CA store ${d}/web.csr: not a directory`,
    },
    {
      name: "a directory without a CA given as the CA store",
      argv: () => ["pki", "sign", join(dir, "web.csr"), "--ca", dir, "--profile", "server"],
      status: 1,
      line: (d) => `mtls: Cannot read CA store ${d}: no ca.crt or ca.key`,
    },
  ];

  for (const c of cases) {
    it(`reports ${c.name} in one line, exits ${c.status} and changes nothing`, async () => {
      c.setup?.();
      const before = snapshot(dir);
      const r = await mtls(c.argv());
      assert.equal(r.status, c.status, r.stderr);
      const [first] = r.stderr.split("\n");
      const expected = c.line(dir);
      if (typeof expected === "string") assert.equal(first, expected);
      else assert.match(first ?? "", expected);
      assert.equal(r.stdout, "");
      assert.deepEqual(snapshot(dir), before);
    });
  }

  it("names the missing CA store before the certificate it would overwrite, with a hint", async () => {
    const r = await mtls([
      "pki",
      "sign",
      join(dir, "web.csr"),
      "--ca",
      join(dir, "nodir"),
      "--profile",
      "server",
    ]);
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      `mtls: Cannot read CA store ${dir}/nodir: no such directory\n  hint: create one with \`mtls pki init --dir ${dir}/nodir\`\n`,
    );
  });

  it("reports a CA key that does not match the CA certificate", async (t) => {
    const other = join(tempDir(t), "other");
    assert.equal((await mtls(["pki", "init", "--dir", other])).status, 0);
    writeFileSync(join(ca, "ca.key"), readFileSync(join(other, "ca.key")), { mode: 0o600 });
    const before = snapshot(dir);
    const r = await mtls(["pki", "issue", "client", "z", "--ca", ca]);
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr.split("\n")[0],
      `mtls: CA key does not match CA certificate: ${ca}/ca.key is not the key of ${ca}/ca.crt (CN=mtlskit CA)`,
    );
    assert.match(r.stderr, /\n {2}hint: restore the ca.key that belongs to this ca.crt/);
    assert.deepEqual(snapshot(dir), before);
  });
});
