import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ParseError } from "../errors.ts";
import { ConnectionDissector } from "./connection-dissector.ts";
import type { AnalyzerEvent } from "./events.ts";
import { TsharkFieldsWriter } from "./tshark-fields.ts";

function record(type: number, body: number[], version = 0x0303): number[] {
  return [type, version >> 8, version & 255, body.length >> 8, body.length & 255, ...body];
}
function handshake(type: number, body: number[]): number[] {
  return [type, 0, body.length >> 8, body.length & 255, ...body];
}
const clientHello = handshake(1, [
  3,
  3,
  ...new Array(32).fill(7),
  0,
  0,
  4,
  0x13,
  0x01,
  0xc0,
  0x2c,
  1,
  0,
]);
function serverHello(suite: number, supportedVersion?: number): number[] {
  const ext =
    supportedVersion === undefined
      ? []
      : [0, 43, 0, 2, supportedVersion >> 8, supportedVersion & 255];
  return handshake(2, [
    3,
    3,
    ...new Array(32).fill(9),
    0,
    suite >> 8,
    suite & 255,
    0,
    0,
    ext.length,
    ...ext,
  ]);
}

function fields(events: AnalyzerEvent[]): string {
  const w = new TsharkFieldsWriter();
  w.add(events);
  return w.flush();
}

describe("ConnectionDissector", () => {
  it("reads a TLS 1.2 handshake and stops at ChangeCipherSpec", () => {
    const d = new ConnectionDissector(0);
    const events = [
      ...d.data(0, Uint8Array.from(record(22, clientHello, 0x0301)), 1),
      ...d.data(
        1,
        Uint8Array.from([
          ...record(22, serverHello(0xc02c)),
          ...record(20, [1]),
          ...record(22, [1, 2, 3]),
        ]),
        2,
      ),
      ...d.data(0, Uint8Array.from([...record(20, [1]), ...record(21, [9, 9, 9, 9])]), 3),
    ];
    assert.equal(
      fields(events),
      "1\t0\t0x0301\t22\t1\t0x1301,0xc02c\t\n" +
        "2\t0\t0x0303,0x0303,0x0303\t22,20,22\t2\t0xc02c\t\n" +
        "3\t0\t0x0303,0x0303\t20,21\t\t\t\n",
    );
    assert.equal(d.tls13, false);
  });

  it("hides the content type of TLS 1.3 protected records and keeps plaintext alerts", () => {
    const d = new ConnectionDissector(4);
    d.data(0, Uint8Array.from(record(22, clientHello, 0x0301)), 1);
    const events = d.data(
      1,
      Uint8Array.from([
        ...record(22, serverHello(0x1301, 0x0304)),
        ...record(20, [1]),
        ...record(23, [1, 2, 3]),
      ]),
      2,
    );
    assert.equal(fields(events), "2\t4\t0x0303,0x0303,0x0303\t22,20\t2\t0x1301\t\n");
    assert.equal(
      fields(d.data(0, Uint8Array.from(record(21, [2, 40])), 3)),
      "3\t4\t0x0303\t21\t\t\t40\n",
    );
  });

  it("does not start encryption on a ChangeCipherSpec sent before any ServerHello", () => {
    const d = new ConnectionDissector(0);
    const events = d.data(0, Uint8Array.from([...record(20, [1]), ...record(22, clientHello)]), 5);
    assert.equal(fields(events), "5\t0\t0x0303,0x0303\t20,22\t1\t0x1301,0xc02c\t\n");
  });

  it("reports a frame where a record starts but does not end, and the frame where it ends", () => {
    const d = new ConnectionDissector(0);
    const bytes = Uint8Array.from(record(22, clientHello));
    const events = [...d.data(0, bytes.subarray(0, 10), 7), ...d.data(0, bytes.subarray(10), 8)];
    assert.equal(fields(events), "7\t0\t\t\t\t\t\n8\t0\t0x0303\t22\t1\t0x1301,0xc02c\t\n");
  });

  it("resynchronises at the next record header after a gap", () => {
    const d = new ConnectionDissector(0);
    const hello = Uint8Array.from(record(22, clientHello));
    d.data(0, hello.subarray(0, 20), 1);
    const warnings = d.gap(0, 2, 30);
    assert.match(warnings[0]!.kind === "warning" ? warnings[0]!.message : "", /resynchronising/);
    const tail = hello.subarray(50);
    const events = d.data(0, Uint8Array.from([...tail, ...record(21, [1, 0])]), 3);
    assert.equal(fields(events), "3\t0\t0x0303\t21\t\t\t0\n");
  });

  it("end() reports a direction that stops inside a record, marking it cut", () => {
    const d = new ConnectionDissector(3);
    const hello = Uint8Array.from(record(22, clientHello));
    d.data(0, hello.subarray(0, 20), 1);
    assert.deepEqual(d.end(0, 4), [
      {
        kind: "warning",
        frame: 4,
        stream: 3,
        message: "Connection ends inside a TLS record from the client (20 bytes of it captured)",
        cut: 0,
      },
    ]);
    assert.deepEqual(d.end(1, 4), []);
    const whole = new ConnectionDissector(0);
    whole.data(0, hello, 1);
    assert.deepEqual(whole.end(0, 2), []);
  });

  it("marks gap warnings with the direction that lost bytes", () => {
    const d = new ConnectionDissector(0);
    d.data(1, Uint8Array.from(record(22, clientHello)), 1);
    const [w] = d.gap(1, 2, 30);
    assert.equal(w?.kind === "warning" ? w.cut : undefined, 1);
  });

  it("ignores connections that do not start with a TLS record", () => {
    const d = new ConnectionDissector(0);
    assert.deepEqual(d.data(0, new TextEncoder().encode("GET / HTTP/1.1\r\n"), 1), []);
    assert.deepEqual(d.data(1, Uint8Array.from(record(22, clientHello)), 2), []);
    assert.equal(d.isTls, false);
  });

  it("reads an SSL 2.0 CLIENT-HELLO and reports version 0x0002", () => {
    const d = new ConnectionDissector(0);
    const hello = [1, 0, 2, 0, 3, 0, 0, 0, 16, 1, 0, 0x80, ...new Array(16).fill(1)];
    const events = d.data(
      0,
      Uint8Array.from([0x80 | (hello.length >> 8), hello.length & 255, ...hello]),
      4,
    );
    assert.equal(fields(events), "4\t0\t0x0002\t\t1\t\t\n");
  });

  it("turns any byte string into events or warnings, never an exception", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
        const d = new ConnectionDissector(0);
        try {
          d.data(0, Uint8Array.from([...record(22, clientHello), ...a]), 1);
          d.data(1, b, 2);
        } catch (e) {
          assert.fail(`threw ${e instanceof ParseError ? "ParseError" : String(e)}`);
        }
      }),
    );
  });
});

