import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { MtlsError } from "../errors.ts";
import { type CaMaterial, createRootCa } from "./ca.ts";
import { createCrl, parseRevocationReason } from "./crl.ts";
import { loadX509, type X509Module } from "./load-x509.ts";
import { decodePem } from "./pem.ts";
import { countingRandom, NOW, testKeys } from "./testdata/fixtures.ts";

let x509: X509Module;
let ca: CaMaterial;

before(async () => {
  x509 = await loadX509();
  ca = await createRootCa({ keys: await testKeys("ca-ec"), now: NOW, random: countingRandom() });
});

describe("createCrl", () => {
  it("writes a v2 CRL with nextUpdate, AKI, cRLNumber and reasons, signed by the CA", async () => {
    const crl = createCrl(
      ca,
      [
        {
          serial: "ff01",
          revokedAt: new Date("2026-01-10T08:00:00.900Z"),
          reason: "keyCompromise",
        },
        { serial: "7a", revokedAt: new Date("2026-01-05T08:00:00Z") },
      ],
      { now: NOW, days: 7, crlNumber: 42 },
    );
    assert.equal(crl.thisUpdate.toISOString(), "2026-01-15T12:00:00.000Z");
    assert.equal(crl.nextUpdate.toISOString(), "2026-01-22T12:00:00.000Z");
    assert.deepEqual(decodePem(crl.pem, ["X509 CRL"], { what: "CRL" }).der, crl.der);
    const parsed = new x509.X509Crl(crl.pem);
    assert.equal(parsed.issuer, "CN=mtlskit CA");
    assert.equal(parsed.nextUpdate?.toISOString(), "2026-01-22T12:00:00.000Z");
    assert.deepEqual(
      parsed.entries.map((e) => [e.serialNumber, e.revocationDate.toISOString(), e.reason ?? null]),
      [
        ["7a", "2026-01-05T08:00:00.000Z", null],
        ["ff01", "2026-01-10T08:00:00.000Z", 1],
      ],
    );
    assert.deepEqual(
      parsed.extensions.map((e) => e.type),
      ["2.5.29.35", "2.5.29.20"],
    );
    assert.equal(await parsed.verify({ publicKey: ca.cert.publicKey }), true);
  });

  it("writes an empty CRL without a revokedCertificates field", () => {
    const crl = createCrl(ca, [], { now: NOW });
    const parsed = new x509.X509Crl(crl.der);
    assert.equal(parsed.entries.length, 0);
    assert.equal(crl.nextUpdate.toISOString(), "2026-02-14T12:00:00.000Z");
    assert.equal(crl.crlNumber, 1);
  });

  it("refuses a bad lifetime or number", () => {
    assert.throws(() => createCrl(ca, [], { days: 0 }), RangeError);
    assert.throws(() => createCrl(ca, [], { crlNumber: 0 }), RangeError);
  });
});

describe("parseRevocationReason", () => {
  it("accepts RFC 5280 names in any case and refuses others as usage errors", () => {
    assert.equal(parseRevocationReason("KEYCOMPROMISE"), "keyCompromise");
    assert.equal(parseRevocationReason("superseded"), "superseded");
    assert.throws(
      () => parseRevocationReason("removeFromCRL"),
      (e: unknown) => e instanceof MtlsError && e.code === "MTLS_USAGE",
    );
  });
});
