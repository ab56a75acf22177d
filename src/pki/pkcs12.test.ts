import assert from "node:assert/strict";
import { createPrivateKey } from "node:crypto";
import { describe, it } from "node:test";
import * as tls from "node:tls";
import { createRootCa } from "./ca.ts";
import { exportCredentials } from "./export.ts";
import { issueCertificate } from "./issue.ts";
import { decodePem } from "./pem.ts";
import { createPkcs12, pkcs12Kdf } from "./pkcs12.ts";
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
