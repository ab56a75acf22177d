import assert from "node:assert/strict";
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  X509Certificate,
} from "node:crypto";
import { describe, it } from "node:test";
import {
  basicConstraintsExtension,
  encodeName,
  keyIdentifierOf,
  signatureSchemeOf,
  signCertificateDer,
  subjectAltNameExtension,
} from "./certificate-der.ts";
import { parseSanList } from "./san.ts";
import { parseSubject } from "./subject.ts";
import { testKeyPem } from "./testdata/fixtures.ts";

const caKey = createPrivateKey(testKeyPem("ca-ec"));
const leafKey = createPrivateKey(testKeyPem("leaf-ec"));
const spkiOf = (k: ReturnType<typeof createPrivateKey>) =>
  new Uint8Array(createPublicKey(k).export({ type: "spki", format: "der" }));

describe("signCertificateDer", () => {
  it("writes a v3 certificate node:crypto parses and verifies with the issuer's key", () => {
    const der = signCertificateDer(
      {
        serialHex: "80ff",
        issuer: encodeName(parseSubject("CN=Test CA")),
        subject: encodeName(parseSubject("O=Example,CN=localhost")),
        notBefore: new Date("2026-01-15T11:55:00Z"),
        notAfter: new Date("2027-02-16T12:00:00Z"),
        spki: spkiOf(leafKey),
        extensions: [
          basicConstraintsExtension(false),
          subjectAltNameExtension(parseSanList("DNS:localhost,IP:127.0.0.1,IP:::1,email:a@b.c")),
        ],
      },
      caKey,
    );
    const cert = new X509Certificate(Buffer.from(der));
    assert.equal(cert.serialNumber, "80FF");
    assert.equal(cert.subject, "O=Example\nCN=localhost");
    assert.equal(cert.issuer, "CN=Test CA");
    assert.equal(cert.validFrom, "Jan 15 11:55:00 2026 GMT");
    assert.equal(
      cert.subjectAltName,
      "DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, email:a@b.c",
    );
    assert.equal(cert.ca, false);
    assert.equal(cert.verify(createPublicKey(caKey)), true);
    assert.equal(cert.verify(createPublicKey(leafKey)), false);
  });

  it("signs with RSA (sha256WithRSAEncryption) and Ed25519 keys", () => {
    for (const key of [
      createPrivateKey(testKeyPem("leaf-rsa")),
      generateKeyPairSync("ed25519").privateKey,
    ]) {
      const der = signCertificateDer(
        {
          serialHex: "01",
          issuer: encodeName(parseSubject("CN=ca")),
          subject: encodeName(parseSubject("CN=ca")),
          notBefore: new Date("2026-01-01T00:00:00Z"),
          notAfter: new Date("2060-01-01T00:00:00Z"),
          spki: spkiOf(key),
          extensions: [basicConstraintsExtension(true, 0)],
        },
        key,
      );
      const cert = new X509Certificate(Buffer.from(der));
      assert.equal(cert.verify(createPublicKey(key)), true, signatureSchemeOf(key).name);
      assert.equal(cert.ca, true);
      assert.equal(cert.validTo, "Jan  1 00:00:00 2060 GMT");
    }
  });

  it("keyIdentifierOf() hashes the subjectPublicKey bits (RFC 5280 §4.2.1.2 method 1)", () => {
    const spki = spkiOf(leafKey);
    assert.deepEqual(
      Buffer.from(keyIdentifierOf(spki)),
      createHash("sha1")
        .update(spki.subarray(spki.length - 65))
        .digest(),
    );
  });
});