describe("ConnectionDissector on a connection captured mid-stream", () => {
  const appData = (n: number, fill: number) => record(23, new Array(n).fill(fill));
  // The capture starts 7 bytes into a 100-byte record; two whole records follow.
  const stream = Uint8Array.from([
    ...appData(100, 1).slice(7),
    ...appData(30, 2),
    ...appData(40, 3),
  ]);
  const records = (events: AnalyzerEvent[]) =>
    events.flatMap((e) => (e.kind === "record" ? [[e.contentType, e.length]] : []));

  it("skips to the first record header and says how many bytes it skipped", () => {
    const d = new ConnectionDissector(0, { midstream: true });
    const events = d.data(1, stream, 1);
    assert.deepEqual(records(events), [
      [23, 30],
      [23, 40],
    ]);
    const warning = events.find((e) => e.kind === "warning");
    assert.match(
      warning?.kind === "warning" ? warning.message : "",
      /^Direction 1 starts inside a TLS record \(capture started mid-connection\): skipped 98 bytes/,
    );
    assert.equal(d.isTls, true);
  });

  it("gives a connection whose SYN was seen up when it does not start with a record", () => {
    const d = new ConnectionDissector(0);
    assert.deepEqual(records(d.data(1, stream, 1)), []);
    assert.equal(d.isTls, false);
  });

  it("with forceTls (--decode-as) keeps looking for a header in the bytes that follow", () => {
    const d = new ConnectionDissector(0, { forceTls: true });
    assert.deepEqual(records(d.data(0, Uint8Array.from([0x47, 0x45, 0x54, 0x20]), 1)), []);
    assert.deepEqual(records(d.data(0, Uint8Array.from(appData(30, 2)), 2)), [[23, 30]]);
    assert.equal(d.isTls, true);
  });

  it("judges a mid-stream connection not TLS after 64 KiB without a record header", () => {
    const d = new ConnectionDissector(0, { midstream: true });
    const text = new TextEncoder().encode("HTTP/1.1 200 OK\r\n".repeat(4000)); // 68 kB
    assert.deepEqual(records(d.data(1, text, 1)), []);
    assert.deepEqual(records(d.data(1, Uint8Array.from(appData(30, 2)), 2)), []);
    assert.equal(d.isTls, false);
  });
});
