import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as tls from "node:tls";
import { runMtls } from "../helpers/cli.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

/** Runs `mtls ...` in process; only the subcommand it names is loaded. */
const mtls = runMtls;

const PASS = "export pass 1";

describe("mtls pki export --p12 with real PKCS#12 readers", () => {
  const dir = tempDir({ after });
  const root = join(dir, "root");
  const issuing = join(dir, "issuing");
  const file = (name: string) => join(issuing, name);

  before(async () => {
    writeFileSync(join(dir, "pw"), `${PASS}\n`);
    const steps = [
      ["pki", "init", "--dir", root],
      ["pki", "init", "--intermediate", "--parent", root, "--dir", issuing],
      ["pki", "issue", "server", "localhost", "--ca", issuing, "--san", "IP:127.0.0.1"],
      ["pki", "issue", "client", "client-1", "--ca", issuing],
      ["pki", "export", "client-1", "--ca", issuing, "--p12", "--passphrase-file", join(dir, "pw")],
      [
        "pki",
        "export",
        "client-1",
        "--ca",
        issuing,
        "--p12",
        "--legacy",
        "--out",
        file("client-1-legacy.p12"),
        "--passphrase-file",
        join(dir, "pw"),
      ],
      ["pki", "export", "client-1", "--ca", issuing, "--pem-bundle", "--with-root"],
      ["pki", "export", "client-1", "--ca", issuing, "--der"],
    ];
    for (const argv of steps) {
      const r = await mtls(argv);
      assert.equal(r.status, 0, `${argv.join(" ")}\n${r.stderr}`);
    }
  });

  const profiles = [
    {
      name: "modern",
      file: "client-1.p12",
      // Built with pkijs: PBES2 = PBKDF2-HMAC-SHA256 + AES-256-CBC, HMAC-SHA-256 MAC.
      bags: /PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256/,
      mac: /^MAC: sha256, Iteration 10000\nMAC length: 32, salt length: 64$/m,
    },
    {
      name: "legacy",
      file: "client-1-legacy.p12",
      // Hand-written (pkcs12-der.ts): pkijs has no PKCS#12 PBE.
      bags: /pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048/,
      mac: /^MAC: sha1, Iteration 2048\nMAC length: 20, salt length: 8$/m,
    },
  ];

  for (const p of profiles) {
    it(`openssl pkcs12 reads the ${p.name} file without the legacy provider: both bags and the MAC as promised, key and two certificates, no RC2`, (t) => {
      if (!requirePeer(t, "openssl")) return;
      assert.equal(statSync(file(p.file)).mode & 0o777, 0o600);
      const info = spawnSync(
        "openssl",
        ["pkcs12", "-in", file(p.file), "-passin", `pass:${PASS}`, "-info", "-nodes"],
        {
          encoding: "utf8",
        },
      );
      assert.equal(info.status, 0, info.stderr);
      const text = info.stdout + info.stderr;
      assert.match(text, new RegExp(`PKCS7 Encrypted data: ${p.bags.source}`));
      assert.match(text, new RegExp(`Shrouded Keybag: ${p.bags.source}`));
      assert.match(text, p.mac);
      assert.doesNotMatch(text, /RC2/i);
      assert.equal(text.match(/-----BEGIN CERTIFICATE-----/g)?.length, 2);
      assert.equal(text.match(/-----BEGIN PRIVATE KEY-----/g)?.length, 1);
      const wrong = spawnSync(
        "openssl",
        ["pkcs12", "-in", file(p.file), "-passin", "pass:wrong", "-noout"],
        { encoding: "utf8" },
      );
      assert.notEqual(wrong.status, 0);
      assert.match(wrong.stderr, /Mac verify error: invalid password\?/);
    });

    it(`keytool -list sees one PrivateKeyEntry in the ${p.name} file`, (t) => {
      if (!requirePeer(t, "keytool")) return;
      const r = spawnSync(
        "keytool",
        ["-list", "-storetype", "PKCS12", "-keystore", file(p.file), "-storepass", PASS],
        {
          encoding: "utf8",
        },
      );
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /Your keystore contains 1 entry/);
      assert.match(r.stdout, /^client-1, .*, PrivateKeyEntry, $/m);
    });

    it(`node:tls and curl --cert-type P12 authenticate with the ${p.name} file through the intermediate`, async (t) => {
      const server = createHttpsServer(
        {
          key: readFileSync(file("localhost.key")),
          cert: readFileSync(file("localhost.crt")),
          ca: readFileSync(join(root, "ca.crt")),
          requestCert: true,
          rejectUnauthorized: true,
        },
        (req, res) => {
          const peer = (req.socket as tls.TLSSocket).getPeerCertificate();
          res.end(`hello ${peer.subject.CN}`);
        },
      );
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      t.after(() => server.close());
      const port = (server.address() as AddressInfo).port;
      const viaNode = await new Promise<string>((resolve, reject) => {
        let got = "";
        const s = tls.connect({
          host: "127.0.0.1",
          port,
          ca: readFileSync(join(root, "ca.crt")),
          pfx: readFileSync(file(p.file)),
          passphrase: PASS,
        });
        s.on("secureConnect", () => s.end("GET / HTTP/1.0\r\n\r\n"));
        s.on("data", (d: Buffer) => {
          got += d.toString();
        });
        s.on("error", reject);
        s.on("close", () => resolve(got));
      });
      assert.match(viaNode, /\r\n\r\nhello client-1$/);
      if (!requirePeer(t, "curl")) return;
      const viaCurl = await new Promise<string>((resolve) => {
        execFile(
          "curl",
          [
            "-sS",
            "--max-time",
            "10",
            "--cacert",
            join(root, "ca.crt"),
            "--cert-type",
            "P12",
            "--cert",
            `${file(p.file)}:${PASS}`,
            `https://127.0.0.1:${port}/`,
          ],
          { encoding: "utf8" },
          (_e, stdout, stderr) => resolve(stdout + stderr),
        );
      });
      assert.equal(viaCurl, "hello client-1");
    });
  }

  it("--pem-bundle holds leaf, intermediate and root; --der the leaf alone", (t) => {
    const bundle = readFileSync(file("client-1.bundle.pem"), "utf8");
    assert.equal(bundle.match(/-----BEGIN CERTIFICATE-----/g)?.length, 3);
    assert.ok(bundle.startsWith(readFileSync(file("client-1.crt"), "utf8")));
    assert.ok(bundle.endsWith(readFileSync(join(root, "ca.crt"), "utf8")));
    if (!requirePeer(t, "openssl")) return;
    const der = spawnSync(
      "openssl",
      ["x509", "-inform", "DER", "-in", file("client-1.der"), "-noout", "-subject"],
      { encoding: "utf8" },
    );
    assert.equal(der.stdout, "subject=CN = client-1\n");
  });

  it("inspect warns about an RC2-40 file from openssl pkcs12 -export -legacy, and names our algorithms", async (t) => {
    if (!requirePeer(t, "openssl")) return;
    const rc2 = join(dir, "rc2.p12");
    const made = spawnSync(
      "openssl",
      [
        "pkcs12",
        "-export",
        "-legacy",
        "-in",
        file("client-1.crt"),
        "-inkey",
        file("client-1.key"),
        "-passout",
        "pass:x",
        "-out",
        rc2,
      ],
      { encoding: "utf8" },
    );
    if (made.status !== 0) return t.skip(`openssl cannot write RC2 here: ${made.stderr.trim()}`);
    const r = await mtls(["pki", "inspect", rc2, file("client-1-legacy.p12")]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Protects certificates: pbeWithSHAAnd40BitRC2-CBC\n/);
    assert.match(r.stdout, /Warning: +RC2 encryption: OpenSSL 3 and Node refuse it/);
    assert.match(
      r.stdout,
      /client-1-legacy\.p12\)\n {2}Protects certificates: pbeWithSHAAnd3-KeyTripleDES-CBC\n {2}Protects key: +pbeWithSHAAnd3-KeyTripleDES-CBC\n {2}MAC: +SHA-1, 2048 iterations\n$/,
    );
  });

  it("inspect reads the modern file as DER and names its PBES2 protection and SHA-256 MAC", async () => {
    const r = await mtls(["pki", "inspect", file("client-1.p12")]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      / {2}Protects certificates: PBES2 \(PBKDF2, AES-256-CBC\)\n {2}Protects key: +PBES2 \(PBKDF2, AES-256-CBC\)\n {2}MAC: +SHA-256, 10000 iterations\n/,
    );
  });

  it("warns on stderr when the store revoked the certificate, and exports it anyway", async () => {
    for (const argv of [
      ["pki", "issue", "client", "gone", "--ca", issuing],
      ["pki", "revoke", file("gone.crt"), "--ca", issuing, "--reason", "superseded"],
    ]) {
      const r = await mtls(argv);
      assert.equal(r.status, 0, `${argv.join(" ")}: ${r.stderr}`);
    }
    const list = await mtls(["pki", "list", "--ca", issuing, "--json"]);
    const entry = (
      JSON.parse(list.stdout) as { serial: string; subject: string; revokedAt: string }[]
    ).find((e) => e.subject === "CN=gone");
    assert.ok(entry);
    const r = await mtls(["pki", "export", "gone", "--ca", issuing, "--der"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stderr,
      `warning: certificate ${entry.serial} was revoked on ${entry.revokedAt.slice(0, 10)} (superseded); exporting it anyway\n`,
    );
    assert.ok(readFileSync(file("gone.der")).length > 0);
    const good = await mtls([
      "pki",
      "export",
      "client-1",
      "--ca",
      issuing,
      "--der",
      "--out",
      join(dir, "good.der"),
    ]);
    assert.equal(good.status, 0, good.stderr);
    assert.equal(good.stderr, "");
  });

  it("refuses an existing file, a missing passphrase and two formats at once", async () => {
    const exists = await mtls(["pki", "export", "client-1", "--ca", issuing, "--der"]);
    assert.equal(exists.status, 1);
    assert.equal(
      exists.stderr.split("\n")[0],
      `mtls: Refusing to overwrite ${file("client-1.der")}: the file exists`,
    );
    const none = await mtls([
      "pki",
      "export",
      "client-1",
      "--ca",
      issuing,
      "--p12",
      "--out",
      join(dir, "x.p12"),
    ]);
    assert.equal(none.status, 2);
    assert.match(
      none.stderr,
      /^mtls: Cannot write PKCS#12: no passphrase given\n {2}hint: give it with --passphrase-file FILE or MTLS_P12_PASSPHRASE\n$/,
    );
    const two = await mtls(["pki", "export", "client-1", "--ca", issuing, "--der", "--p12"]);
    assert.equal(two.status, 2);
    assert.equal(two.stderr, "mtls: Choose one export format: --p12, --pem-bundle or --der\n");
  });
});
