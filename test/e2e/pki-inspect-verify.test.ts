import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runMtls } from "../helpers/cli.ts";
import { makeOpensslPki, type OpensslPki } from "../helpers/openssl-pki.ts";
import { findPeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

/** Runs `mtls ...` in process; only the subcommand it names is loaded. */
const mtls = runMtls;

function openssl(args: string[]): string {
  return execFileSync("openssl", args, { encoding: "utf8" });
}

/** openssl verify's verdict: true when it prints `: OK`. */
function opensslVerifies(args: string[]): boolean {
  const r = spawnSync("openssl", ["verify", ...args], { encoding: "utf8" });
  return r.status === 0 && /: OK\n$/.test(r.stdout);
}

describe("mtls pki inspect and verify against openssl", {
  skip: !findPeer("openssl") && "openssl is not installed",
}, () => {
  const dir = tempDir({ after });
  let pki: OpensslPki;
  before(() => {
    pki = makeOpensslPki(dir);
  });

  it("inspect --json reports openssl's serial, notAfter, SANs and fingerprints", async () => {
    const p = pki;
    const r = await mtls(["pki", "inspect", "--json", p.serverCert]);
    assert.equal(r.status, 0, r.stderr);
    const [info] = JSON.parse(r.stdout) as {
      serial: string;
      notAfter: string;
      sans: string[];
      fingerprints: { sha256: string; sha1: string };
    }[];
    assert.ok(info);
    const serial = openssl(["x509", "-in", p.serverCert, "-noout", "-serial"]).trim();
    assert.equal(
      info.serial,
      serial
        .replace("serial=", "")
        .toLowerCase()
        .replace(/^(00)+/, ""),
    );
    const end = openssl(["x509", "-in", p.serverCert, "-noout", "-enddate"]).trim();
    assert.equal(Date.parse(info.notAfter), Date.parse(end.replace("notAfter=", "")));
    const fp = (alg: string) =>
      openssl(["x509", "-in", p.serverCert, "-noout", "-fingerprint", `-${alg}`])
        .trim()
        .replace(/^.*=/, "")
        .replace(/:/g, "")
        .toLowerCase();
    assert.equal(info.fingerprints.sha256, fp("sha256"));
    assert.equal(info.fingerprints.sha1, fp("sha1"));
    const sanText = openssl(["x509", "-in", p.serverCert, "-noout", "-ext", "subjectAltName"]);
    for (const san of info.sans) {
      assert.ok(
        sanText.includes(
          san
            .replace(/^IP:/, "IP Address:")
            .replace("IP Address:::1", "IP Address:0:0:0:0:0:0:0:1"),
        ),
        `${san} in ${sanText}`,
      );
    }
  });

  it("inspect prints text for a certificate, its key and a bundle, block by block", async () => {
    const p = pki;
    const r = await mtls(["pki", "inspect", p.clientCert, p.clientKey]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Certificate \(.*client\.crt\)\n {2}Subject: +CN=client-1\n/m);
    assert.match(r.stdout, /\nPrivate key \(.*client\.key\)\n/);
    const spki = [...r.stdout.matchAll(/SPKI SHA-256:? +([0-9a-f]{64})/g)].map((m) => m[1]);
    assert.equal(spki.length, 2);
    assert.equal(spki[0], spki[1], "the key's SPKI hash equals its certificate's");
  });

  const agreements: {
    name: string;
    ours: (p: OpensslPki) => string[];
    theirs: (p: OpensslPki) => string[];
    ok: boolean;
    first?: RegExp;
    /** How many problems our verify finds; default 1. */
    problems?: number;
  }[] = [
    {
      name: "a client certificate from the CA",
      ours: (p) => [p.clientCert, "--ca", p.caCert, "--purpose", "client"],
      theirs: (p) => ["-CAfile", p.caCert, "-purpose", "sslclient", p.clientCert],
      ok: true,
    },
    {
      name: "the rogue client certificate",
      ours: (p) => [p.rogueClientCert, "--ca", p.caCert],
      theirs: (p) => ["-CAfile", p.caCert, p.rogueClientCert],
      ok: false,
      first: /^ {2}- '.*' is issued by '.*', but no CA you gave is '[^']*'/m,
    },
    {
      name: "a server certificate used as a client",
      ours: (p) => [p.serverCert, "--ca", p.caCert, "--purpose", "client"],
      theirs: (p) => ["-CAfile", p.caCert, "-purpose", "sslclient", p.serverCert],
      ok: false,
      first: /^ {2}- extendedKeyUsage lacks clientAuth/m,
    },
    {
      name: "a server certificate for another host",
      ours: (p) => [p.serverCert, "--ca", p.caCert, "--host", "example.com"],
      theirs: (p) => ["-CAfile", p.caCert, "-verify_hostname", "example.com", p.serverCert],
      ok: false,
      first: /^ {2}- 'example\.com' is not among the certificate's names/m,
    },
    {
      name: "a certificate checked after its expiry",
      ours: (p) => [p.clientCert, "--ca", p.caCert, "--at", "2099-01-01"],
      theirs: (p) => [
        "-CAfile",
        p.caCert,
        "-attime",
        String(Date.parse("2099-01-01") / 1000),
        p.clientCert,
      ],
      ok: false,
      first: /^ {2}- 'CN=client-1' is valid from .* expired \d+ days before 2099-01-01T00:00:00Z$/m,
      problems: 2, // the CA has expired by then too
    },
  ];
  for (const c of agreements) {
    it(`verify agrees with openssl verify on ${c.name}`, async () => {
      const p = pki;
      assert.equal(opensslVerifies(c.theirs(p)), c.ok, "openssl's verdict");
      const r = await mtls(["pki", "verify", ...c.ours(p)]);
      assert.equal(r.status, c.ok ? 0 : 1, r.stderr);
      if (c.ok) assert.match(r.stdout, /: OK\n {2}path {2}'CN=client-1' <- '.*'\n$/);
      else {
        const [cert] = c.ours(p);
        assert.match(r.stdout, /: FAILED\n/);
        assert.match(r.stdout, c.first ?? /./);
        const n = c.problems ?? 1;
        assert.equal(
          r.stderr,
          `mtls: ${cert} does not verify: ${n} problem${n === 1 ? "" : "s"} listed above\n`,
        );
      }
    });
  }

  it("verify names a reason when the chain loops and never reaches a trusted CA", async () => {
    // X and Y sign each other: leaf <- X <- Y <- X <- ... never reaches --ca.
    const f = (name: string) => join(dir, `loop-${name}`);
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
    writeFileSync(
      f("ca.ext"),
      "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n",
    );
    for (const n of ["X", "Y", "leaf"]) {
      const subj = ["-subj", `/CN=${n}`];
      openssl([
        "req",
        "-x509",
        "-nodes",
        ...ec,
        "-keyout",
        f(`${n}.key`),
        "-out",
        f(`self-${n}.crt`),
        ...subj,
      ]);
      openssl(["req", "-new", "-key", f(`${n}.key`), ...subj, "-out", f(`${n}.csr`)]);
    }
    const sign = (n: string, by: string, ext: string[]) =>
      openssl([
        "x509",
        "-req",
        "-in",
        f(`${n}.csr`),
        "-CA",
        f(`self-${by}.crt`),
        "-CAkey",
        f(`${by}.key`),
        "-days",
        "30",
        "-out",
        f(`${n}.crt`),
        ...ext,
      ]);
    sign("X", "Y", ["-extfile", f("ca.ext")]);
    sign("Y", "X", ["-extfile", f("ca.ext")]);
    sign("leaf", "X", []);
    const r = await mtls([
      "pki",
      "verify",
      f("leaf.crt"),
      "--ca",
      f("self-leaf.crt"),
      "--chain",
      f("X.crt"),
      "--chain",
      f("Y.crt"),
    ]);
    assert.equal(r.status, 1);
    assert.match(
      r.stdout,
      /\n {2}- no CA you gave within 8 certificates of the leaf: the chain is longer than 8 or loops\n$/,
    );
    assert.equal(r.stderr, `mtls: ${f("leaf.crt")} does not verify: 1 problem listed above\n`);
  });

  it("verify prints each problem once, on stdout, and counts them on stderr", async () => {
    const p = pki;
    const argv = [p.serverCert, "--ca", p.caCert, "--purpose", "client", "--host", "example.com"];
    const r = await mtls(["pki", "verify", ...argv]);
    assert.equal(r.status, 1);
    const problems = r.stdout.split("\n").filter((l) => l.startsWith("  - "));
    assert.equal(problems.length, 2, r.stdout);
    for (const line of problems) {
      const text = line.slice(4);
      assert.equal(`${r.stdout}${r.stderr}`.split(text).length - 1, 1, `'${text}' once`);
    }
    assert.equal(r.stderr, `mtls: ${p.serverCert} does not verify: 2 problems listed above\n`);
    const json = await mtls(["pki", "verify", ...argv, "--json"]);
    assert.equal(json.status, 1);
    assert.equal((JSON.parse(json.stdout) as { problems: unknown[] }).problems.length, 2);
    assert.equal(
      json.stderr,
      `mtls: ${p.serverCert} does not verify: 2 problems in the JSON output\n`,
    );
  });
});
