import assert from "node:assert/strict";
import { test } from "node:test";
import { buildOcspResponse, ocspFixtures } from "../../../test/helpers/ocsp-fixtures.ts";
import { MtlsError } from "../../errors.ts";
import { certificateId, parseCertificate } from "./cert-id.ts";
import { verifyOcspResponse } from "./ocsp-response.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
const THIS = new Date("2026-06-01T11:55:00Z");
const NEXT = new Date("2026-06-01T12:05:00Z");

async function setup() {
  const f = await ocspFixtures();
  const id = certificateId(parseCertificate(f.leaf.der), parseCertificate(f.ca.der));
  return { f, id };
}

function rejects(fn: () => unknown, reason: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MtlsError);
    assert.equal(e.code, "MTLS_OCSP");
    assert.equal(e.details?.reason, reason);
    assert.match(e.message, message);
    return true;
  });
}

test("verifyOcspResponse() accepts good, revoked and unknown answers signed by a delegated responder", async () => {
  const { f, id } = await setup();
  for (const status of ["good", "revoked", "unknown"] as const) {
    const der = buildOcspResponse({
      cert: f.leaf.der,
      issuer: f.ca.der,
      signer: f.signer,
      status,
      thisUpdate: THIS,
      nextUpdate: NEXT,
    });
    const answer = verifyOcspResponse(der, { id, issuer: f.ca.der, now: NOW });
    assert.equal(answer.status.kind, status);
    assert.equal(answer.signer, "delegated");
    assert.deepEqual(answer.thisUpdate, THIS);
    assert.deepEqual(answer.nextUpdate, NEXT);
    if (answer.status.kind === "revoked") {
      assert.deepEqual(answer.status.revocationTime, new Date("2026-03-01T00:00:00Z"));
      assert.equal(answer.status.reason, "keyCompromise");
    }
  }
});

test("verifyOcspResponse() accepts an answer signed by the issuing CA, named by name or by key", async () => {
  const { f, id } = await setup();
  for (const byKey of [false, true]) {
    const der = buildOcspResponse({
      cert: f.leaf.der,
      issuer: f.ca.der,
      signer: f.ca,
      status: "good",
      thisUpdate: THIS,
      byKey,
    });
    const answer = verifyOcspResponse(der, { id, issuer: f.ca.der, now: NOW });
    assert.equal(answer.signer, "issuer");
    assert.equal(answer.nextUpdate, undefined);
  }
});

test("verifyOcspResponse() refuses a signature that does not verify", async () => {
  const { f, id } = await setup();
  const der = buildOcspResponse({
    cert: f.leaf.der,
    issuer: f.ca.der,
    signer: f.signer,
    status: "good",
    thisUpdate: THIS,
    badSignature: true,
  });
  rejects(
    () => verifyOcspResponse(der, { id, issuer: f.ca.der, now: NOW }),
    "bad signature",
    /^OCSP response signature does not verify with the delegated responder's key$/,
  );
});

test("verifyOcspResponse() refuses signers the CA did not authorize", async () => {
  const { f, id } = await setup();
  const answer = (signer: typeof f.signer, includeSigner = true) =>
    buildOcspResponse({
      cert: f.leaf.der,
      issuer: f.ca.der,
      signer,
      status: "good",
      thisUpdate: THIS,
      includeSigner,
    });
  rejects(
    () => verifyOcspResponse(answer(f.rogue), { id, issuer: f.ca.der, now: NOW }),
    "unauthorized signer",
    /^OCSP response signer is not authorized: CN=rogue was not issued by the client certificate's CA CN=OCSP Unit CA$/,
  );
  rejects(
    () => verifyOcspResponse(answer(f.noEku), { id, issuer: f.ca.der, now: NOW }),
    "unauthorized signer",
    /has no OCSPSigning extended key usage$/,
  );
  rejects(
    () => verifyOcspResponse(answer(f.signer, false), { id, issuer: f.ca.der, now: NOW }),
    "unauthorized signer",
    /names neither the client certificate's CA nor a certificate included/,
  );
});

