import assert from "node:assert/strict";
import { test } from "node:test";
import * as pkijs from "pkijs";
import {
  buildOcspResponse,
  ocspFixtures,
  type ResponseSpec,
} from "../../../test/helpers/ocsp-fixtures.ts";
import { ErrorCode, MtlsError } from "../../errors.ts";
import type { OcspConfig } from "../config.ts";
import { createOcspChecker, type OcspCertOutcome, ocspVerdict } from "./ocsp-checker.ts";
import type { OcspTransport } from "./ocsp-fetch.ts";
import type { OcspCheckResult, OcspMetrics } from "./ocsp-metrics.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
const NEXT = new Date("2026-06-01T12:10:00Z");

/** A responder in memory: answers `status`, echoing the request's nonce, and records the URLs asked. */
async function responder(spec: Partial<ResponseSpec> & { status?: ResponseSpec["status"] } = {}) {
  const f = await ocspFixtures();
  const urls: string[] = [];
  const send: OcspTransport = async (url, body) => {
    urls.push(url);
    const req = pkijs.OCSPRequest.fromBER(body);
    const nonceExt = req.tbsRequest.requestExtensions?.[0];
    const nonce = nonceExt?.extnValue.valueBlock.valueHexView.slice(2); // OCTET STRING header
    return buildOcspResponse({
      cert: f.leaf.der,
      issuer: f.ca.der,
      signer: f.signer,
      status: "good",
      thisUpdate: NOW,
      nextUpdate: NEXT,
      ...(nonce ? { nonce } : {}),
      ...spec,
    });
  };
  return { f, urls, send };
}

function recorder(): OcspMetrics & { checks: OcspCheckResult[]; hits: number } {
  const m = {
    checks: [] as OcspCheckResult[],
    hits: 0,
    check: (r: OcspCheckResult) => m.checks.push(r),
    cacheHit: () => {
      m.hits++;
    },
    softFailure: () => {},
  };
  return m;
}

const CONFIG: OcspConfig = { mode: "leaf", failure: "hard", cacheEntries: 100 };

test("createOcspChecker() asks the AIA URL with a nonce and caches the answer until nextUpdate", async () => {
  const r = await responder();
  const metrics = recorder();
  let clock = NOW;
  const checker = createOcspChecker(CONFIG, { transport: r.send, now: () => clock, metrics });
  const chain = [r.f.leaf.der, r.f.ca.der];
  const first = await checker.check(chain);
  assert.equal(first.length, 1);
  assert.equal(first[0]?.kind === "answer" && first[0].source, "http://ocsp.test/");
  const second = await checker.check(chain);
  assert.equal(second[0]?.kind === "answer" && second[0].source, "cache");
  assert.deepEqual(r.urls, ["http://ocsp.test/"]);
  clock = NEXT;
  await checker.check(chain);
  assert.equal(r.urls.length, 2);
  assert.deepEqual(metrics.checks, ["good", "good", "good"]);
  assert.equal(metrics.hits, 1);
});

test("createOcspChecker() shares one request between concurrent checks of a certificate", async () => {
  const r = await responder();
  const checker = createOcspChecker(
    { ...CONFIG, cacheEntries: 0 },
    { transport: r.send, now: () => NOW },
  );
  const chain = [r.f.leaf.der, r.f.ca.der];
  const all = await Promise.all([checker.check(chain), checker.check(chain), checker.check(chain)]);
  assert.equal(r.urls.length, 1);
  assert.ok(all.every((o) => o[0]?.kind === "answer" && o[0].answer.status.kind === "good"));
});

test("createOcspChecker() prefers the configured responder and stops at the self-signed anchor", async () => {
  const r = await responder();
  const checker = createOcspChecker(
    { ...CONFIG, mode: "chain", responder: "http://127.0.0.1:1/" },
    { transport: r.send, now: () => NOW },
  );
  const out = await checker.check([r.f.leaf.der, r.f.ca.der]);
  assert.equal(out.length, 1);
  assert.deepEqual(r.urls, ["http://127.0.0.1:1/"]);
});

test("createOcspChecker() reports a certificate without a responder URL as no answer", async () => {
  const r = await responder();
  const checker = createOcspChecker(CONFIG, { transport: r.send, now: () => NOW });
  const [out] = await checker.check([r.f.bare.der, r.f.ca.der]);
  assert.equal(out?.kind, "error");
  if (out?.kind !== "error") return;
  assert.equal(out.noAnswer, true);
  assert.match(out.error.message, /^No OCSP responder URL in certificate serial 0A02/);
  assert.deepEqual(r.urls, []);
});

