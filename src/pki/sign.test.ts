import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { before, describe, it } from "node:test";
import { MtlsError } from "../errors.ts";
import { type CaMaterial, createRootCa } from "./ca.ts";
import { createCsr } from "./csr.ts";
import { loadX509, type X509Module } from "./load-x509.ts";
import { decodePem, encodePem } from "./pem.ts";
import { Oid } from "./profiles.ts";
import { signCsr } from "./sign.ts";
import { countingRandom, NOW, testKeys } from "./testdata/fixtures.ts";

let x509: X509Module;
let ca: CaMaterial;

before(async () => {
  x509 = await loadX509();
  ca = await createRootCa({ keys: await testKeys("ca-ec"), now: NOW, random: countingRandom() });
});

async function csrFor(
  subject: string,
  sans: string,
  key: "leaf-ec" | "leaf-rsa" = "leaf-ec",
): Promise<string> {
  return (await createCsr({ subject, sans, keys: await testKeys(key) })).csrPem;
}

async function extensionsOf(certPem: string) {
  const cert = new x509.X509Certificate(certPem);
  return { cert, list: [...cert.extensions].map((e) => [e.type, e.critical] as const) };
}

describe("createRootCa", () => {
  it("makes a self-signed CA with critical CA:TRUE and keyCertSign+cRLSign, SKI = AKI", async () => {
    const { cert, list } = await extensionsOf(ca.certPem);
    assert.deepEqual(list, [
      [Oid.basicConstraints, true],
      [Oid.keyUsage, true],
      [Oid.subjectKeyIdentifier, false],
      [Oid.authorityKeyIdentifier, false],
    ]);
    assert.equal(cert.subject, "CN=mtlskit CA");
    assert.equal(cert.issuer, "CN=mtlskit CA");
    assert.equal(cert.getExtension(x509.BasicConstraintsExtension)?.ca, true);
    assert.equal(cert.getExtension(x509.KeyUsagesExtension)?.usages, 32 | 64);
    const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    assert.equal(cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId, ski);
    assert.equal(cert.serialNumber, "0102030405060708090a0b0c0d0e0f10");
    assert.equal(cert.notBefore.toISOString(), "2026-01-15T11:55:00.000Z");
    assert.equal(cert.notAfter.toISOString(), "2036-01-13T12:00:00.000Z");
    assert.equal(await cert.verify({ signatureOnly: true }), true);
  });
});

