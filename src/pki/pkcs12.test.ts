import assert from "node:assert/strict";
import { createHmac, createPrivateKey, webcrypto } from "node:crypto";
import { describe, it } from "node:test";
import * as tls from "node:tls";
import type * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { createRootCa } from "./ca.ts";
import { derReadTlv } from "./der.ts";
import { exportCredentials } from "./export.ts";
import { issueCertificate } from "./issue.ts";
import { decodePem } from "./pem.ts";
import { createPkcs12, pkcs12Kdf } from "./pkcs12.ts";
import { inspectPkcs12 } from "./pkcs12-info.ts";
import { countingRandom, NOW, testKeyPem, testKeys } from "./testdata/fixtures.ts";

/** A client certificate and key from a test root CA. */
async function clientCredentials() {
  const ca = await createRootCa({ keys: await testKeys("ca-ec"), now: NOW });
  const leaf = await issueCertificate(ca, { profile: "client", subject: "CN=c", now: NOW });
  return {
    ca,
    leaf,
    key: createPrivateKey(leaf.keyPem),
    certs: [leaf.certPem, ca.certPem].map((p) => decodePem(p, ["CERTIFICATE"], { what: "c" }).der),
  };
}

const OIDS = {
  pbes2: "1.2.840.113549.1.5.13",
  pbkdf2: "1.2.840.113549.1.5.12",
  hmacWithSHA256: "1.2.840.113549.2.9",
  aes256Cbc: "2.16.840.1.101.3.4.1.42",
  sha256: "2.16.840.1.101.3.4.2.1",
  certBag: "1.2.840.113549.1.12.10.1.3",
  pkcs8ShroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  friendlyName: "1.2.840.113549.1.9.20",
  localKeyId: "1.2.840.113549.1.9.21",
} as const;

/** The PBES2 AlgorithmIdentifier's OIDs: [scheme, kdf, prf, cipher], and the iterations. */
function pbes2Shape(algorithm: pkijs.AlgorithmIdentifier): [string[], number] {
  const pbes2 = new pkijs.PBES2Params({ schema: algorithm.algorithmParams });
  const pbkdf2 = new pkijs.PBKDF2Params({ schema: pbes2.keyDerivationFunc.algorithmParams });
  return [
    [
      algorithm.algorithmId,
      pbes2.keyDerivationFunc.algorithmId,
      pbkdf2.prf?.algorithmId ?? "none",
      pbes2.encryptionScheme.algorithmId,
    ],
    pbkdf2.iterationCount,
  ];
}

