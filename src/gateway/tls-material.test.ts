import assert from "node:assert/strict";
import { test } from "node:test";
import type { GatewayConfig } from "./config.ts";
import { loadTlsMaterial } from "./tls-material.ts";

// A self-signed P-256 certificate (CN=localhost), its key, and an unrelated key; made once
// with the openssl CLI for these tests.
const CERT = `-----BEGIN CERTIFICATE-----
MIIBfjCCASWgAwIBAgIUK5xxiQcYdtI2Ot/vuPxCokmGZDcwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyOTIzMTQzNloYDzIxMjYxMTA1
MjMxNDM2WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAASMHDmRwqaIU3XE2CVaLRUh+mIZ3CHxUaub4KsyWGC63zqnyZrpFgwh
z8denONFisg0vqD1EPfQTh/8MPjna2AXo1MwUTAdBgNVHQ4EFgQUQMpKvPIiK3cl
yLV5KYNaG1HtX84wHwYDVR0jBBgwFoAUQMpKvPIiK3clyLV5KYNaG1HtX84wDwYD
VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiB/3diYrxiqHV4XRFnSPjkV
Sz3sSKngx/jX5cdtWGe3FAIgQEhoaaR+EKd6V3vDOIhTNZ5dHeTlOVDhorN47xKv
IGM=
-----END CERTIFICATE-----`;
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgI+8ywgy86VKHivsI
Opssbcso8whf79AGG+uDBSru1fShRANCAASMHDmRwqaIU3XE2CVaLRUh+mIZ3CHx
Uaub4KsyWGC63zqnyZrpFgwhz8denONFisg0vqD1EPfQTh/8MPjna2AX
-----END PRIVATE KEY-----`;
const OTHER_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgtWu/KpPL/8v2D/26
ByeDcT2wVOnEXnpvWSUvMia12zChRANCAARK14RwvjMHE9vutpfTY5IetU34KVyB
JgXXEQRmYyq6bnfNDMfK6vUZvSzyNHJ4+iQwuy2C64ugWxBpb77ypSZw
-----END PRIVATE KEY-----`;

const at = (line: number) => ({ file: "gw.conf", line, column: 5 });

function config(): GatewayConfig {
  return {
    servers: [
      {
        listen: [],
        serverNames: [],
        tls: {
          certificate: { path: "/c/server.crt", location: at(3) },
          certificateKey: { path: "/c/server.key", location: at(4) },
          clientCertificate: { path: "/c/ca.crt", location: at(5) },
          verifyClient: "on",
          sessionCache: { kind: "none" },
          sessionTimeoutSeconds: 300,
          protocols: ["TLSv1.2"],
          ciphers: "HIGH",
          preferServerCiphers: false,
        },
        locations: [],
      },
    ],
  };
}

function reader(files: Record<string, string>) {
  return (p: string): Buffer => {
    const f = files[p];
    if (f === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: "ENOENT" });
    return Buffer.from(f);
  };
}

test("loadTlsMaterial() loads a matching certificate, key and CA", () => {
  const { material, diagnostics } = loadTlsMaterial(config(), {
    readFile: reader({ "/c/server.crt": CERT, "/c/server.key": KEY, "/c/ca.crt": CERT }),
  });
  assert.deepEqual(diagnostics, []);
  assert.equal(material?.servers[0]?.tls.cert?.toString(), CERT);
  assert.equal(material?.servers[0]?.tls.ca?.toString(), CERT);
});