test("verifyOcspResponse() checks thisUpdate and nextUpdate with the clock skew allowance", async () => {
  const { f, id } = await setup();
  const at = (thisUpdate: Date, nextUpdate?: Date) =>
    buildOcspResponse({
      cert: f.leaf.der,
      issuer: f.ca.der,
      signer: f.signer,
      status: "good",
      thisUpdate,
      ...(nextUpdate ? { nextUpdate } : {}),
    });
  const opts = { id, issuer: f.ca.der, now: NOW, clockSkewMs: 60_000 };
  // 30 s in the future and 30 s past nextUpdate: within a 60 s skew.
  verifyOcspResponse(at(new Date("2026-06-01T12:00:30Z")), opts);
  verifyOcspResponse(at(THIS, new Date("2026-06-01T11:59:30Z")), opts);
  rejects(
    () => verifyOcspResponse(at(new Date("2026-06-01T12:02:00Z")), opts),
    "not yet valid",
    /^OCSP response is not yet valid: thisUpdate 2026-06-01T12:02:00.000Z is after 2026-06-01T12:00:00.000Z \(skew 60 s\)$/,
  );
  rejects(
    () => verifyOcspResponse(at(THIS, new Date("2026-06-01T11:58:00Z")), opts),
    "expired",
    /^OCSP response has expired: nextUpdate 2026-06-01T11:58:00.000Z is before/,
  );
});

test("verifyOcspResponse() requires the nonce it sent when the response carries one", async () => {
  const { f, id } = await setup();
  const nonce = new Uint8Array(16).fill(7);
  const withNonce = (n?: Uint8Array) =>
    buildOcspResponse({
      cert: f.leaf.der,
      issuer: f.ca.der,
      signer: f.signer,
      status: "good",
      thisUpdate: THIS,
      ...(n ? { nonce: n } : {}),
    });
  verifyOcspResponse(withNonce(nonce), { id, issuer: f.ca.der, now: NOW, nonce });
  // A responder may leave it out (RFC 8954 §2.1); freshness then rests on thisUpdate.
  verifyOcspResponse(withNonce(), { id, issuer: f.ca.der, now: NOW, nonce });
  rejects(
    () =>
      verifyOcspResponse(withNonce(new Uint8Array(16).fill(8)), {
        id,
        issuer: f.ca.der,
        now: NOW,
        nonce,
      }),
    "nonce",
    /^OCSP response nonce does not match the request's$/,
  );
});

test("verifyOcspResponse() refuses an answer about another certificate, a refusal status and junk", async () => {
  const { f, id } = await setup();
  const other = buildOcspResponse({
    cert: f.bare.der,
    issuer: f.ca.der,
    signer: f.signer,
    status: "good",
    thisUpdate: THIS,
  });
  rejects(
    () => verifyOcspResponse(other, { id, issuer: f.ca.der, now: NOW }),
    "no answer for certificate",
    /^OCSP response does not answer for certificate serial 0A01: 1 response\(s\) for other certificates$/,
  );
  const tryLater = buildOcspResponse({
    cert: f.leaf.der,
    issuer: f.ca.der,
    signer: f.signer,
    status: "good",
    thisUpdate: THIS,
    responseStatus: 3,
  });
  assert.throws(
    () => verifyOcspResponse(tryLater, { id, issuer: f.ca.der, now: NOW }),
    (e: unknown) =>
      e instanceof MtlsError &&
      e.details?.responseStatus === "tryLater" &&
      e.message === "OCSP responder refused the request: responseStatus tryLater",
  );
  rejects(
    () =>
      verifyOcspResponse(new Uint8Array([0x30, 0x03, 0x0a, 0x01]), {
        id,
        issuer: f.ca.der,
        now: NOW,
      }),
    "malformed",
    /^OCSP response is malformed/,
  );
});
