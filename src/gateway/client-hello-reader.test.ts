import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import fc from "fast-check";
import { ja4 } from "../analyze/fingerprints.ts";
import { ClientHelloReader } from "./client-hello-reader.ts";

const STREAMS = ["01", "04a", "06a", "10", "11a"].map(
  (n) => new Uint8Array(readFileSync(new URL(`../tls/testdata/${n}.client.bin`, import.meta.url))),
);

function readAll(bytes: Uint8Array, cuts: readonly number[]) {
  const reader = new ClientHelloReader();
  let at = 0;
  let peek = reader.push(new Uint8Array(0));
  for (const cut of [...cuts, bytes.length]) {
    peek = reader.push(bytes.subarray(at, cut));
    at = cut;
  }
  return peek;
}

/** The first handshake record's ClientHello, re-framed into records of `size` bytes. */
function refragment(stream: Uint8Array, size: number): Uint8Array {
  const len = ((stream[3] as number) << 8) | (stream[4] as number);
  const body = stream.subarray(5, 5 + len);
  const out: number[] = [];
  for (let i = 0; i < body.length; i += size) {
    const part = body.subarray(i, i + size);
    out.push(0x16, 0x03, 0x01, part.length >> 8, part.length & 0xff, ...part);
  }
  return Uint8Array.from(out);
}

test("ClientHelloReader reads the ClientHello of recorded connections", () => {
  for (const s of STREAMS) {
    const peek = readAll(s, []);
    assert.equal(peek.kind, "hello");
  }
});

test("ClientHelloReader gives the same hello for any split into TCP segments and records", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...STREAMS),
      fc.integer({ min: 1, max: 600 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      (stream, recordSize, rawCuts) => {
        const whole = readAll(stream, []);
        const bytes = refragment(stream, recordSize);
        const cuts = [...new Set(rawCuts.map((c) => c % bytes.length))].sort((a, b) => a - b);
        const peek = readAll(bytes, cuts);
        assert.equal(peek.kind, "hello");
        if (peek.kind === "hello" && whole.kind === "hello") {
          assert.equal(ja4(peek.hello).hash, ja4(whole.hello).hash);
        }
      },
    ),
    { numRuns: 200 },
  );
});

test("ClientHelloReader says more until the last byte of the hello arrives", () => {
  const s = STREAMS[0] as Uint8Array;
  const size = 5 + (((s[3] as number) << 8) | (s[4] as number));
  const reader = new ClientHelloReader();
  for (let i = 0; i < size - 1; i++) assert.equal(reader.push(s.subarray(i, i + 1)).kind, "more");
  assert.equal(reader.push(s.subarray(size - 1, size)).kind, "hello");
});

test("ClientHelloReader refuses what is no ClientHello, with the reason", () => {
  const cases: [Uint8Array, string][] = [
    [new TextEncoder().encode("GET / HTTP/1.1\r\n"), "Invalid TLS record header: content type 71"],
    [Uint8Array.of(0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28), "record content type 21"],
    [
      Uint8Array.of(0x16, 0x03, 0x03, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00),
      "handshake message type 2",
    ],
    [
      Uint8Array.of(0x16, 0x03, 0x03, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x03),
      "Cannot read ClientHello: handshake ClientHello",
    ],
  ];
  for (const [bytes, reason] of cases) {
    const peek = new ClientHelloReader().push(bytes);
    assert.equal(peek.kind, "none");
    if (peek.kind === "none") assert.ok(peek.reason.includes(reason), peek.reason);
  }
});

test("ClientHelloReader gives up past its byte bound", () => {
  const reader = new ClientHelloReader({ maxBytes: 100 });
  // A handshake message announcing 60000 bytes, arriving in full records.
  const first = Uint8Array.of(
    0x16,
    0x03,
    0x01,
    0x00,
    0x40,
    0x01,
    0x00,
    0xea,
    0x60,
    ...new Array(60).fill(0),
  );
  const peek = reader.push(first);
  assert.equal(peek.kind, "none");
});

test("ClientHelloReader answers more, hello or none for any bytes, never throws", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(), (bytes, cut) => {
      const reader = new ClientHelloReader({ maxBytes: 300 });
      const c = bytes.length === 0 ? 0 : cut % bytes.length;
      reader.push(bytes.subarray(0, c));
      const peek = reader.push(bytes.subarray(c));
      assert.ok(["more", "hello", "none"].includes(peek.kind));
    }),
    { numRuns: 1000 },
  );
  fc.assert(
    fc.property(fc.constantFrom(...STREAMS), fc.nat(), fc.nat(255), (s, at, v) => {
      const m = Uint8Array.from(s.subarray(0, 600));
      m[at % m.length] = v;
      assert.ok(["more", "hello", "none"].includes(new ClientHelloReader().push(m).kind));
    }),
    { numRuns: 1000 },
  );
});