test("loadTlsMaterial() reports each unreadable or undecodable file at the directive that named it", () => {
  const bad = CERT.replace("MIIB", "MIIA");
  const { material, diagnostics } = loadTlsMaterial(config(), {
    readFile: reader({ "/c/server.crt": "not a pem", "/c/ca.crt": bad }),
  });
  assert.equal(material, undefined);
  assert.deepEqual(
    diagnostics.map((d) => [d.location?.line, d.code]),
    [
      [3, "MTLS_PKI_BAD_INPUT"],
      [4, "MTLS_FILE"],
      [5, "MTLS_PKI_BAD_INPUT"],
    ],
  );
  assert.equal(
    diagnostics[0]?.message,
    "Cannot load ssl_certificate /c/server.crt: no PEM certificate in the file",
  );
  assert.equal(
    diagnostics[1]?.message,
    "Cannot read ssl_certificate_key /c/server.key: no such file",
  );
  assert.match(
    diagnostics[2]?.message ?? "",
    /^Cannot load ssl_client_certificate \/c\/ca.crt: certificate 1 does not decode/,
  );
});

test("loadTlsMaterial() names both files when the key is not the certificate's", () => {
  const { material, diagnostics } = loadTlsMaterial(config(), {
    readFile: reader({ "/c/server.crt": CERT, "/c/server.key": OTHER_KEY, "/c/ca.crt": CERT }),
  });
  assert.equal(material, undefined);
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0]?.code, "MTLS_PKI_KEY_MISMATCH");
  assert.equal(
    diagnostics[0]?.message,
    "Key does not match certificate: /c/server.key is not the private key of /c/server.crt",
  );
  assert.deepEqual(diagnostics[0]?.location, at(4));
});

const CRL = `-----BEGIN X509 CRL-----
MIGmME4CAQEwCgYIKoZIzj0EAwIwDzENMAsGA1UEAwwEcm9vdBcNMjYxMTI5MjM0
MDUyWhcNMjYxMjI5MjM0MDUyWqAOMAwwCgYDVR0UBAMCAQEwCgYIKoZIzj0EAwID
SAAwRQIhAJdyS7gpsx7w0VOsy0Mb58wpEVybIEFy48NBKwYbwzCcAiBsOqqPPzLz
6ZMrOohSzaSM7f2xhyAMS2wpy6ZBEXYnyA==
-----END X509 CRL-----
`;

function withVerifyFiles(): GatewayConfig {
  const c = config();
  const s = c.servers[0];
  if (!s) throw new TypeError("no server");
  return {
    servers: [
      {
        ...s,
        tls: {
          ...s.tls,
          trustedCertificate: { path: "/c/int.crt", location: at(6) },
          crl: { path: "/c/ca.crl", location: at(7) },
        },
      },
    ],
  };
}

test("loadTlsMaterial() trusts ssl_client_certificate and ssl_trusted_certificate and loads ssl_crl", () => {
  const { material, diagnostics } = loadTlsMaterial(withVerifyFiles(), {
    readFile: reader({
      "/c/server.crt": CERT,
      "/c/server.key": KEY,
      "/c/ca.crt": CERT,
      "/c/int.crt": CERT,
      "/c/ca.crl": CRL,
    }),
  });
  assert.deepEqual(diagnostics, []);
  assert.equal(material?.servers[0]?.tls.ca?.toString(), `${CERT}\n${CERT}\n`);
  assert.equal(material?.servers[0]?.tls.crl?.toString(), CRL);
});

test("loadTlsMaterial() refuses an ssl_crl that holds no CRL or a broken one, at its directive", () => {
  for (const [text, reason] of [
    [CERT, "no PEM CRL in the file"],
    [CRL.replace("6ZMrOohSzaSM7f2xhyAMS2wpy6ZBEXYnyA==\n", ""), "CRL 1 does not decode"],
  ] as const) {
    const { diagnostics } = loadTlsMaterial(withVerifyFiles(), {
      readFile: reader({
        "/c/server.crt": CERT,
        "/c/server.key": KEY,
        "/c/ca.crt": CERT,
        "/c/int.crt": CERT,
        "/c/ca.crl": text,
      }),
    });
    assert.equal(diagnostics[0]?.message, `Cannot load ssl_crl /c/ca.crl: ${reason}`);
    assert.deepEqual(diagnostics[0]?.location, at(7));
  }
});