test("ocspVerdict(): soft forgives an unreachable responder but never a bad signature, revoked or unknown", async () => {
  const down: OcspTransport = async (url) => {
    throw new MtlsError(ErrorCode.NETWORK, `OCSP responder ${url} cannot be reached: ECONNREFUSED`);
  };
  const f = await ocspFixtures();
  const chain = [f.leaf.der, f.ca.der];
  const outcome = async (transport: OcspTransport) =>
    createOcspChecker(CONFIG, { transport, now: () => NOW }).check(chain);
  const unreachable = await outcome(down);
  assert.equal(unreachable[0]?.kind === "error" && unreachable[0].noAnswer, true);
  const soft = ocspVerdict(unreachable, "soft");
  assert.equal(soft.kind, "pass");
  assert.equal(soft.kind === "pass" && soft.softFailed.length, 1);
  assert.deepEqual(
    (({ kind, code }) => ({ kind, code }))(
      ocspVerdict(unreachable, "hard") as { kind: string; code: string },
    ),
    { kind: "fail", code: "CERTIFICATE_STATUS_REQUEST_FAILED" },
  );
  const forged = await outcome((await responder({ badSignature: true })).send);
  assert.equal(forged[0]?.kind === "error" && forged[0].noAnswer, false);
  assert.equal(ocspVerdict(forged, "soft").kind, "fail");
  const codeOf = async (status: ResponseSpec["status"]) => {
    const v = ocspVerdict(await outcome((await responder({ status })).send), "soft");
    return v.kind === "fail" ? v.code : "pass";
  };
  assert.equal(await codeOf("revoked"), "CERTIFICATE_REVOKED");
  assert.equal(await codeOf("unknown"), "CERTIFICATE_STATUS_UNKNOWN");
  assert.equal(await codeOf("good"), "pass");
});

test("ocspVerdict() puts revoked before unknown before errors", () => {
  const answer = (kind: "good" | "unknown") =>
    ({
      kind: "answer",
      serial: "01",
      source: "cache",
      answer: { status: { kind }, thisUpdate: NOW, producedAt: NOW, signer: "issuer" },
    }) as OcspCertOutcome;
  const revoked = {
    kind: "answer",
    serial: "02",
    source: "cache",
    answer: {
      status: { kind: "revoked", revocationTime: NOW },
      thisUpdate: NOW,
      producedAt: NOW,
      signer: "issuer",
    },
  } as OcspCertOutcome;
  const error = {
    kind: "error",
    serial: "03",
    noAnswer: false,
    error: new MtlsError(ErrorCode.OCSP, "x"),
  } as OcspCertOutcome;
  const code = (o: OcspCertOutcome[]) => {
    const v = ocspVerdict(o, "hard");
    return v.kind === "fail" ? v.code : "pass";
  };
  assert.equal(code([error, answer("unknown"), revoked]), "CERTIFICATE_REVOKED");
  assert.equal(code([error, answer("unknown")]), "CERTIFICATE_STATUS_UNKNOWN");
  assert.equal(code([answer("good"), error]), "CERTIFICATE_STATUS_REQUEST_FAILED");
  assert.equal(code([answer("good")]), "pass");
  assert.equal(code([]), "pass");
});

test("createOcspChecker() checks every certificate below the anchor in chain mode, the leaf alone in leaf mode", async () => {
  const f = await ocspFixtures();
  const asked: string[] = [];
  // Each CA answers for what it issued; the intermediate is revoked.
  const send: OcspTransport = async (_url, body) => {
    const req = pkijs.OCSPRequest.fromBER(body);
    const serial = Buffer.from(
      req.tbsRequest.requestList[0]?.reqCert.serialNumber.valueBlock.valueHexView ?? [],
    ).toString("hex");
    asked.push(serial);
    const sub = serial === "0d01";
    return buildOcspResponse({
      cert: sub ? f.subLeaf.der : f.intermediate.der,
      issuer: sub ? f.intermediate.der : f.ca.der,
      signer: sub ? f.intermediate : f.ca,
      status: sub ? "good" : "revoked",
      thisUpdate: NOW,
      nonce:
        req.tbsRequest.requestExtensions?.[0]?.extnValue.valueBlock.valueHexView.slice(2) ??
        new Uint8Array([1]),
    });
  };
  const chain = [f.subLeaf.der, f.intermediate.der, f.ca.der];
  const config = { ...CONFIG, responder: "http://ocsp.test/" };
  const leaf = await createOcspChecker(config, { transport: send, now: () => NOW }).check(chain);
  assert.deepEqual(asked, ["0d01"]);
  assert.equal(ocspVerdict(leaf, "hard").kind, "pass");
  asked.length = 0;
  const all = await createOcspChecker(
    { ...config, mode: "chain" },
    { transport: send, now: () => NOW },
  ).check(chain);
  assert.deepEqual(asked.sort(), ["0d01", "0e01"]);
  const verdict = ocspVerdict(all, "hard");
  assert.equal(verdict.kind === "fail" && verdict.code, "CERTIFICATE_REVOKED");
  assert.equal(verdict.kind === "fail" && verdict.outcome.serial, "0E01");
});
