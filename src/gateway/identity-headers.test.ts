import assert from "node:assert/strict";
import { test } from "node:test";
import { clientCertificateVariables } from "./client-certificate.ts";
import { identityHeaders, isIdentityHeader } from "./identity-headers.ts";

const DER = Buffer.from(
  "MIICRjCCAeygAwIBAgIDAP8KMAoGCCqGSM49BAMCMIGAMQswCQYDVQQGEwJERTEhMAoGA1UECwwDb3BzMBMGA1UECgwMQ29ycHVzLCBUZXN0MRkwFwYDVQQDDBAgI2NhZsOpICJ4Ijx5PnogMRowGAYJKoZIhvcNAQkBFgthQGIuZXhhbXBsZTEXMBUGCgmSJomT8ixkARkWB2V4YW1wbGUwHhcNMjYxMTI5MjMzMjM5WhcNMjYxMjI5MjMzMjM5WjCBgDELMAkGA1UEBhMCREUxITAKBgNVBAsMA29wczATBgNVBAoMDENvcnB1cywgVGVzdDEZMBcGA1UEAwwQICNjYWbDqSAieCI8eT56IDEaMBgGCSqGSIb3DQEJARYLYUBiLmV4YW1wbGUxFzAVBgoJkiaJk/IsZAEZFgdleGFtcGxlMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEaAoVcGCDmHPpPu1sfvTSeGtwe3nlZEdzTDpMGPKLad6cSViTJJRCaSsyKlgCqXDKrswVwgCkYKybB5tCVsPZBqNTMFEwHQYDVR0OBBYEFAlLhYOnVhy9Xsp3Rz9tPd1p5UNdMB8GA1UdIwQYMBaAFAlLhYOnVhy9Xsp3Rz9tPd1p5UNdMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIgTZ9BJGJC1eOJlDLvkGOSE9Z7ep2dVkflzoR52/vvA4oCIQDc5iubsrJ0GII21DQbNEmUTynqsbsIrRXjeVVhl4zeLQ==",
  "base64",
);
const NOW = () => new Date("2026-12-01T00:00:00Z");

test("isIdentityHeader() covers the nginx preset, XFCC and common aliases in any case", () => {
  for (const h of [
    "X-SSL-Client-Verify",
    "x-forwarded-client-cert",
    "X-Client-Cert",
    "SSL-Client-Subject",
    "x-tls-client-dn",
  ]) {
    assert.ok(isIdentityHeader(h), h);
  }
  for (const h of ["accept", "x-request-id", "x-client-ip"]) assert.ok(!isIdentityHeader(h), h);
});

test("identityHeaders('nginx') sends every non-empty $ssl_client_* value", () => {
  const v = clientCertificateVariables(DER, { verify: { kind: "success" }, now: NOW });
  const h = new Map(identityHeaders("nginx", v, { chain: [DER], verified: true }));
  assert.equal(h.get("X-SSL-Client-Verify"), "SUCCESS");
  assert.equal(h.get("X-SSL-Client-Serial"), "FF0A");
  assert.equal(h.get("X-SSL-Client-V-Remain"), "28");
  assert.ok(h.get("X-SSL-Client-S-DN")?.startsWith("DC=example,"));
  const none = identityHeaders(
    "nginx",
    clientCertificateVariables(undefined, { verify: { kind: "none" } }),
    undefined,
  );
  assert.deepEqual(none, [["X-SSL-Client-Verify", "NONE"]]);
});

test("identityHeaders('xfcc') builds Envoy's element, only for a verified certificate", () => {
  const v = clientCertificateVariables(DER, { verify: { kind: "success" }, now: NOW });
  const [[name, value] = ["", ""]] = identityHeaders("xfcc", v, { chain: [DER], verified: true });
  assert.equal(name, "x-forwarded-client-cert");
  assert.match(
    value,
    /^Hash=[0-9a-f]{64};Cert="-----BEGIN%20CERTIFICATE-----%0A[^"]+";Chain="[^"]+";Subject="DC=example,.*\\"x\\".*"$/,
  );
  assert.deepEqual(identityHeaders("xfcc", v, { chain: [DER], verified: false }), []);
  assert.deepEqual(identityHeaders("off", v, { chain: [DER], verified: true }), []);
});

test("isIdentityHeader() treats underscores as dashes, as CGI, WSGI and PHP do", () => {
  for (const h of [
    "X_SSL_Client_Verify",
    "x_ssl_client_s_dn",
    "SSL_CLIENT_CERT",
    "X_Forwarded_Client_Cert",
  ]) {
    assert.ok(isIdentityHeader(h), h);
  }
});
