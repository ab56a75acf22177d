import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import * as tls from "node:tls";
import { runMtls } from "../helpers/cli.ts";
import { snapshot } from "../helpers/fs-snapshot.ts";
import { findPeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

/** Runs `mtls ...` in process; only the subcommand it names is loaded. */
const mtls = runMtls;

/** A mutual TLS exchange: the server answers with the client's CN. */
async function handshake(
  t: { after(fn: () => void): void },
  ca: string,
  server: string,
  client: string,
): Promise<string> {
  const srv = tls.createServer(
    {
      key: readFileSync(`${server}.key`),
      cert: readFileSync(`${server}.crt`),
      ca: readFileSync(ca),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (s) => s.end(`hello ${s.getPeerCertificate().subject.CN}`),
  );
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  t.after(() => srv.close());
  return new Promise((resolve, reject) => {
    let got = "";
    const s = tls.connect({
      host: "127.0.0.1",
      port: (srv.address() as AddressInfo).port,
      servername: "localhost",
      ca: readFileSync(ca),
      key: readFileSync(`${client}.key`),
      cert: readFileSync(`${client}.crt`),
    });
    s.on("data", (d: Buffer) => {
      got += d.toString();
    });
    s.on("error", reject);
    s.on("close", () => resolve(got));
  });
}

describe("mtls pki key types, profiles and encrypted CA keys", () => {
  const dir = tempDir({ after });

  for (const [caType, serverType, clientType] of [
    ["ec-p384", "ec-p256", "rsa-2048"],
    ["rsa-3072", "rsa-2048", "ec-p384"],
    ["ed25519", "ed25519", "ec-p256"],
  ] as const) {
    it(`a ${caType} CA issues a ${serverType} server and a ${clientType} client that complete mutual TLS and pass openssl verify`, async (t) => {
      const ca = join(dir, caType);
      const run = async (argv: string[]) => {
        const r = await mtls(argv);
        assert.equal(r.status, 0, `${argv.join(" ")}\n${r.stderr}`);
      };
      await run(["pki", "init", "--dir", ca, "--key-type", caType]);
      await run([
        "pki",
        "issue",
        "server",
        "localhost",
        "--ca",
        ca,
        "--key-type",
        serverType,
        "--san",
        "IP:127.0.0.1",
      ]);
      await run(["pki", "issue", "server-client", "both", "--ca", ca, "--key-type", clientType]);
      assert.equal(
        await handshake(t, join(ca, "ca.crt"), join(ca, "localhost"), join(ca, "both")),
        "hello both",
      );
      if (findPeer("openssl")) {
        const out = execFileSync(
          "openssl",
          ["verify", "-CAfile", join(ca, "ca.crt"), "-purpose", "sslclient", join(ca, "both.crt")],
          { encoding: "utf8" },
        );
        assert.match(out, /both\.crt: OK/);
      }
    });
  }

  it("an --encrypt CA key is encrypted PKCS#8 openssl decrypts, and is needed to issue", async (t) => {
    const ca = join(dir, "enc");
    const pw = join(dir, "pw.txt");
    writeFileSync(pw, "correct horse battery\n");
    const init = await mtls(["pki", "init", "--dir", ca, "--encrypt", "--passphrase-file", pw]);
    assert.equal(init.status, 0, init.stderr);
    assert.match(
      readFileSync(join(ca, "ca.key"), "utf8"),
      /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/,
    );
    if (findPeer("openssl")) {
      execFileSync("openssl", [
        "pkey",
        "-in",
        join(ca, "ca.key"),
        "-passin",
        `file:${pw}`,
        "-noout",
      ]);
    } else t.diagnostic("openssl is not installed: decryption by openssl not checked");
    const before = snapshot(ca);
    const denied = await mtls(["pki", "issue", "client", "c", "--ca", ca]);
    assert.equal(denied.status, 1);
    assert.equal(
      denied.stderr.split("\n")[0],
      `mtls: Cannot read private key ${ca}/ca.key: it is encrypted and no passphrase was given`,
    );
    writeFileSync(join(dir, "wrong.txt"), "wrong passphrase\n");
    const wrong = await mtls([
      "pki",
      "issue",
      "client",
      "c",
      "--ca",
      ca,
      "--passphrase-file",
      join(dir, "wrong.txt"),
    ]);
    assert.equal(
      wrong.stderr.split("\n")[0],
      `mtls: Cannot decrypt private key ${ca}/ca.key: wrong passphrase`,
    );
    assert.deepEqual(snapshot(ca), before);
    const ok = await mtls(["pki", "issue", "client", "c", "--ca", ca, "--passphrase-file", pw]);
    assert.equal(ok.status, 0, ok.stderr);
  });

  it("refuses --days over 825 unless --allow-long-validity, and an unknown key type", async () => {
    const ca = join(dir, "days");
    assert.equal((await mtls(["pki", "init", "--dir", ca])).status, 0);
    const before = snapshot(ca);
    const long = await mtls(["pki", "issue", "client", "c", "--ca", ca, "--days", "826"]);
    assert.equal(long.status, 1);
    assert.equal(
      long.stderr,
      "mtls: Cannot issue a client certificate for 826 days: over 825 days, which Apple platforms refuse for TLS\n  hint: pass --days 825 or less (397 is the default), or --allow-long-validity if every peer accepts it\n",
    );
    const badType = await mtls([
      "pki",
      "issue",
      "client",
      "c",
      "--ca",
      ca,
      "--key-type",
      "rsa-1024",
    ]);
    assert.equal(badType.status, 2);
    assert.match(
      badType.stderr,
      /^mtls: Unknown key type 'rsa-1024': expected one of ec-p256, ec-p384, rsa-2048, rsa-3072, rsa-4096, ed25519\n/,
    );
    assert.deepEqual(snapshot(ca), before);
    const allowed = await mtls([
      "pki",
      "issue",
      "client",
      "c",
      "--ca",
      ca,
      "--days",
      "826",
      "--allow-long-validity",
    ]);
    assert.equal(allowed.status, 0, allowed.stderr);
  });
});
