import assert from "node:assert/strict";
import { test } from "node:test";
import {
  clientCertificateVariables,
  escapeUriComponent,
  formatVerify,
  verifyErrorText,
} from "./client-certificate.ts";

// openssl req -x509 (see distinguished-name.test.ts): notAfter Dec 29 23:32:39 2026 GMT.
const DER = Buffer.from(
  "MIICRjCCAeygAwIBAgIDAP8KMAoGCCqGSM49BAMCMIGAMQswCQYDVQQGEwJERTEhMAoGA1UECwwDb3BzMBMGA1UECgwMQ29ycHVzLCBUZXN0MRkwFwYDVQQDDBAgI2NhZsOpICJ4Ijx5PnogMRowGAYJKoZIhvcNAQkBFgthQGIuZXhhbXBsZTEXMBUGCgmSJomT8ixkARkWB2V4YW1wbGUwHhcNMjYxMTI5MjMzMjM5WhcNMjYxMjI5MjMzMjM5WjCBgDELMAkGA1UEBhMCREUxITAKBgNVBAsMA29wczATBgNVBAoMDENvcnB1cywgVGVzdDEZMBcGA1UEAwwQICNjYWbDqSAieCI8eT56IDEaMBgGCSqGSIb3DQEJARYLYUBiLmV4YW1wbGUxFzAVBgoJkiaJk/IsZAEZFgdleGFtcGxlMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEaAoVcGCDmHPpPu1sfvTSeGtwe3nlZEdzTDpMGPKLad6cSViTJJRCaSsyKlgCqXDKrswVwgCkYKybB5tCVsPZBqNTMFEwHQYDVR0OBBYEFAlLhYOnVhy9Xsp3Rz9tPd1p5UNdMB8GA1UdIwQYMBaAFAlLhYOnVhy9Xsp3Rz9tPd1p5UNdMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIgTZ9BJGJC1eOJlDLvkGOSE9Z7ep2dVkflzoR52/vvA4oCIQDc5iubsrJ0GII21DQbNEmUTynqsbsIrRXjeVVhl4zeLQ==",
  "base64",
);

test("clientCertificateVariables() matches openssl's serial, SHA-1 fingerprint and dates", () => {
  const v = clientCertificateVariables(DER, {
    verify: { kind: "success" },
    now: () => new Date("2026-12-19T23:32:39.900Z"),
  });
  assert.equal(v.ssl_client_verify, "SUCCESS");
  assert.equal(v.ssl_client_serial, "FF0A");
  assert.equal(v.ssl_client_fingerprint, "3bb8a0a5b6326dc0317ca03ffb0004a758b82930");
  assert.equal(v.ssl_client_v_start, "Nov 29 23:32:39 2026 GMT");
  assert.equal(v.ssl_client_v_end, "Dec 29 23:32:39 2026 GMT");
  // Whole seconds like ngx_time(): exactly 10 days left.
  assert.equal(v.ssl_client_v_remain, "10");
  assert.match(
    v.ssl_client_escaped_cert,
    /^-----BEGIN%20CERTIFICATE-----%0AMIIC.*%0A-----END%20CERTIFICATE-----%0A$/,
  );
  assert.ok(v.ssl_client_cert.includes("\n\t") && !v.ssl_client_cert.endsWith("\n"));
});

test("clientCertificateVariables() gives 0 days under a day left and after expiry", () => {
  for (const now of ["2026-12-29T00:00:00Z", "2027-06-01T00:00:00Z"]) {
    const v = clientCertificateVariables(DER, {
      verify: { kind: "success" },
      now: () => new Date(now),
    });
    assert.equal(v.ssl_client_v_remain, "0");
  }
});

test("clientCertificateVariables() without a certificate is NONE and empty strings", () => {
  const v = clientCertificateVariables(undefined, { verify: { kind: "none" } });
  assert.equal(v.ssl_client_verify, "NONE");
  assert.equal(v.ssl_client_s_dn, "");
  assert.equal(v.ssl_client_escaped_cert, "");
});

test("formatVerify() and verifyErrorText() print OpenSSL 3's reasons", () => {
  assert.equal(
    formatVerify({ kind: "failed", reason: verifyErrorText("DEPTH_ZERO_SELF_SIGNED_CERT") }),
    "FAILED:self-signed certificate",
  );
  assert.equal(verifyErrorText("CERT_HAS_EXPIRED"), "certificate has expired");
  assert.equal(verifyErrorText("SOMETHING_NEW"), "something new");
});

test("escapeUriComponent() keeps only A-Z a-z 0-9 - . _ ~ like NGX_ESCAPE_URI_COMPONENT", () => {
  assert.equal(escapeUriComponent("a+b/c=d e\n~_-.é"), "a%2Bb%2Fc%3Dd%20e%0A~_-.%C3%A9");
  assert.equal(escapeUriComponent("!'()*"), "%21%27%28%29%2A");
});
