import assert from "node:assert/strict";
import { test } from "node:test";
import { ParseError } from "../errors.ts";
import {
  formatNameLegacy,
  formatNameRfc2253,
  readCertificateFields,
  serialHex,
} from "./distinguished-name.ts";

// openssl req -x509 -utf8 -multivalue-rdn -set_serial 0x00ff0a
//   -subj '/C=DE/O=Corpus, Test+OU=ops/CN= #café "x"<y>z /emailAddress=a@b.example/DC=example'
const DER = Buffer.from(
  "MIICRjCCAeygAwIBAgIDAP8KMAoGCCqGSM49BAMCMIGAMQswCQYDVQQGEwJERTEhMAoGA1UECwwDb3BzMBMGA1UECgwMQ29ycHVzLCBUZXN0MRkwFwYDVQQDDBAgI2NhZsOpICJ4Ijx5PnogMRowGAYJKoZIhvcNAQkBFgthQGIuZXhhbXBsZTEXMBUGCgmSJomT8ixkARkWB2V4YW1wbGUwHhcNMjYxMTI5MjMzMjM5WhcNMjYxMjI5MjMzMjM5WjCBgDELMAkGA1UEBhMCREUxITAKBgNVBAsMA29wczATBgNVBAoMDENvcnB1cywgVGVzdDEZMBcGA1UEAwwQICNjYWbDqSAieCI8eT56IDEaMBgGCSqGSIb3DQEJARYLYUBiLmV4YW1wbGUxFzAVBgoJkiaJk/IsZAEZFgdleGFtcGxlMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEaAoVcGCDmHPpPu1sfvTSeGtwe3nlZEdzTDpMGPKLad6cSViTJJRCaSsyKlgCqXDKrswVwgCkYKybB5tCVsPZBqNTMFEwHQYDVR0OBBYEFAlLhYOnVhy9Xsp3Rz9tPd1p5UNdMB8GA1UdIwQYMBaAFAlLhYOnVhy9Xsp3Rz9tPd1p5UNdMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIgTZ9BJGJC1eOJlDLvkGOSE9Z7ep2dVkflzoR52/vvA4oCIQDc5iubsrJ0GII21DQbNEmUTynqsbsIrRXjeVVhl4zeLQ==",
  "base64",
);

test("formatNameRfc2253() prints the subject exactly as openssl -nameopt RFC2253 (nginx $ssl_client_s_dn)", () => {
  const f = readCertificateFields(DER);
  assert.equal(
    formatNameRfc2253(f.subject),
    'DC=example,emailAddress=a@b.example,CN=\\ #caf\\C3\\A9 \\"x\\"\\<y\\>z\\ ,O=Corpus\\, Test+OU=ops,C=DE',
  );
  assert.equal(formatNameRfc2253(f.issuer), formatNameRfc2253(f.subject));
});

test("formatNameLegacy() prints X509_NAME_oneline's form (nginx $ssl_client_s_dn_legacy)", () => {
  assert.equal(
    formatNameLegacy(readCertificateFields(DER).subject),
    '/C=DE/OU=ops+O=Corpus, Test/CN= #caf\\xC3\\xA9 "x"<y>z /emailAddress=a@b.example/DC=example',
  );
});

test("serialHex() prints i2a_ASN1_INTEGER's uppercase hex without the sign byte", () => {
  assert.equal(serialHex(readCertificateFields(DER).serial), "FF0A");
  assert.equal(serialHex(Uint8Array.of(0x00)), "00");
  assert.equal(serialHex(Uint8Array.of(0x01, 0x00)), "0100");
  assert.equal(serialHex(Uint8Array.of(0xff)), "-01");
});

test("readCertificateFields() reports truncated DER as a ParseError, never a crash", () => {
  for (const n of [0, 1, 5, 40, 200]) {
    assert.throws(() => readCertificateFields(DER.subarray(0, n)), ParseError);
  }
});
