import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { ParseError } from "../errors.ts";
import { HandshakeFramer } from "./handshake-framer.ts";
import { ContentType, RecordFramer, type TlsRecord } from "./record.ts";
import { loadStream, SCENARIOS } from "./testdata/load.ts";

/** The plaintext handshake records of a stream: those before change_cipher_spec. */
function plaintextHandshakeFragments(records: readonly TlsRecord[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const r of records) {
    if (r.contentType === ContentType.change_cipher_spec) break;
    if (r.contentType === ContentType.handshake) out.push(r.fragment);
  }
  return out;
}

describe("HandshakeFramer", () => {
  test("splits coalesced server messages of a TLS 1.2 flight", () => {
    const records = new RecordFramer().push(loadStream(SCENARIOS.tls12, "server"));
    const hs = new HandshakeFramer();
    const types = plaintextHandshakeFragments(records).flatMap((f) =>
      hs.push(f).map((m) => m.msgType),
    );
    // ServerHello, Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone
    assert.deepEqual(types, [2, 11, 12, 13, 14]);
    assert.equal(hs.buffered, 0);
  });

  test("own() copies an unfinished message, so the pushed fragments can be overwritten", () => {
    const records = new RecordFramer().push(loadStream(SCENARIOS.fragmented, "server"));
    const fragments = plaintextHandshakeFragments(records);
    const reference = new HandshakeFramer();
    const expected = fragments.flatMap((f) => reference.push(f)).map((m) => [...m.raw]);
    const hs = new HandshakeFramer();
    const got: number[][] = [];
    for (const f of fragments) {
      const scratch = f.slice();
      got.push(...hs.push(scratch).map((m) => [...m.raw]));
      hs.own();
      scratch.fill(0xee); // the caller reuses its buffer
    }
    assert.deepEqual(got, expected);
    assert.equal(hs.buffered, 0);
  });

  test("reassembles Certificate messages fragmented over 512-byte records", () => {
    const records = new RecordFramer().push(loadStream(SCENARIOS.fragmented, "server"));
    const hs = new HandshakeFramer();
    const frames = plaintextHandshakeFragments(records).flatMap((f) => hs.push(f));
    assert.deepEqual(
      frames.map((m) => m.msgType),
      [2, 11, 12, 13, 14, 4], // ... ServerHelloDone, then NewSessionTicket before CCS
    );
    const certificate = frames[1]!;
    assert.ok(certificate.length > 512, `Certificate is ${certificate.length} bytes`);
    assert.equal(certificate.body.length, certificate.length);
    assert.equal(certificate.raw.length, certificate.length + 4);
  });

  test("any split of the handshake stream yields the same messages", () => {
    const records = new RecordFramer().push(loadStream(SCENARIOS.tls12, "server"));
    const fragments = plaintextHandshakeFragments(records);
    const stream = new Uint8Array(fragments.reduce((n, f) => n + f.length, 0));
    let at = 0;
    for (const f of fragments) {
      stream.set(f, at);
      at += f.length;
    }
    const expected = new HandshakeFramer().push(stream).map((m) => [...m.raw].join());
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 20 }),
        (cuts) => {
          const hs = new HandshakeFramer();
          const got: string[] = [];
          let prev = 0;
          for (const p of [...[...new Set(cuts)].sort((a, b) => a - b), stream.length]) {
            for (const m of hs.push(stream.subarray(prev, p))) got.push([...m.raw].join());
            prev = p;
          }
          assert.deepEqual(got, expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  test("refuses a message larger than the configured limit", () => {
    const hs = new HandshakeFramer({ maxMessageSize: 100 });
    assert.throws(
      () => hs.push(Uint8Array.of(11, 0, 0, 101)),
      (e: unknown) => {
        return e instanceof ParseError && /declares 101 bytes, limit 100/.test(e.message);
      },
    );
    assert.throws(() => hs.push(Uint8Array.of(1)), ParseError);
  });

  test("checks the limit when the header itself is split", () => {
    const hs = new HandshakeFramer({ maxMessageSize: 10 });
    assert.deepEqual(hs.push(Uint8Array.of(11, 0)), []);
    assert.throws(() => hs.push(Uint8Array.of(1, 0)), ParseError);
  });
});
