import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseHandshake } from "../tls/handshake.ts";
import { messageFields } from "./message-fields.ts";

/** A TLS 1.3 Certificate (RFC 8446 §4.4.2) of one entry with the given extensions bytes. */
function certificate13(certData: number[], extensions: number[]) {
  const entry = [0, 0, certData.length, ...certData, 0, extensions.length, ...extensions];
  const body = [0, 0, 0, entry.length, ...entry]; // empty context, certificate_list<0..2^24-1>
  const raw = Uint8Array.from([11, 0, 0, body.length, ...body]);
  return parseHandshake(
    { msgType: 11, length: body.length, body: raw.subarray(4), raw },
    { direction: "server", version: 0x0304 },
  );
}

describe("messageFields() of a Certificate", () => {
  it("lists a TLS 1.3 entry's extensions with its certificate", () => {
    const sct = [0, 18, 0, 3, 0xaa, 0xbb, 0xcc]; // signed_certificate_timestamp, 3 bytes
    const fields = messageFields(certificate13([1, 2, 3], sct));
    assert.deepEqual(fields.certificate_list, [
      {
        undecodable: "3 bytes",
        extensions: { signed_certificate_timestamp: "3 bytes: aabbcc" },
      },
    ]);
  });

  it("adds no extensions member to an entry without extensions", () => {
    const fields = messageFields(certificate13([1, 2, 3], []));
    assert.deepEqual(fields.certificate_list, [{ undecodable: "3 bytes" }]);
  });
});