describe("signCsr", () => {
  it("issues a server certificate with exactly the server profile's extensions", async () => {
    const issued = await signCsr(
      ca,
      await csrFor("CN=localhost", "DNS:localhost,IP:127.0.0.1,IP:::1"),
      {
        profile: "server",
        now: NOW,
        serial: "7a",
      },
    );
    const { cert, list } = await extensionsOf(issued.certPem);
    assert.deepEqual(list, [
      [Oid.basicConstraints, true],
      [Oid.keyUsage, true],
      [Oid.extKeyUsage, false],
      [Oid.subjectKeyIdentifier, false],
      [Oid.authorityKeyIdentifier, false],
      [Oid.subjectAltName, false],
    ]);
    assert.equal(cert.getExtension(x509.BasicConstraintsExtension)?.ca, false);
    assert.equal(cert.getExtension(x509.KeyUsagesExtension)?.usages, 1);
    assert.deepEqual(
      [...(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [])],
      [Oid.serverAuth],
    );
    const spki = decodePem(cert.publicKey.toString("pem"), ["PUBLIC KEY"], { what: "key" }).der;
    const bits = spki.subarray(spki.length - 65); // P-256 uncompressed point
    assert.equal(
      cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId,
      createHash("sha1").update(bits).digest("hex"),
    );
    assert.equal(
      cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId,
      ca.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId,
    );
    assert.deepEqual(issued.sans, ["DNS:localhost", "IP:127.0.0.1", "IP:::1"]);
    assert.equal(issued.serialHex, "7a");
    assert.equal(issued.subject, "CN=localhost");
    assert.equal(issued.profile, "server");
    assert.equal(issued.notBefore.toISOString(), "2026-01-15T11:55:00.000Z");
    assert.equal(issued.notAfter.toISOString(), "2027-02-16T12:00:00.000Z");
    assert.equal(cert.issuer, ca.cert.subject);
    assert.equal(await cert.verify({ publicKey: ca.cert.publicKey, signatureOnly: true }), true);
  });

  it("issues a client certificate with clientAuth and no SAN when none is requested", async () => {
    const issued = await signCsr(ca, await csrFor("CN=client-1,O=Acme", ""), {
      profile: "client",
      now: NOW,
      serial: "01",
    });
    const { cert, list } = await extensionsOf(issued.certPem);
    assert.deepEqual(
      list.map(([oid]) => oid),
      [
        Oid.basicConstraints,
        Oid.keyUsage,
        Oid.extKeyUsage,
        Oid.subjectKeyIdentifier,
        Oid.authorityKeyIdentifier,
      ],
    );
    assert.deepEqual(
      [...(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [])],
      [Oid.clientAuth],
    );
    assert.deepEqual(issued.sans, []);
    assert.equal(issued.subject, "CN=client-1, O=Acme");
  });

  it("adds keyEncipherment for an RSA server key only", async () => {
    const csr = await csrFor("CN=rsa.example", "", "leaf-rsa");
    const server = await signCsr(ca, csr, { profile: "server", now: NOW, serial: "02" });
    const client = await signCsr(ca, csr, { profile: "client", now: NOW, serial: "03" });
    const usages = (pem: string) =>
      new x509.X509Certificate(pem).getExtension(x509.KeyUsagesExtension)?.usages;
    assert.equal(usages(server.certPem), 1 | 4);
    assert.equal(usages(client.certPem), 1);
  });

  it("copies a DNS or IP common name into the SAN of a server certificate", async () => {
    const a = await signCsr(ca, await csrFor("CN=Api.Example", "IP:10.0.0.1"), {
      profile: "server",
      now: NOW,
    });
    assert.deepEqual(a.sans, ["DNS:api.example", "IP:10.0.0.1"]);
    const b = await signCsr(ca, await csrFor("CN=127.0.0.1", ""), { profile: "server", now: NOW });
    assert.deepEqual(b.sans, ["IP:127.0.0.1"]);
    const c = await signCsr(ca, await csrFor("CN=localhost", "DNS:LOCALHOST"), {
      profile: "server",
      now: NOW,
    });
    assert.deepEqual(c.sans, ["DNS:localhost"]);
    const d = await signCsr(ca, await csrFor("CN=client-1", ""), { profile: "client", now: NOW });
    assert.deepEqual(d.sans, []);
  });

  it("refuses a server request without any usable name", async () => {
    await assert.rejects(
      signCsr(ca, await csrFor("CN=My Server", ""), { profile: "server", now: NOW }),
      (e) =>
        e instanceof MtlsError &&
        e.code === "MTLS_PKI_POLICY" &&
        e.message ===
          "Cannot issue server certificate for 'CN=My Server': no SAN, and the CN is not a DNS name or IP address",
    );
  });

  it("refuses a CSR whose signature does not verify", async () => {
    const pem = await csrFor("CN=localhost", "");
    const der = decodePem(pem, ["CERTIFICATE REQUEST"], { what: "CSR" }).der;
    const at = Buffer.from(der).indexOf("localhost");
    der[at] = "L".charCodeAt(0); // subject altered after signing
    await assert.rejects(
      signCsr(ca, encodePem("CERTIFICATE REQUEST", der), { profile: "server", csrPath: "x.csr" }),
      (e) =>
        e instanceof MtlsError &&
        e.code === "MTLS_PKI_BAD_CSR" &&
        /^Bad CSR signature in x.csr: the request is not signed by the key it contains/.test(
          e.message,
        ),
    );
  });

  it("refuses garbage with the file name and what was expected", async () => {
    await assert.rejects(signCsr(ca, "hello", { profile: "server", csrPath: "x.csr" }), {
      code: "MTLS_PKI_BAD_INPUT",
      message: "Cannot read CSR x.csr: not PEM (no -----BEGIN line)",
    });
    await assert.rejects(signCsr(ca, ca.certPem, { profile: "server", csrPath: "ca.crt" }), {
      code: "MTLS_PKI_BAD_INPUT",
      message: "Cannot read CSR ca.crt: found PEM 'CERTIFICATE', expected 'CERTIFICATE REQUEST'",
    });
    await assert.rejects(
      signCsr(ca, encodePem("CERTIFICATE REQUEST", Uint8Array.of(0x30, 0x03, 1, 2, 3)), {
        profile: "server",
      }),
      (e) =>
        e instanceof MtlsError && /^Cannot read CSR <input>: not a PKCS#10 request/.test(e.message),
    );
  });

  it("refuses an unknown profile as a usage error", async () => {
    await assert.rejects(signCsr(ca, await csrFor("CN=x", ""), { profile: "admin" as "server" }), {
      code: "MTLS_USAGE",
      message: "Unknown profile 'admin': expected server, client, server-client, ca",
    });
  });

  it("refuses a validity past the CA's notAfter and says how many days fit", async () => {
    const shortCa = await createRootCa({ keys: await testKeys("ca-ec"), now: NOW, days: 30 });
    await assert.rejects(
      signCsr(shortCa, await csrFor("CN=localhost", ""), { profile: "server", now: NOW }),
      (e) =>
        e instanceof MtlsError &&
        e.code === "MTLS_PKI_POLICY" &&
        e.hint === "pass --days 30 or less",
    );
  });
});
