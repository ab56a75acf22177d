import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { describe, it } from "node:test";
import { MtlsError } from "../errors.ts";
import { caFromPem, createRootCa } from "./ca.ts";
import { issueCertificate } from "./issue.ts";
import { type KeyType, parseKeyType, readPrivateKey } from "./keys.ts";
import { loadX509 } from "./load-x509.ts";
import { getProfile } from "./profiles.ts";
import { NOW, testKeys } from "./testdata/fixtures.ts";

describe("key types", () => {
  it("creates CAs and leaves for every key type, each verifying with its issuer's key", async () => {
    const types: KeyType[] = ["ec-p256", "ec-p384", "rsa-2048", "ed25519"];
    for (const caType of types) {
      const ca = await createRootCa({ keyType: caType, now: NOW });
      const caCert = new X509Certificate(ca.certPem);
      assert.equal(caCert.verify(caCert.publicKey), true, caType);
      for (const leafType of types) {
        const leaf = await issueCertificate(ca, {
          profile: "server-client",
          subject: "CN=svc.local",
          keyType: leafType,
          now: NOW,
        });
        const cert = new X509Certificate(leaf.certPem);
        assert.equal(cert.verify(caCert.publicKey), true, `${caType} signs ${leafType}`);
        assert.equal(
          cert.publicKey.asymmetricKeyType,
          leafType.startsWith("ec") ? "ec" : leafType.startsWith("rsa") ? "rsa" : "ed25519",
        );
      }
    }
  });

  it("parses key type names and refuses others as usage errors", () => {
    assert.equal(parseKeyType("RSA-4096"), "rsa-4096");
    assert.throws(
      () => parseKeyType("dsa"),
      (e: unknown) => e instanceof MtlsError && e.code === "MTLS_USAGE",
    );
  });
});

describe("encrypted CA keys", () => {
  it("writes encrypted PKCS#8 that loads with the passphrase and only with it", async () => {
    const ca = await createRootCa({
      keys: await testKeys("ca-ec"),
      now: NOW,
      passphrase: "s3cret-pass",
    });
    assert.match(ca.keyPem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    const again = await caFromPem(ca.certPem, ca.keyPem, { passphrase: "s3cret-pass" });
    assert.equal(again.cert.subject, "CN=mtlskit CA");
    await assert.rejects(caFromPem(ca.certPem, ca.keyPem, { keyPath: "ca.key" }), {
      code: "MTLS_PKI_BAD_INPUT",
      message: "Cannot read private key ca.key: it is encrypted and no passphrase was given",
    });
    assert.throws(() => readPrivateKey(ca.keyPem, { path: "ca.key", passphrase: "nope" }), {
      code: "MTLS_PKI_BAD_INPUT",
      message: "Cannot decrypt private key ca.key: wrong passphrase",
    });
  });
});

describe("profiles", () => {
  it("server-client carries both EKUs and needs a SAN; ca is CA:TRUE pathLen 0 without EKU", async () => {
    const x509 = await loadX509();
    const ca = await createRootCa({ keys: await testKeys("ca-ec"), now: NOW });
    const both = await issueCertificate(ca, {
      profile: "server-client",
      subject: "CN=svc",
      now: NOW,
    });
    const cert = new x509.X509Certificate(both.certPem);
    assert.deepEqual(
      [...(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [])],
      ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
    );
    assert.deepEqual(both.sans, ["DNS:svc"]);
    assert.equal(getProfile("ca").ca?.pathLen, 0);
    assert.throws(() => getProfile("admin"), {
      message: "Unknown profile 'admin': expected server, client, server-client, ca",
    });
  });

  it("refuses leaves over 825 days unless allowed, and never past the CA", async () => {
    const ca = await createRootCa({ keys: await testKeys("ca-ec"), now: NOW });
    await assert.rejects(
      issueCertificate(ca, { profile: "client", subject: "CN=c", days: 826, now: NOW }),
      {
        code: "MTLS_PKI_POLICY",
        message:
          "Cannot issue a client certificate for 826 days: over 825 days, which Apple platforms refuse for TLS",
      },
    );
    const long = await issueCertificate(ca, {
      profile: "client",
      subject: "CN=c",
      days: 826,
      now: NOW,
      allowLongValidity: true,
    });
    assert.equal(long.notAfter.toISOString().slice(0, 10), "2028-04-20");
  });
});
