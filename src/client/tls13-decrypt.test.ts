import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { RecordFramer } from "../tls/record.ts";
import { loadStream, SCENARIOS } from "../tls/testdata/load.ts";
import { decryptTls13Trace } from "./tls13-decrypt.ts";
import type { TraceEvent } from "./trace-event.ts";
import { HandshakeTracer } from "./tracer.ts";

function traceOf(scenario: string): readonly TraceEvent[] {
  const tracer = new HandshakeTracer();
  const client = loadStream(scenario, "client");
  const first = new RecordFramer().push(client)[0]!;
  tracer.push("client", client.subarray(0, first.raw.length));
  tracer.push("server", loadStream(scenario, "server"));
  tracer.push("client", client.subarray(first.raw.length));
  return tracer.events;
}

function names(events: readonly TraceEvent[]): string[] {
  return events.map((e) => {
    const arrow = e.direction === "client" ? "→" : "←";
    if (e.kind === "handshake") return `${arrow} ${e.message.type}`;
    if (e.kind === "alert") return `${arrow} Alert ${e.alert.descriptionName}`;
    if (e.kind === "encrypted") return `${arrow} ${e.label}`;
    return `${arrow} ${e.kind}`;
  });
}

const keyLog = readFileSync(new URL("../tls/testdata/04a.keys", import.meta.url), "utf8").split(
  "\n",
);

test("decryptTls13Trace() reveals the encrypted TLS 1.3 mTLS flights of a captured handshake", () => {
  const events = decryptTls13Trace(traceOf(SCENARIOS.tls13), keyLog);
  const lines = names(events);
  const at = (name: string) => lines.indexOf(name);
  for (const name of [
    "← EncryptedExtensions",
    "← CertificateRequest",
    "← Certificate",
    "← CertificateVerify",
    "← Finished",
    "→ Certificate",
    "→ CertificateVerify",
    "→ Finished",
  ]) {
    assert.ok(at(name) >= 0, `${name} missing in:\n${lines.join("\n")}`);
  }
  assert.ok(at("← CertificateRequest") < at("← Finished"));
  assert.ok(at("→ Certificate") < at("→ Finished"));
  const request = events.find(
    (e) => e.kind === "handshake" && e.message.type === "CertificateRequest",
  );
  assert.ok(request?.kind === "handshake" && request.decrypted === true);
  const clientCert = events.find(
    (e) => e.kind === "handshake" && e.direction === "client" && e.message.type === "Certificate",
  );
  assert.ok(clientCert?.kind === "handshake");
  // openssl x509 -nameopt RFC2253 prints the same for this certificate (CN first in the DER)
  assert.equal(clientCert.certificates?.[0]?.subject, "O=Seed,CN=client-1");
});

test("decryptTls13Trace() leaves the trace alone without matching secrets", () => {
  const events = traceOf(SCENARIOS.tls13);
  assert.deepEqual(names(decryptTls13Trace(events, [])), names(events));
  assert.deepEqual(
    names(decryptTls13Trace(events, ["CLIENT_HANDSHAKE_TRAFFIC_SECRET 00 11"])),
    names(events),
  );
});

test("decryptTls13Trace() returns TLS 1.2 traces unchanged", () => {
  const events = traceOf(SCENARIOS.tls12);
  assert.deepEqual(decryptTls13Trace(events, keyLog), [...events]);
});
