import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { Command } from "commander";
import { registerPki } from "../../src/cli/pki.ts";
import { runProgram } from "../../src/cli/run.ts";
import { makeOpensslPki, type OpensslPki } from "../helpers/openssl-pki.ts";
import { findPeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

async function mtls(argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const sink = (add: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, done) {
        add(String(chunk));
        done();
      },
    });
  const program = new Command("mtls");
  registerPki(program);
  const status = await runProgram(program, argv, {
    stdout: sink((s) => {
      stdout += s;
    }),
    stderr: sink((s) => {
      stderr += s;
    }),
  });
  return { status, stdout, stderr };
}

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
      first: /^mtls: .*rogue.* does not verify: '.*' is issued by '.*', but no CA you gave is '.*'/,
    },
    {
      name: "a server certificate used as a client",
      ours: (p) => [p.serverCert, "--ca", p.caCert, "--purpose", "client"],
      theirs: (p) => ["-CAfile", p.caCert, "-purpose", "sslclient", p.serverCert],
      ok: false,
      first: /does not verify: extendedKeyUsage lacks clientAuth/,
    },
    {
      name: "a server certificate for another host",
      ours: (p) => [p.serverCert, "--ca", p.caCert, "--host", "example.com"],
      theirs: (p) => ["-CAfile", p.caCert, "-verify_hostname", "example.com", p.serverCert],
      ok: false,
      first: /does not verify: 'example\.com' is not among the certificate's names/,
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
      first:
        /does not verify: 'CN=client-1' is valid from .* expired \d+ days before 2099-01-01T00:00:00Z/,
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
        assert.match(r.stdout, /: FAILED\n/);
        assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
        assert.match(r.stderr, c.first ?? /./);
      }
    });
  }
});
