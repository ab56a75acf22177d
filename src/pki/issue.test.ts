import assert from "node:assert/strict";
import { X509Certificate as NodeX509 } from "node:crypto";
import { before, describe, it } from "node:test";
import { type CaMaterial, createRootCa } from "./ca.ts";
import { issueCertificate } from "./issue.ts";
import { loadX509, type X509Module } from "./load-x509.ts";
import { countingRandom, NOW, testKeys } from "./testdata/fixtures.ts";

let x509: X509Module;
let ca: CaMaterial;

before(async () => {
  x509 = await loadX509();
  ca = await createRootCa({
    subject: "O=Example,CN=Test CA",
    keys: await testKeys("ca-ec"),
    now: NOW,
    random: countingRandom(),
  });
});

describe("issueCertificate", () => {
  it("reports the subject exactly as @peculiar/x509 prints the certificate's", async () => {
    for (const subject of [
      "CN=client-1",
      "O=mtlskit demo,CN=client-1",
      "/C=DE/O=Acme\\, Inc./CN=a+b",
      "CN=svc,serialNumber=42",
    ]) {
      const issued = await issueCertificate(ca, { profile: "client", subject, now: NOW });
      assert.equal(issued.subject, new x509.X509Certificate(issued.certPem).subject, subject);
    }
  });

  it("writes attributes in the order given: DER order, as openssl -subj does", async () => {
    const issued = await issueCertificate(ca, {
      profile: "client",
      subject: "O=mtlskit demo,CN=client-1",
      now: NOW,
    });
    assert.equal(new NodeX509(issued.certPem).subject, "O=mtlskit demo\nCN=client-1");
  });

  it("issues a server certificate whose SAN holds the CN, signed by the CA, with the key it returns", async () => {
    const issued = await issueCertificate(ca, {
      profile: "server",
      subject: "CN=localhost",
      sans: "IP:127.0.0.1",
      now: NOW,
      serial: "7a",
    });
    const cert = new NodeX509(issued.certPem);
    assert.equal(cert.subjectAltName, "DNS:localhost, IP Address:127.0.0.1");
    assert.deepEqual(issued.sans, ["DNS:localhost", "IP:127.0.0.1"]);
    assert.equal(cert.serialNumber, "7A");
    assert.equal(cert.issuer, "O=Example\nCN=Test CA");
    assert.equal(cert.checkIssued(new NodeX509(ca.certPem)), true);
    assert.equal(cert.verify(new NodeX509(ca.certPem).publicKey), true);
    assert.equal(
      cert.checkPrivateKey((await import("node:crypto")).createPrivateKey(issued.keyPem)),
      true,
    );
    assert.equal(issued.notAfter.toISOString(), "2027-02-16T12:00:00.000Z");
  });

  it("issues RSA keys with keyEncipherment for servers", async () => {
    const issued = await issueCertificate(ca, {
      profile: "server",
      subject: "CN=localhost",
      keyType: "rsa-2048",
      now: NOW,
    });
    const cert = new x509.X509Certificate(issued.certPem);
    assert.equal(cert.getExtension(x509.KeyUsagesExtension)?.usages, 1 | 4);
    assert.equal(cert.publicKey.algorithm.name, "RSASSA-PKCS1-v1_5");
  });
});
