import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { test } from "node:test";
import { certificateIdentity } from "./certificate-identity.ts";

/** openssl: O=Example Corp/OU=payments/OU=frontend/CN=web-1, SAN URI, DNS, email, URI. */
const WEB_PEM = `
-----BEGIN CERTIFICATE-----
MIICOjCCAeGgAwIBAgIUVDO3D/2Eic8/jOjajwZDJklAg1MwCgYIKoZIzj0EAwIw
EjEQMA4GA1UEAwwHVGVzdCBDQTAeFw0yNjExMzAwMTMxMzJaFw0yNjEyMDUwMTMx
MzJaME0xFTATBgNVBAoMDEV4YW1wbGUgQ29ycDERMA8GA1UECwwIcGF5bWVudHMx
ETAPBgNVBAsMCGZyb250ZW5kMQ4wDAYDVQQDDAV3ZWItMTBZMBMGByqGSM49AgEG
CCqGSM49AwEHA0IABAD7WRe1r6Iw8XJ6Wk9kCCleFmIOgVua2WSnNBQpQ7OS+ZNo
3JWM/c4zPgcTOvplEU8tqYuUwFN+VBIIfl5Ut4qjgdkwgdYwCQYDVR0TBAIwADAO
BgNVHQ8BAf8EBAMCB4AwEwYDVR0lBAwwCgYIKwYBBQUHAwIwZAYDVR0RBF0wW4Yj
c3BpZmZlOi8vZXhhbXBsZS5vcmcvbnMvcHJvZC9zYS93ZWKCFndlYi0xLnByb2Qu
ZXhhbXBsZS5vcmeBD29wc0BleGFtcGxlLm9yZ4YLaHR0cHM6Ly94L3kwHQYDVR0O
BBYEFEZ1M4Ktb6u98s2Lv3Hai3HSZ0HWMB8GA1UdIwQYMBaAFIATgDJjgodF2yUO
u/eGjPzlVESCMAoGCCqGSM49BAMCA0cAMEQCIFa4DjTuBzNYMbckp9fEM1Y6vtv0
o923t3S9b4a0y+QSAiA8Xw5VpBZxAZQO8B5HhvhVP7kA9AwvsR/Z5sGQg0OZpA==
-----END CERTIFICATE-----
`;
/** openssl: CN=client-1, no subjectAltName. */
const PLAIN_PEM = `
-----BEGIN CERTIFICATE-----
MIIBmDCCAT+gAwIBAgIUVDO3D/2Eic8/jOjajwZDJklAg1IwCgYIKoZIzj0EAwIw
EjEQMA4GA1UEAwwHVGVzdCBDQTAeFw0yNjExMzAwMTIzNDlaFw0yNjEyMzAwMTIz
NDlaMBMxETAPBgNVBAMMCGNsaWVudC0xMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcD
QgAEg1vQRPC8A99wwsSHRX8AzDi+oBhOcJNc2NZW/SAp/hc1kJ4iCFVBggc0KeUH
Rdl/J+MEl8Vs47MzhrLmYoGjOqNyMHAwCQYDVR0TBAIwADAOBgNVHQ8BAf8EBAMC
B4AwEwYDVR0lBAwwCgYIKwYBBQUHAwIwHQYDVR0OBBYEFJUbCESQelxNrknMsSs5
+g/p1nLOMB8GA1UdIwQYMBaAFIATgDJjgodF2yUOu/eGjPzlVESCMAoGCCqGSM49
BAMCA0cAMEQCIDWtqxNCZ8CE07iQjHMkO5M2ehTct/DHC9pZJ4ug8ckXAiAejMag
I+f1VVcNt65oujO+m8YuFlsfdi2ymW94pMQloA==
-----END CERTIFICATE-----
`;

function der(pem: string): Uint8Array {
  return new Uint8Array(new X509Certificate(pem).raw);
}

test("certificateIdentity() reads every CN/OU/O value and the DNS, URI and email SANs in order", () => {
  const id = certificateIdentity(der(WEB_PEM), true);
  assert.deepEqual(
    { ...id, sha256: id.sha256.length },
    {
      verified: true,
      subject: "CN=web-1,OU=frontend,OU=payments,O=Example Corp",
      cn: ["web-1"],
      ou: ["payments", "frontend"],
      o: ["Example Corp"],
      dns: ["web-1.prod.example.org"],
      uri: ["spiffe://example.org/ns/prod/sa/web", "https://x/y"],
      email: ["ops@example.org"],
      sha256: 64,
    },
  );
  assert.equal(
    id.sha256,
    new X509Certificate(WEB_PEM).fingerprint256.replaceAll(":", "").toLowerCase(),
  );
});

test("certificateIdentity() gives empty SAN lists for a certificate without the extension", () => {
  const id = certificateIdentity(der(PLAIN_PEM), false);
  assert.deepEqual(
    [id.cn, id.ou, id.dns, id.uri, id.email, id.verified],
    [["client-1"], [], [], [], [], false],
  );
});
