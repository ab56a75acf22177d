import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runMtls } from "../helpers/cli.ts";
import { snapshot } from "../helpers/fs-snapshot.ts";
import { tempDir } from "../helpers/tmp.ts";

/** Runs `mtls ...` in process; only the subcommand it names is loaded. */
const mtls = runMtls;

describe("mtls pki sign with a SAN policy", () => {
  const dir = tempDir({ after });
  const ca = join(dir, "ca");

  before(async () => {
    assert.equal((await mtls(["pki", "init", "--dir", ca])).status, 0);
    const csr = await mtls([
      "pki",
      "csr",
      "--out",
      join(dir, "api"),
      "--subject",
      "O=Example,CN=api.example.com",
      "--san",
      "DNS:api.example.com,IP:10.1.2.3,URI:spiffe://example.org/ns/api",
    ]);
    assert.equal(csr.status, 0, csr.stderr);
  });

  it("refuses a request with a SAN outside --allow-san, naming it, and writes nothing", async () => {
    const before = snapshot(dir);
    const r = await mtls([
      "pki",
      "sign",
      join(dir, "api.csr"),
      "--ca",
      ca,
      "--profile",
      "server-client",
      "--allow-san",
      "DNS:*.example.com",
      "--allow-san",
      "IP:10.0.0.0/8",
    ]);
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr.split("\n")[0],
      "mtls: Cannot issue for 'O=Example, CN=api.example.com': URI:spiffe://example.org/ns/api is not allowed by the CA's policy (--allow-san DNS:*.example.com IP:10.0.0.0/8)",
    );
    assert.equal(r.stdout, "");
    assert.deepEqual(snapshot(dir), before);
  });

  it("shows the CSR's subject and requested SANs, and signs what the policy allows", async () => {
    const r = await mtls([
      "pki",
      "sign",
      join(dir, "api.csr"),
      "--ca",
      ca,
      "--profile",
      "server-client",
      "--allow-san",
      "DNS:*.example.com",
      "--allow-san",
      "IP:10.0.0.0/8",
      "--allow-san",
      "URI:spiffe://example.org/*",
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      /^CSR .*api\.csr\n {2}subject {3}O=Example, CN=api\.example\.com\n {2}requested DNS:api\.example\.com, IP:10\.1\.2\.3, URI:spiffe:\/\/example\.org\/ns\/api\n {2}signature verifies\nSigned server-client certificate\n/,
    );
  });
});
