import assert from "node:assert/strict";
import { test } from "node:test";
import {
  alertDescriptionName,
  cipherSuiteName,
  extensionName,
  groupName,
  ianaCipherName,
  isGrease,
  signatureSchemeName,
  versionName,
} from "./names.ts";

test("isGrease() recognises exactly the 16 RFC 8701 values", () => {
  const grease = [];
  for (let v = 0; v <= 0xffff; v++) if (isGrease(v)) grease.push(v);
  assert.deepEqual(
    grease,
    Array.from({ length: 16 }, (_, i) => i * 0x1010 + 0x0a0a),
  );
});

test("names come from the IANA registries", () => {
  assert.equal(cipherSuiteName(0xc02c), "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
  assert.equal(cipherSuiteName(0x1301), "TLS_AES_128_GCM_SHA256");
  assert.equal(cipherSuiteName(0x2a2a), "GREASE(0x2a2a)");
  assert.equal(cipherSuiteName(0x0a0b), "unknown(0x0a0b)");
  assert.equal(groupName(29), "x25519");
  assert.equal(groupName(0x11ec), "X25519MLKEM768");
  assert.equal(signatureSchemeName(0x0403), "ecdsa_secp256r1_sha256");
  assert.equal(signatureSchemeName(0x0402), "dsa_sha256", "a TLS 1.2 pair without a scheme name");
  assert.equal(extensionName(0xff01), "renegotiation_info");
  assert.equal(alertDescriptionName(116), "certificate_required");
  assert.equal(versionName(0x0304), "TLS 1.3");
});

test("ianaCipherName() maps OpenSSL names to IANA names", () => {
  assert.equal(
    ianaCipherName("ECDHE-ECDSA-AES256-GCM-SHA384"),
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
  );
  assert.equal(
    ianaCipherName("ECDHE-RSA-CHACHA20-POLY1305"),
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
  );
  assert.equal(ianaCipherName("TLS_AES_256_GCM_SHA384"), "TLS_AES_256_GCM_SHA384");
  assert.equal(ianaCipherName("NOT-A-CIPHER"), undefined);
});
