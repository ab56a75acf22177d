import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MtlsError } from "../errors.ts";
import { caFromPem, createRootCa } from "./ca.ts";
import { issueCertificate } from "./issue.ts";
import {
  exportPrivateKeyPem,
  importKeyPairPem,
  importPrivateKeyPem,
  signingAlgorithmOf,
  spkiOf,
} from "./keys.ts";
import { NOW, testKeyPem, testKeys } from "./testdata/fixtures.ts";

describe("importPrivateKeyPem", () => {
  it("reads PKCS#8 and SEC1 EC keys and PKCS#8 RSA keys", async () => {
    const ec = await importPrivateKeyPem(testKeyPem("leaf-ec"));
    assert.deepEqual(ec.algorithm, { name: "ECDSA", namedCurve: "P-256" });
    const sec1 = await importPrivateKeyPem(testKeyPem("other-sec1"));
    assert.equal(sec1.type, "private");
    const rsa = await importPrivateKeyPem(testKeyPem("leaf-rsa"));
    assert.equal(rsa.algorithm.name, "RSASSA-PKCS1-v1_5");
    assert.deepEqual(signingAlgorithmOf(ec), { name: "ECDSA", hash: "SHA-256" });
  });

  it("exports PKCS#8 PEM that imports back to the same key", async () => {
    const keys = await testKeys("other-sec1");
    const pem = await exportPrivateKeyPem(keys.privateKey);
    assert.match(
      pem,
      /^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/,
    );
    const again = await importKeyPairPem(pem);
    assert.deepEqual(await spkiOf(again.publicKey), await spkiOf(keys.publicKey));
  });

  it("says what is wrong with non-PEM text and encrypted keys", async () => {
    await assert.rejects(importPrivateKeyPem("nope", { path: "a.key" }), {
      code: "MTLS_PKI_BAD_INPUT",
      message: "Cannot read private key a.key: not PEM (no -----BEGIN line)",
    });
    const encrypted =
      "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n";
    await assert.rejects(importPrivateKeyPem(encrypted, { path: "a.key" }), {
      code: "MTLS_PKI_BAD_INPUT",
      message:
        "Cannot read private key a.key: found PEM 'ENCRYPTED PRIVATE KEY', expected 'PRIVATE KEY'",
    });
  });
});

describe("caFromPem", () => {
  it("accepts a CA whose key matches its certificate", async () => {
    const ca = await createRootCa({ keys: await testKeys("ca-ec"), now: NOW });
    const again = await caFromPem(ca.certPem, ca.keyPem);
    assert.equal(again.cert.subject, "CN=mtlskit CA");
  });

  it("refuses a key that is not the certificate's with MTLS_PKI_KEY_MISMATCH", async () => {
    const ca = await createRootCa({ keys: await testKeys("ca-ec"), now: NOW });
    await assert.rejects(caFromPem(ca.certPem, testKeyPem("leaf-ec")), (e) => {
      assert.ok(e instanceof MtlsError);
      assert.equal(e.code, "MTLS_PKI_KEY_MISMATCH");
      assert.equal(
        e.message,
        "CA key does not match CA certificate: ca.key is not the key of ca.crt (CN=mtlskit CA)",
      );
      return true;
    });
  });

  it("refuses a leaf certificate as a CA", async () => {
    const ca = await createRootCa({ keys: await testKeys("ca-ec"), now: NOW });
    const leaf = await issueCertificate(ca, { profile: "client", subject: "CN=c", now: NOW });
    await assert.rejects(caFromPem(leaf.certPem, leaf.keyPem, { certPath: "c.crt" }), {
      code: "MTLS_PKI_POLICY",
      message: "Cannot use c.crt as a CA: basicConstraints CA:TRUE is missing (CN=c)",
    });
  });
});
