import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { before, describe, it } from "node:test";
import { MtlsError } from "../errors.ts";
import { type CaMaterial, createRootCa } from "./ca.ts";
import { createCrl } from "./crl.ts";
import { createCsr } from "./csr.ts";
import { type CertificateInfo, inspectObject } from "./inspect.ts";
import { renderInspection, validityText } from "./inspect-text.ts";
import { decodePem } from "./pem.ts";
import { readPkiObjects } from "./pki-file.ts";
import { signCsr } from "./sign.ts";
import { countingRandom, NOW, testKeyPem, testKeys } from "./testdata/fixtures.ts";

let ca: CaMaterial;
let serverPem: string;
let csrPem: string;

before(async () => {
  ca = await createRootCa({ keys: await testKeys("ca-ec"), now: NOW, random: countingRandom() });
  csrPem = (
    await createCsr({ subject: "CN=localhost", sans: "IP:::1", keys: await testKeys("leaf-ec") })
  ).csrPem;
  serverPem = (await signCsr(ca, csrPem, { profile: "server", now: NOW, serial: "7a" })).certPem;
});

const bytes = (s: string) => new TextEncoder().encode(s);

describe("readPkiObjects", () => {
  it("finds every known PEM block of a bundle in order", () => {
    const objects = readPkiObjects(
      bytes(serverPem + ca.certPem + testKeyPem("other-sec1")),
      "b.pem",
    );
    assert.deepEqual(
      objects.map((o) => [o.kind, o.label, o.line]),
      [
        ["certificate", "CERTIFICATE", 1],
        ["certificate", "CERTIFICATE", serverPem.split("\n").length],
        ["private-key", "EC PRIVATE KEY", (serverPem + ca.certPem).split("\n").length],
      ],
    );
  });

  it("recognizes bare DER certificates, CSRs, CRLs and keys", () => {
    const der = (pem: string, label: string) => decodePem(pem, [label], { what: label }).der;
    const kinds = [
      der(serverPem, "CERTIFICATE"),
      der(csrPem, "CERTIFICATE REQUEST"),
      createCrl(ca, [], { now: NOW }).der,
      der(testKeyPem("other-sec1"), "EC PRIVATE KEY"),
    ].map((d) => readPkiObjects(d, "x.der")[0]?.kind);
    assert.deepEqual(kinds, ["certificate", "csr", "crl", "private-key"]);
  });

  it("refuses garbage and foreign PEM with the file name", () => {
    assert.throws(
      () => readPkiObjects(bytes("hello"), "g.bin"),
      (e: unknown) =>
        e instanceof MtlsError &&
        e.message ===
          "Cannot read g.bin: neither PEM nor a DER certificate, CSR, CRL, key or PKCS#12 file",
    );
    assert.throws(
      () => readPkiObjects(bytes("-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n"), "f.pem"),
      /found PEM 'FOO', expected a certificate, CSR, CRL or key/,
    );
  });
});

describe("inspectObject", () => {
  it("describes a certificate: names, serial, validity in days, key, SANs, usages, IDs, fingerprints", async () => {
    const [object] = readPkiObjects(bytes(serverPem), "s.crt");
    assert.ok(object);
    const info = (await inspectObject(object, { now: NOW })) as CertificateInfo;
    const raw = decodePem(serverPem, ["CERTIFICATE"], { what: "c" }).der;
    assert.equal(info.kind, "certificate");
    assert.equal(info.subject, "CN=localhost");
    assert.equal(info.issuer, "CN=mtlskit CA");
    assert.equal(info.serial, "7a");
    assert.deepEqual(info.validity, { state: "valid", days: 396 });
    assert.equal(info.publicKey.type, "EC");
    assert.equal(info.publicKey.curve, "P-256");
    assert.equal(info.signatureAlgorithm, "ecdsa-with-SHA256");
    assert.deepEqual(info.sans, ["DNS:localhost", "IP:::1"]);
    assert.deepEqual(info.keyUsage, ["digitalSignature"]);
    assert.deepEqual(info.extendedKeyUsage, ["serverAuth"]);
    assert.deepEqual(info.basicConstraints, { ca: false });
    assert.equal(info.fingerprints.sha256, createHash("sha256").update(raw).digest("hex"));
    assert.equal(info.fingerprints.sha1, createHash("sha1").update(raw).digest("hex"));
    const text = renderInspection(info, "s.crt");
    assert.match(text, /^Certificate \(s\.crt\)\n {2}Subject: +CN=localhost\n/);
    assert.match(text, /\n {2}Not after: +2027-02-16T12:00:00\.000Z \(expires in 396 days\)\n/);
    assert.match(text, /\n {2}SHA-256 fingerprint: ([0-9A-F]{2}:){31}[0-9A-F]{2}\n/);
  });

  it("says whether a CSR's signature verifies, and gives a key's SPKI hash to match its certificate", async () => {
    const [csr] = readPkiObjects(bytes(csrPem), "r.csr");
    const [key] = readPkiObjects(bytes(testKeyPem("leaf-ec")), "k.key");
    const [cert] = readPkiObjects(bytes(serverPem), "s.crt");
    assert.ok(csr && key && cert);
    const c = await inspectObject(csr);
    assert.equal(c.kind === "csr" && c.signatureValid, true);
    const k = await inspectObject(key);
    const s = (await inspectObject(cert)) as CertificateInfo;
    assert.equal(k.kind === "private-key" && k.publicKey?.spkiSha256, s.publicKey.spkiSha256);
  });

  it("words validity states", () => {
    assert.equal(validityText({ state: "valid", days: 1 }), "expires in 1 day");
    assert.equal(validityText({ state: "expired", days: 3 }), "EXPIRED 3 days ago");
    assert.equal(
      validityText({ state: "not-yet-valid", days: 2 }),
      "NOT YET VALID: starts in 2 days",
    );
  });
});
