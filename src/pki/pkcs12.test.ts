import assert from "node:assert/strict";
import { createPrivateKey } from "node:crypto";
import { describe, it } from "node:test";
import * as tls from "node:tls";
import { createRootCa } from "./ca.ts";
import { exportCredentials } from "./export.ts";
import { issueCertificate } from "./issue.ts";
import { decodePem } from "./pem.ts";
import { createPkcs12, pkcs12Kdf } from "./pkcs12.ts";
import { inspectPkcs12 } from "./pkcs12-info.ts";
import { NOW, testKeyPem, testKeys } from "./testdata/fixtures.ts";

describe("pkcs12Kdf", () => {
  it("matches the published PKCS#12 KDF vectors (password smeg, salt 0A58CF64530D823F)", () => {
    const salt = Buffer.from("0A58CF64530D823F", "hex");
    assert.equal(
      pkcs12Kdf("sha1", 1, "smeg", salt, 1, 24).toString("hex"),
      "8aaae6297b6cb04642ab5b077851284eb7128f1a2a7fbca3",
    );
    assert.equal(pkcs12Kdf("sha1", 2, "smeg", salt, 1, 8).toString("hex"), "79993dfe048d3b76");
  });
});

describe("createPkcs12", () => {
  it("writes modern and legacy files that node:tls loads with the passphrase only", async () => {
    const ca = await createRootCa({ keys: await testKeys("ca-ec"), now: NOW });
    const leaf = await issueCertificate(ca, {
      profile: "client",
      subject: "CN=c",
      now: new Date(),
    });
    const certs = [leaf.certPem].map((p) => decodePem(p, ["CERTIFICATE"], { what: "c" }).der);
    for (const profile of ["modern", "legacy"] as const) {
      const p12 = createPkcs12(createPrivateKey(leaf.keyPem), certs, "pw 1", { profile });
      assert.doesNotThrow(() =>
        tls.createSecureContext({ pfx: Buffer.from(p12), passphrase: "pw 1" }),
      );
      assert.throws(
        () => tls.createSecureContext({ pfx: Buffer.from(p12), passphrase: "nope" }),
        /mac verify failure/,
      );
    }
    assert.throws(() => createPkcs12(createPrivateKey(leaf.keyPem), certs, ""), RangeError);
  });

  it("inspectPkcs12 reads back each profile's protection without the passphrase", async () => {
    const ca = await createRootCa({ keys: await testKeys("ca-ec"), now: NOW });
    const leaf = await issueCertificate(ca, { profile: "client", subject: "CN=c", now: NOW });
    const certs = [decodePem(leaf.certPem, ["CERTIFICATE"], { what: "c" }).der];
    const key = createPrivateKey(leaf.keyPem);
    const modern = inspectPkcs12(createPkcs12(key, certs, "pw", { iterations: 3000 }));
    assert.deepEqual(modern, {
      kind: "pkcs12",
      mac: "SHA-256",
      macIterations: 3000,
      protections: [
        { part: "certificates", algorithm: "PBES2 (PBKDF2, AES-256-CBC)" },
        { part: "key", algorithm: "PBES2 (PBKDF2, AES-256-CBC)" },
      ],
      warnings: [
        "AES/PBES2 encryption: macOS Keychain and older Java cannot import it (use --legacy for them)",
      ],
    });
    const legacy = inspectPkcs12(createPkcs12(key, certs, "pw", { profile: "legacy" }));
    assert.equal(legacy.mac, "SHA-1");
    assert.deepEqual(
      legacy.protections.map((p) => p.algorithm),
      ["pbeWithSHAAnd3-KeyTripleDES-CBC", "pbeWithSHAAnd3-KeyTripleDES-CBC"],
    );
    assert.deepEqual(legacy.warnings, []);
  });

  it("exportCredentials refuses a key that is not the certificate's", async () => {
    const ca = await createRootCa({ keys: await testKeys("ca-ec"), now: NOW });
    const leaf = await issueCertificate(ca, { profile: "client", subject: "CN=c", now: NOW });
    assert.throws(
      () =>
        exportCredentials(leaf.certPem, {
          format: "p12",
          certPath: "c.crt",
          keyPem: testKeyPem("leaf-ec"),
          keyPath: "other.key",
          passphrase: "pw",
        }),
      {
        code: "MTLS_PKI_KEY_MISMATCH",
        message: "Key does not match certificate: other.key is not the key of c.crt",
      },
    );
    const bundle = new TextDecoder().decode(
      exportCredentials(leaf.certPem, { format: "pem-bundle", rootPem: ca.certPem }),
    );
    assert.equal(bundle, leaf.certPem + ca.certPem);
  });
});
