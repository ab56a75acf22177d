import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { ParseError } from "../errors.ts";
import { ContentType, contentTypeName, RecordFramer, readRecord } from "./record.ts";
import { loadStream, SCENARIOS } from "./testdata/load.ts";

function allRecords(bytes: Uint8Array): { type: number; length: number }[] {
  const out: { type: number; length: number }[] = [];
  let at = 0;
  for (;;) {
    const got = readRecord(bytes, at);
    if (!got) break;
    out.push({ type: got.record.contentType, length: got.record.fragment.length });
    at += got.size;
  }
  assert.equal(at, bytes.length, "the capture ends on a record boundary");
  return out;
}

describe("readRecord()", () => {
  test("reads the records of a captured TLS 1.2 client stream in order", () => {
    const records = allRecords(loadStream(SCENARIOS.tls12, "client"));
    assert.deepEqual(
      records.map((r) => contentTypeName(r.type)),
      [
        "handshake", // ClientHello
        "handshake", // Certificate
        "handshake", // ClientKeyExchange
        "handshake", // CertificateVerify
        "change_cipher_spec",
        "handshake", // Finished (encrypted)
        "application_data",
        "alert", // close_notify
      ],
    );
  });

  test("returns views into the input, not copies", () => {
    const bytes = loadStream(SCENARIOS.tls12, "server");
    const got = readRecord(bytes)!;
    assert.equal(got.record.raw.buffer, bytes.buffer);
    assert.equal(got.record.fragment.byteOffset, bytes.byteOffset + 5);
    assert.equal(got.record.version, 0x0303);
    assert.equal(got.record.contentType, ContentType.handshake);
  });

  test("returns null when the header or the fragment is incomplete", () => {
    const bytes = loadStream(SCENARIOS.tls12, "client");
    assert.equal(readRecord(bytes.subarray(0, 3)), null);
    assert.equal(readRecord(bytes.subarray(0, 5)), null);
    assert.equal(readRecord(new Uint8Array(0)), null);
  });

  test("reports an unknown content type with its offset", () => {
    const bytes = Uint8Array.of(0, 0, 0, 0x16, 3, 3, 0, 0);
    assert.throws(() => readRecord(Uint8Array.of(0x47, 0x45, 0x54, 0x20, 0x2f), 0), {
      name: "ParseError",
      reason: "Invalid TLS record header: content type 71, expected one of 20-24",
    });
    assert.throws(
      () => readRecord(bytes, 1),
      (e: unknown) => e instanceof ParseError && e.offset === 1,
    );
  });

  test("reports a major version other than 3 and an oversized length", () => {
    assert.throws(() => readRecord(Uint8Array.of(22, 2, 0)), /expected major version 3/);
    assert.throws(
      () => readRecord(Uint8Array.of(22, 3, 3, 0x48, 0x01)),
      /exceeds the 18432-byte limit/,
    );
  });
});

describe("RecordFramer", () => {
  test("frames a stream pushed byte by byte like the whole stream", () => {
    const bytes = loadStream(SCENARIOS.tls13, "server");
    const whole = new RecordFramer().push(bytes);
    const framer = new RecordFramer();
    const pieces = [];
    for (let i = 0; i < bytes.length; i++) pieces.push(...framer.push(bytes.subarray(i, i + 1)));
    assert.deepEqual(
      pieces.map((r) => [...r.raw]),
      whole.map((r) => [...r.raw]),
    );
    assert.equal(framer.buffered, 0);
    assert.equal(framer.consumed, bytes.length);
  });

  test("returns views when a record lies inside one chunk", () => {
    const bytes = loadStream(SCENARIOS.tls12, "server");
    const [first] = new RecordFramer().push(bytes);
    assert.equal(first!.raw.buffer, bytes.buffer);
  });

  test("own() copies only an unfinished record, so the pushed chunk can be overwritten", () => {
    const bytes = loadStream(SCENARIOS.tls13, "server");
    const whole = new RecordFramer().push(bytes);
    const framer = new RecordFramer();
    const got: number[][] = [];
    const scratch = new Uint8Array(1000);
    for (let at = 0; at < bytes.length; at += scratch.length) {
      const piece = bytes.subarray(at, at + scratch.length);
      scratch.set(piece);
      const records = framer.push(scratch.subarray(0, piece.length));
      got.push(...records.map((r) => [...r.raw]));
      framer.own();
      scratch.fill(0xee); // the caller reuses its buffer
    }
    assert.deepEqual(
      got,
      whole.map((r) => [...r.raw]),
    );
    assert.equal(framer.buffered, 0);
  });

  test("reports a bad header with its offset in the stream and stays failed", () => {
    const good = loadStream(SCENARIOS.tls12, "client");
    const first = readRecord(good)!;
    const framer = new RecordFramer();
    framer.push(good.subarray(0, first.size));
    assert.throws(
      () => framer.push(Uint8Array.of(0x50, 0x4f)),
      (e: unknown) => {
        return e instanceof ParseError && e.offset === first.size;
      },
    );
    assert.throws(() => framer.push(good), ParseError);
  });

  test("any split of a stream into chunks yields the same records", () => {
    const bytes = loadStream(SCENARIOS.fragmented, "server");
    const expected = new RecordFramer().push(bytes).map((r) => [...r.raw].join());
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 30 }),
        (cuts) => {
          const points = [...new Set(cuts)].sort((a, b) => a - b);
          const framer = new RecordFramer();
          const got: string[] = [];
          let prev = 0;
          for (const p of [...points, bytes.length]) {
            for (const r of framer.push(bytes.subarray(prev, p))) got.push([...r.raw].join());
            prev = p;
          }
          assert.deepEqual(got, expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  test("any mutation yields records or a ParseError, never another exception", () => {
    const bytes = loadStream(SCENARIOS.tls12, "client");
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), {
          maxLength: 8,
        }),
        (edits) => {
          const copy = bytes.slice();
          for (const [at, v] of edits) copy[at] = v;
          try {
            new RecordFramer().push(copy);
          } catch (e) {
            assert.ok(e instanceof ParseError, String(e));
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
