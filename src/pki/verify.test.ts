import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { type CaMaterial, createRootCa } from "./ca.ts";
import { createCrl } from "./crl.ts";
import { createCsr } from "./csr.ts";
import { issueCertificate } from "./issue.ts";
import { decodePem } from "./pem.ts";
import { signCsr } from "./sign.ts";
import { countingRandom, NOW, testKeys } from "./testdata/fixtures.ts";
import { verifyCertificate } from "./verify.ts";

const der = (pem: string) => decodePem(pem, ["CERTIFICATE"], { what: "certificate" }).der;
const DAY = 86_400_000;
const at = new Date(NOW.getTime() + DAY);

let ca: CaMaterial;
let sameNameOtherKey: CaMaterial;
let server: Awaited<ReturnType<typeof issueCertificate>>;
let client: Awaited<ReturnType<typeof issueCertificate>>;

before(async () => {
  ca = await createRootCa({ keys: await testKeys("ca-ec"), now: NOW, random: countingRandom() });
  sameNameOtherKey = await createRootCa({ keys: await testKeys("other-sec1"), now: NOW });
  server = await issueCertificate(ca, {
    profile: "server",
    subject: "CN=localhost",
    sans: "IP:127.0.0.1",
    now: NOW,
  });
  client = await issueCertificate(ca, { profile: "client", subject: "CN=client-1", now: NOW });
});

