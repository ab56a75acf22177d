import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PP2_SIGNATURE } from "../proxy-protocol/constants.ts";
import { ConnectionDissector } from "./connection-dissector.ts";
import type { AnalyzerEvent } from "./events.ts";
import { readProxyPrefix } from "./proxy-protocol-prefix.ts";

const ascii = (s: string) => new TextEncoder().encode(s);
const V1 = ascii("PROXY TCP4 192.0.2.1 192.0.2.2 5000 443\r\n");
/** A v2 PROXY/TCP4 header: 192.0.2.1:5000 -> 192.0.2.2:443. */
const V2 = Uint8Array.of(
  ...PP2_SIGNATURE,
  0x21,
  0x11,
  0,
  12,
  192,
  0,
  2,
  1,
  192,
  0,
  2,
  2,
  0x13,
  0x88,
  1,
  0xbb,
);
/** A TLS record holding the start of a ClientHello (type 22, 0x0301). */
const HELLO = Uint8Array.of(0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe("readProxyPrefix", () => {
  it("reads a v1 line and a v2 header with the size they take", () => {
    const one = readProxyPrefix(concat(V1, HELLO));
    assert.equal(one.kind === "header" && one.size, V1.length);
    const two = readProxyPrefix(concat(V2, HELLO));
    assert.equal(two.kind, "header");
    if (two.kind === "header") {
      assert.equal(two.size, V2.length);
      assert.deepEqual(two.header.source, { address: "192.0.2.1", port: 5000 });
    }
  });

  it("waits for more while the bytes begin like a header", () => {
    assert.equal(readProxyPrefix(ascii("PRO")).kind, "more");
    assert.equal(readProxyPrefix(V1.subarray(0, 30)).kind, "more");
    assert.equal(readProxyPrefix(V2.subarray(0, 5)).kind, "more");
    assert.equal(readProxyPrefix(V2.subarray(0, 20)).kind, "more");
  });

  it("says none for TLS, HTTP and a line with no CRLF in 107 bytes", () => {
    assert.equal(readProxyPrefix(HELLO).kind, "none");
    assert.equal(readProxyPrefix(ascii("GET / HTTP/1.1\r\n")).kind, "none");
    assert.equal(readProxyPrefix(ascii(`PROXY ${"A".repeat(120)}`)).kind, "none");
  });

  it("frames an invalid v1 line by its CRLF and says why", () => {
    const r = readProxyPrefix(ascii("PROXY TCP4 999.0.0.1 127.0.0.1 5555 443\r\n\x16"));
    assert.equal(r.kind, "invalid");
    if (r.kind === "invalid") {
      assert.equal(r.size, 41);
      assert.match(r.message, /999\.0\.0\.1/);
    }
  });
});

describe("ConnectionDissector with a PROXY protocol header", () => {
  for (const [name, header] of [
    ["v1", V1],
    ["v2", V2],
  ] as const) {
    it(`skips a ${name} header split over three chunks and dissects the TLS after it`, () => {
      const d = new ConnectionDissector(0);
      const bytes = concat(header, HELLO);
      const events: AnalyzerEvent[] = [
        ...d.data(0, bytes.subarray(0, 3), 4),
        ...d.data(0, bytes.subarray(3, header.length - 1), 5),
        ...d.data(0, bytes.subarray(header.length - 1), 6),
      ];
      assert.deepEqual(
        events.map((e) => [e.kind, e.frame]),
        [
          ["proxy-protocol", 6],
          ["record", 6],
        ],
      );
      const p = events[0]!;
      assert.equal(p.kind === "proxy-protocol" && p.version, name === "v1" ? 1 : 2);
      assert.equal(p.kind === "proxy-protocol" && p.length, header.length);
      assert.equal(d.isTls, true);
    });
  }

  it("leaves a connection that only looks like a PROXY header as not TLS", () => {
    const d = new ConnectionDissector(0);
    assert.deepEqual(d.data(0, ascii("PROXY is not a header here\n"), 4), []);
    assert.equal(d.isTls, false);
  });
});