/** Walks `der[start, end)` as DER: definite lengths only, no constructed OCTET STRING. */
function assertDer(der: Uint8Array, start = 0, end = der.length): void {
  let at = start;
  while (at < end) {
    const tlv = derReadTlv(der, at);
    assert.notEqual(tlv.tag, 0x24, `constructed OCTET STRING at offset ${at}`);
    assert.ok(tlv.end <= end, `TLV at offset ${at} runs past its parent`);
    if (tlv.tag & 0x20) assertDer(der, tlv.start, tlv.end);
    at = tlv.end;
  }
}

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
  it("writes modern and legacy files that node:tls loads with the passphrase only, ASCII or not", async () => {
    const { key, certs } = await clientCredentials();
    for (const profile of ["modern", "legacy"] as const) {
      for (const passphrase of ["pw 1", "pässwörd €"]) {
        const p12 = await createPkcs12(key, certs, passphrase, { profile });
        assert.doesNotThrow(
          () => tls.createSecureContext({ pfx: Buffer.from(p12), passphrase }),
          `${profile} with ${passphrase}`,
        );
        assert.throws(
          () => tls.createSecureContext({ pfx: Buffer.from(p12), passphrase: "nope" }),
          /mac verify failure/,
        );
      }
    }
    await assert.rejects(createPkcs12(key, certs, ""), RangeError);
    await assert.rejects(createPkcs12(key, [], "pw"), RangeError);
  });

  it("builds the modern file with pkijs: PBES2 (PBKDF2 hmacWithSHA256, AES-256-CBC) bags and an HMAC-SHA-256 MAC over the BMP passphrase", async () => {
    const { key, certs } = await clientCredentials();
    const passphrase = "pässwörd €";
    const p12 = await createPkcs12(key, certs, passphrase, {
      friendlyName: "client c",
      iterations: 3000,
      random: countingRandom(),
    });
    const pfx = pkijs.PFX.fromBER(new Uint8Array(p12).buffer);
    assert.equal(pfx.version, 3);
    assertDer(p12);

    // MAC: SHA-256, key from the RFC 7292 Appendix B KDF (our legacy-profile code as oracle).
    const macData = pfx.macData;
    assert.ok(macData);
    assert.equal(macData.mac.digestAlgorithm.algorithmId, OIDS.sha256);
    assert.equal(macData.iterations, 3000);
    const salt = macData.macSalt.valueBlock.valueHexView;
    const authSafeDer = (pfx.authSafe.content as asn1js.OctetString).getValue();
    assertDer(new Uint8Array(authSafeDer));
    const macKey = pkcs12Kdf("sha256", 3, passphrase, salt, 3000, 32);
    assert.equal(
      createHmac("sha256", macKey).update(new Uint8Array(authSafeDer)).digest("hex"),
      Buffer.from(macData.mac.digest.valueBlock.valueHexView).toString("hex"),
    );

    // The certificates' encryptedData, then the shrouded key in plain data.
    await pfx.parseInternalValues({ password: new TextEncoder().encode(passphrase).buffer });
    const safe = pfx.parsedValue?.authenticatedSafe;
    assert.ok(safe);
    const [sealed, plain] = safe.safeContents;
    assert.ok(sealed && plain);
    assert.equal(sealed.contentType, "1.2.840.113549.1.7.6");
    assert.equal(plain.contentType, "1.2.840.113549.1.7.1");
    assertDer(new Uint8Array((plain.content as asn1js.OctetString).getValue()));
    const encrypted = pkijs.EncryptedData.fromBER(sealed.content.toBER(false));
    assert.deepEqual(pbes2Shape(encrypted.encryptedContentInfo.contentEncryptionAlgorithm), [
      [OIDS.pbes2, OIDS.pbkdf2, OIDS.hmacWithSHA256, OIDS.aes256Cbc],
      3000,
    ]);
    await safe.parseInternalValues({
      safeContents: [{ password: new TextEncoder().encode(passphrase).buffer }, {}],
    });
    const [certContents, keyContents] = safe.parsedValue.safeContents as {
      privacyMode: number;
      value: pkijs.SafeContents;
    }[];
    assert.deepEqual(
      certContents?.value.safeBags.map((b) => [
        b.bagId,
        Buffer.from(((b.bagValue as pkijs.CertBag).certValue as asn1js.OctetString).getValue()),
        b.bagAttributes?.map((a) => a.type) ?? [],
      ]),
      certs.map((der, i) => [
        OIDS.certBag,
        Buffer.from(der),
        i === 0 ? [OIDS.localKeyId, OIDS.friendlyName] : [],
      ]),
    );
    const [keyBag] = keyContents?.value.safeBags ?? [];
    assert.equal(keyBag?.bagId, OIDS.pkcs8ShroudedKeyBag);
    assert.equal(keyBag?.bagAttributes?.[1]?.values[0]?.valueBlock.value, "client c");
    const shrouded = keyBag?.bagValue as pkijs.PKCS8ShroudedKeyBag;
    assert.deepEqual(pbes2Shape(shrouded.encryptionAlgorithm), [
      [OIDS.pbes2, OIDS.pbkdf2, OIDS.hmacWithSHA256, OIDS.aes256Cbc],
      3000,
    ]);
    // The shrouded bag is an EncryptedPrivateKeyInfo: node:crypto (OpenSSL) decrypts it.
    const decrypted = createPrivateKey({
      key: Buffer.from(shrouded.toSchema().toBER(false)),
      format: "der",
      type: "pkcs8",
      passphrase,
    });
    assert.deepEqual(
      decrypted.export({ type: "pkcs8", format: "der" }),
      key.export({ type: "pkcs8", format: "der" }),
    );
  });

  it("takes salts and IVs from options.random in both profiles, and registers only the webcrypto engine with pkijs", async () => {
    const { key, certs } = await clientCredentials();
    const first = await createPkcs12(key, certs, "pw");
    assert.notDeepEqual(await createPkcs12(key, certs, "pw"), first);
    for (const profile of ["modern", "legacy"] as const) {
      const make = (seed: number) =>
        createPkcs12(key, certs, "pw", { profile, random: countingRandom(seed) });
      assert.deepEqual(await make(0), await make(0), profile);
      assert.notDeepEqual(await make(0), await make(1), profile);
    }
    const registered = pkijs.getEngine();
    assert.equal(registered.name, "node");
    assert.equal((registered.crypto as pkijs.CryptoEngine).crypto, webcrypto);
  });

  it("inspectPkcs12 reads back each profile's protection without the passphrase", async () => {
    const { key, certs } = await clientCredentials();
    const modern = inspectPkcs12(await createPkcs12(key, certs, "pw", { iterations: 3000 }));
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
    const legacy = inspectPkcs12(await createPkcs12(key, certs, "pw", { profile: "legacy" }));
    assert.equal(legacy.mac, "SHA-1");
    assert.equal(legacy.macIterations, 2048);
    assert.deepEqual(
      legacy.protections.map((p) => p.algorithm),
      ["pbeWithSHAAnd3-KeyTripleDES-CBC", "pbeWithSHAAnd3-KeyTripleDES-CBC"],
    );
    assert.deepEqual(legacy.warnings, []);
  });

  it("exportCredentials refuses a key that is not the certificate's", async () => {
    const { ca, leaf } = await clientCredentials();
    await assert.rejects(
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
      await exportCredentials(leaf.certPem, { format: "pem-bundle", rootPem: ca.certPem }),
    );
    assert.equal(bundle, leaf.certPem + ca.certPem);
  });
});