describe("verifyCertificate", () => {
  it("accepts a server certificate for its name, IP and purpose, with the path it built", async () => {
    for (const host of ["localhost", "127.0.0.1"]) {
      const r = await verifyCertificate(der(server.certPem), {
        ca: [der(ca.certPem)],
        purpose: "server",
        host,
        at,
      });
      assert.deepEqual(r, { ok: true, path: ["CN=localhost", "CN=mtlskit CA"], problems: [] });
    }
  });

  const cases: {
    name: string;
    run: () => ReturnType<typeof verifyCertificate>;
    code: string;
    message: string | RegExp;
  }[] = [
    {
      name: "no CA",
      run: () => verifyCertificate(der(client.certPem), { at }),
      code: "no-trust-anchor",
      message: "no CA given: pass the CA certificate you trust with --ca",
    },
    {
      name: "an issuer that is not among the CAs given",
      run: () => verifyCertificate(der(client.certPem), { ca: [der(server.certPem)], at }),
      code: "unknown-issuer",
      message:
        "'CN=client-1' is issued by 'CN=mtlskit CA', but no CA you gave is 'CN=mtlskit CA' (pass an intermediate with --chain if there is one)",
    },
    {
      name: "a CA with the same name but another key",
      run: () =>
        verifyCertificate(der(client.certPem), { ca: [der(sameNameOtherKey.certPem)], at }),
      code: "bad-signature",
      message:
        /^the signature of 'CN=client-1' does not verify with the key of 'CN=mtlskit CA': same name, different key/,
    },
    {
      name: "a time before notBefore",
      run: () =>
        verifyCertificate(der(client.certPem), {
          ca: [der(ca.certPem)],
          at: new Date(NOW.getTime() - DAY),
        }),
      code: "not-yet-valid",
      message:
        "'CN=client-1' is valid from 2026-01-15T11:55:00Z to 2027-02-16T12:00:00Z: not yet valid at 2026-01-14T12:00:00.250Z",
    },
    {
      name: "a time after notAfter",
      run: () =>
        verifyCertificate(der(client.certPem), {
          ca: [der(ca.certPem)],
          at: new Date("2027-03-01T00:00:00Z"),
        }),
      code: "expired",
      message:
        "'CN=client-1' is valid from 2026-01-15T11:55:00Z to 2027-02-16T12:00:00Z: expired 12 days before 2027-03-01T00:00:00Z",
    },
    {
      name: "the wrong purpose",
      run: () =>
        verifyCertificate(der(server.certPem), { ca: [der(ca.certPem)], purpose: "client", at }),
      code: "purpose",
      message: "extendedKeyUsage lacks clientAuth (it has serverAuth): not usable as a TLS client",
    },
    {
      name: "another host name",
      run: () =>
        verifyCertificate(der(server.certPem), { ca: [der(ca.certPem)], host: "example.com", at }),
      code: "hostname",
      message:
        "'example.com' is not among the certificate's names (SANs: DNS:localhost, IP:127.0.0.1)",
    },
    {
      name: "a leaf acting as a CA",
      run: async () => {
        // A server certificate, and a certificate signed with the server's key in its name.
        const keys = await testKeys("leaf-ec");
        const { csrPem } = await createCsr({ subject: "CN=localhost", keys });
        const leafAsCa = await signCsr(ca, csrPem, { profile: "server", now: NOW });
        const fake = await createRootCa({ subject: "CN=localhost", keys, now: NOW });
        const leaf = await issueCertificate(fake, { profile: "client", subject: "CN=x", now: NOW });
        return verifyCertificate(der(leaf.certPem), {
          ca: [der(ca.certPem)],
          chain: [der(leafAsCa.certPem)],
          at,
        });
      },
      code: "not-a-ca",
      message: "'CN=localhost' signed 'CN=x' but is not a CA (basicConstraints CA:TRUE missing)",
    },
    {
      name: "a revoked certificate",
      run: () =>
        verifyCertificate(der(client.certPem), {
          ca: [der(ca.certPem)],
          crls: [
            createCrl(ca, [{ serial: client.serialHex, revokedAt: NOW, reason: "keyCompromise" }], {
              now: NOW,
            }).der,
          ],
          at,
        }),
      code: "revoked",
      message: "(see below: the serial is drawn at random)",
    },
    {
      name: "a stale CRL",
      run: () =>
        verifyCertificate(der(client.certPem), {
          ca: [der(ca.certPem)],
          crls: [createCrl(ca, [], { now: NOW, days: 1 }).der],
          at: new Date(NOW.getTime() + 3 * DAY),
        }),
      code: "crl-stale",
      message:
        "the CRL of 'CN=mtlskit CA' expired at 2026-01-16T12:00:00Z (nextUpdate): publish a new one with `mtls pki crl`",
    },
    {
      name: "a revocation a CA store's index records, without a CRL",
      run: () =>
        verifyCertificate(der(client.certPem), {
          ca: [der(ca.certPem)],
          revocations: [
            {
              issuer: "CN=mtlskit CA",
              serial: client.serialHex,
              revokedAt: "2026-01-15T12:00:00.000Z",
              reason: "superseded",
              source: "the index of CA store ca",
            },
          ],
          at,
        }),
      code: "revoked",
      message:
        /^'CN=client-1' \(serial [0-9a-f]+\) was revoked at 2026-01-15T12:00:00Z \(superseded\) according to the index of CA store ca$/,
    },
    {
      name: "CRLs from another issuer only",
      run: () =>
        verifyCertificate(der(client.certPem), {
          ca: [der(ca.certPem)],
          crls: [createCrl(sameNameOtherKey, [], { now: NOW }).der],
          at,
        }),
      code: "crl-missing",
      message:
        "no CRL you gave is from 'CN=mtlskit CA' (signed by its key), so revocation of 'CN=client-1' cannot be checked",
    },
  ];
  for (const c of cases) {
    it(`explains ${c.name} in plain words`, async () => {
      const r = await c.run();
      assert.equal(r.ok, false);
      const p = r.problems.find((x) => x.code === c.code);
      assert.ok(p, JSON.stringify(r.problems));
      const expected =
        c.code === "revoked" && !c.name.includes("index")
          ? `'CN=client-1' (serial ${client.serialHex}) was revoked at 2026-01-15T12:00:00Z (keyCompromise) according to the CRL of 'CN=mtlskit CA'`
          : c.message;
      if (typeof expected === "string") assert.equal(p.message, expected);
      else assert.match(p.message, expected);
    });
  }
});
