import assert from "node:assert/strict";
import { test } from "node:test";
import { clientVerdict } from "./policy.ts";

test("clientVerdict() rejects a request without a certificate with 496 under ssl_verify_client on", () => {
  const v = clientVerdict("on", { presented: false });
  assert.deepEqual(v, {
    kind: "reject",
    status: 496,
    logMessage: "client sent no required SSL certificate while reading client request headers",
  });
});

test("clientVerdict() rejects a certificate that failed verification with 495, naming the reason", () => {
  const v = clientVerdict("on", {
    presented: true,
    verified: false,
    error: "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  });
  assert.deepEqual(v, {
    kind: "reject",
    status: 495,
    logMessage:
      "client SSL certificate verify error: (20:unable to get local issuer certificate) while reading client request headers",
  });
});

test("clientVerdict() passes a verified certificate", () => {
  assert.deepEqual(
    clientVerdict("on", { presented: true, verified: true, subject: "CN=client-1" }),
    { kind: "pass" },
  );
});

test("clientVerdict() under optional passes no certificate but still rejects a bad one", () => {
  assert.deepEqual(clientVerdict("optional", { presented: false }), { kind: "pass" });
  assert.equal(clientVerdict("optional", { presented: true, verified: false }).kind, "reject");
});

test("clientVerdict() under off passes everything", () => {
  assert.deepEqual(clientVerdict("off", { presented: true, verified: false }), { kind: "pass" });
  assert.deepEqual(clientVerdict("off", { presented: false }), { kind: "pass" });
});

test("clientVerdict() under optional_no_ca passes an unknown CA but still rejects an expired certificate", () => {
  const unknownCa = {
    presented: true,
    verified: false,
    error: "DEPTH_ZERO_SELF_SIGNED_CERT",
  } as const;
  assert.deepEqual(clientVerdict("optional_no_ca", unknownCa), { kind: "pass" });
  assert.deepEqual(clientVerdict("optional_no_ca", { presented: false }), { kind: "pass" });
  const expired = clientVerdict("optional_no_ca", {
    presented: true,
    verified: false,
    error: "CERT_HAS_EXPIRED",
  });
  assert.equal(
    expired.kind === "reject" && expired.logMessage,
    "client SSL certificate verify error: (10:certificate has expired) while reading client request headers",
  );
});
