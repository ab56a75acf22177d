import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ContentType, RecordFramer } from "../tls/record.ts";
import { loadStream, SCENARIOS } from "../tls/testdata/load.ts";
import type { TraceEvent } from "./trace-event.ts";
import { HandshakeTracer } from "./tracer.ts";

/** One line per event: arrow and name, as the ladder shows it. */
function names(events: readonly TraceEvent[]): string[] {
  return events.map((e) => {
    const arrow = e.direction === "client" ? "→" : "←";
    switch (e.kind) {
      case "handshake":
        return `${arrow} ${e.message.type}`;
      case "change_cipher_spec":
        return `${arrow} ChangeCipherSpec`;
      case "alert":
        return `${arrow} Alert ${e.alert.descriptionName}`;
      case "encrypted":
        return `${arrow} ${e.label}`;
      default:
        return `${arrow} ${e.kind}`;
    }
  });
}

/** Replays a capture: the client's first record, the server's stream, then the rest of the client's. */
function replay(scenario: string, tracer: HandshakeTracer): void {
  const client = loadStream(scenario, "client");
  const first = new RecordFramer().push(client)[0]!;
  tracer.push("client", client.subarray(0, first.raw.length));
  tracer.push("server", loadStream(scenario, "server"));
  tracer.push("client", client.subarray(first.raw.length));
}

const fixedCertificate = () => ({ subject: "CN=x", issuer: "CN=y" });

describe("HandshakeTracer", () => {
  test("follows a captured TLS 1.2 mTLS exchange in both directions", () => {
    const tracer = new HandshakeTracer({ describeCertificate: fixedCertificate });
    replay(SCENARIOS.tls12, tracer);
    assert.deepEqual(names(tracer.events), [
      "→ ClientHello",
      "← ServerHello",
      "← Certificate",
      "← ServerKeyExchange",
      "← CertificateRequest",
      "← ServerHelloDone",
      "← ChangeCipherSpec",
      "← Encrypted Handshake Message",
      "← Application Data",
      "→ Certificate",
      "→ ClientKeyExchange",
      "→ CertificateVerify",
      "→ ChangeCipherSpec",
      "→ Encrypted Handshake Message",
      "→ Application Data",
      "→ Encrypted Alert",
    ]);
  });

  test("labels TLS 1.3 records after the ServerHello up to the Finished-sized one as handshake", () => {
    const tracer = new HandshakeTracer({ describeCertificate: fixedCertificate });
    replay(SCENARIOS.tls13, tracer);
    const lines = names(tracer.events);
    assert.deepEqual(lines.slice(0, 3), ["→ ClientHello", "← ServerHello", "← ChangeCipherSpec"]);
    const serverHandshake = lines.filter((l) => l === "← Encrypted Handshake Message").length;
    const clientHandshake = lines.filter((l) => l === "→ Encrypted Handshake Message").length;
    assert.ok(serverHandshake >= 1, lines.join("\n"));
    assert.ok(clientHandshake >= 1, lines.join("\n"));
    assert.equal(lines.at(-1)?.endsWith("Application Data"), true);
    assert.equal(tracer.version, 0x0304);
  });

  test("reports a plaintext fatal alert from the server", () => {
    const tracer = new HandshakeTracer({ describeCertificate: fixedCertificate });
    replay(SCENARIOS.tls12NoCert, tracer);
    assert.ok(names(tracer.events).includes("← Alert handshake_failure"));
  });

  test("stops following a direction at bytes that are not TLS, without throwing", () => {
    const tracer = new HandshakeTracer();
    tracer.push("server", new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\n"));
    tracer.push("server", Uint8Array.of(ContentType.handshake, 3, 3, 0, 0));
    assert.equal(tracer.events.length, 1);
    const [event] = tracer.events;
    assert.ok(event?.kind === "error");
    assert.match(event.message, /content type 72/);
  });
});
