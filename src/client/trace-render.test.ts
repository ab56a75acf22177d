import assert from "node:assert/strict";
import { describe, it, test } from "node:test";
import { parseAlert } from "../tls/alert.ts";
import type { TraceEvent } from "./trace-event.ts";
import { renderTrace, wrapList } from "./trace-render.ts";

const record = (index: number, contentType: number, length: number) => ({
  index,
  contentType,
  version: 0x0303,
  length,
});

test("renderTrace() draws arrows, names and record sizes", () => {
  const events: TraceEvent[] = [
    { kind: "change_cipher_spec", direction: "client", record: record(5, 20, 1) },
    {
      kind: "encrypted",
      direction: "client",
      record: record(6, 22, 40),
      label: "Encrypted Handshake Message",
    },
    {
      kind: "alert",
      direction: "server",
      record: record(3, 21, 2),
      alert: parseAlert(Uint8Array.of(2, 116)),
    },
    { kind: "encrypted", direction: "server", record: record(9, 21, 26), label: "Encrypted Alert" },
    { kind: "error", direction: "server", message: "Invalid TLS record header" },
  ];
  assert.deepEqual(renderTrace(events), [
    "→ ChangeCipherSpec [record 5: change_cipher_spec, 1 byte]",
    "→ Encrypted Handshake Message [record 6: handshake, 40 bytes]",
    "← Alert: fatal certificate_required (116) [record 3: alert, 2 bytes]",
    "← Encrypted Alert [record 9: alert, 26 bytes]",
    "← (trace stopped: Invalid TLS record header)",
  ]);
});

test("renderTrace() indents the fields of a handshake message under it", () => {
  const raw = Uint8Array.of(14, 0, 0, 0);
  const certRaw = Uint8Array.of(11, 0, 0, 3, 0, 0, 0);
  const events: TraceEvent[] = [
    {
      kind: "handshake",
      direction: "server",
      record: record(5, 22, 4),
      message: { type: "ServerHelloDone", raw },
    },
    {
      kind: "handshake",
      direction: "client",
      record: record(2, 22, 7),
      message: {
        type: "Certificate",
        certificate_request_context: undefined,
        certificate_list: [],
        raw: certRaw,
      },
      certificates: [],
    },
  ];
  assert.deepEqual(renderTrace(events), [
    "← ServerHelloDone (0 bytes) [record 5: handshake, 4 bytes]",
    "→ Certificate (3 bytes) [record 2: handshake, 7 bytes]",
    "      certificate_list: (empty: no certificate sent)",
  ]);
});

describe("wrapList()", () => {
  it("wraps a long list at commas, indenting continuations to the value's column", () => {
    const line = `      cipher_suites (4): ${["TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"].join(", ")}`;
    const out = wrapList(line, 90);
    assert.deepEqual(out, [
      "      cipher_suites (4): TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256,",
      "                         TLS_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    ]);
    assert.equal(out.join(" ").replace(/\s+/g, " "), line.replace(/\s+/g, " "));
  });

  it("leaves short lines and width 0 alone", () => {
    assert.deepEqual(wrapList("a: b, c", 100), ["a: b, c"]);
    assert.deepEqual(wrapList("a: b, c", 0), ["a: b, c"]);
  });
});
