import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ParseError } from "../errors.ts";
import { PP2_SIGNATURE } from "./constants.ts";
import { decodeProxyHeader, formatIpv6, isIpv4, isIpv6, type ProxyDecodeResult } from "./decode.ts";

const ascii = (s: string) => new TextEncoder().encode(s);

function v2(verCmd: number, fam: number, body: readonly number[]): Uint8Array {
  return Uint8Array.from([
    ...PP2_SIGNATURE,
    verCmd,
    fam,
    body.length >> 8,
    body.length & 0xff,
    ...body,
  ]);
}

function header(r: ProxyDecodeResult) {
  assert.equal(r.kind, "header");
  return r.kind === "header" ? r : assert.fail("unreachable");
}

test("decodeProxyHeader() reads a v1 TCP4 header and the size it used", () => {
  const bytes = ascii("PROXY TCP4 192.0.2.1 198.51.100.2 51000 443\r\n\x16\x03\x01");
  const r = header(decodeProxyHeader(bytes));
  assert.equal(r.size, bytes.length - 3);
  assert.equal(r.header.version, 1);
  assert.equal(r.header.family, "TCP4");
  assert.deepEqual(r.header.source, { address: "192.0.2.1", port: 51000 });
  assert.deepEqual(r.header.destination, { address: "198.51.100.2", port: 443 });
  assert.equal(r.header.raw.length, r.size);
});

test("decodeProxyHeader() reads a v1 TCP6 header and keeps the address text as sent", () => {
  const r = header(decodeProxyHeader(ascii("PROXY TCP6 2001:DB8::1 ::ffff:10.0.0.1 1 65535\r\n")));
  assert.deepEqual(r.header.source, { address: "2001:DB8::1", port: 1 });
  assert.deepEqual(r.header.destination, { address: "::ffff:10.0.0.1", port: 65535 });
});

test("decodeProxyHeader() reads v1 UNKNOWN with anything after it, without addresses", () => {
  const r = header(decodeProxyHeader(ascii("PROXY UNKNOWN ffff::1 whatever\r\n")));
  assert.equal(r.header.family, "UNKNOWN");
  assert.equal(r.header.source, undefined);
});

test("decodeProxyHeader() asks for more bytes while a v1 header is incomplete", () => {
  assert.deepEqual(decodeProxyHeader(ascii("")), { kind: "more", needed: 1 });
  assert.deepEqual(decodeProxyHeader(ascii("PRO")), { kind: "more", needed: 4 });
  assert.deepEqual(decodeProxyHeader(ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r")), {
    kind: "more",
    needed: 32,
  });
});

test("decodeProxyHeader() rejects broken v1 headers with the offset of the bad byte", () => {
  const cases: [string, string, number][] = [
    ["GET / HTTP/1.1\r\n", 'first byte 0x47, expected "P" (v1) or 0x0d', 0],
    ["PROXI TCP4", 'byte 0x49, expected "Y"', 4],
    ["PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", 'protocol "TCP5"', 6],
    ["PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", "3 fields after TCP4", 10],
    ["PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n", "5 fields after TCP4", 10],
    ["PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n", 'source address "1.2.3.256"', 11],
    ["PROXY TCP4 ::1 5.6.7.8 1 2\r\n", 'source address "::1", expected an IPv4', 11],
    ["PROXY TCP6 ::1 5.6.7.8 1 2\r\n", 'destination address "5.6.7.8", expected an IPv6', 15],
    ["PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", 'source port "65536"', 27],
    ["PROXY TCP4 1.2.3.4 5.6.7.8 1 -2\r\n", 'destination port "-2"', 29],
    ["PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX", "byte 0x58 after CR, expected LF", 31],
    ["PROXY TCP4 1.2.3.4\n", "byte 0x0a, expected printable", 18],
    [`PROXY UNKNOWN ${"x".repeat(100)}`, "no CRLF in the first 107 bytes", 106],
  ];
  for (const [input, message, offset] of cases) {
    assert.throws(
      () => decodeProxyHeader(ascii(input)),
      (e: unknown) => e instanceof ParseError && e.reason.includes(message) && e.offset === offset,
      JSON.stringify(input),
    );
  }
});

test("decodeProxyHeader() reads a v2 PROXY TCP4 header with its TLVs", () => {
  const bytes = v2(
    0x21,
    0x11,
    [192, 0, 2, 1, 198, 51, 100, 2, 0xc7, 0x38, 0x01, 0xbb, 1, 0, 2, 0x68, 0x32],
  );
  const r = header(decodeProxyHeader(bytes));
  assert.equal(r.size, bytes.length);
  assert.equal(r.header.version, 2);
  assert.equal(r.header.command, "PROXY");
  assert.deepEqual(r.header.source, { address: "192.0.2.1", port: 51000 });
  assert.deepEqual(r.header.destination, { address: "198.51.100.2", port: 443 });
  assert.deepEqual(
    r.header.tlvs.map((t) => [t.type, new TextDecoder().decode(t.value)]),
    [[1, "h2"]],
  );
});

test("decodeProxyHeader() reads a v2 TCP6 header and prints the addresses as RFC 5952", () => {
  const src = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
  const dst = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1];
  const r = header(decodeProxyHeader(v2(0x21, 0x21, [...src, ...dst, 0, 80, 1, 0])));
  assert.deepEqual(r.header.source, { address: "2001:db8::1", port: 80 });
  assert.deepEqual(r.header.destination, { address: "::ffff:10.0.0.1", port: 256 });
});

test("decodeProxyHeader() reads v2 LOCAL without addresses, whatever the family", () => {
  const r = header(decodeProxyHeader(v2(0x20, 0x00, [])));
  assert.equal(r.header.command, "LOCAL");
  assert.equal(r.header.source, undefined);
  const odd = header(decodeProxyHeader(v2(0x20, 0x77, [1, 2, 3])));
  assert.equal(odd.header.command, "LOCAL");
  assert.equal(odd.size, 19);
});

test("decodeProxyHeader() rejects broken v2 headers", () => {
  const cases: [Uint8Array, string, number][] = [
    [
      Uint8Array.of(0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0b),
      "signature byte 11",
      11,
    ],
    [v2(0x11, 0x11, []), "version 1, expected 2", 12],
    [v2(0x22, 0x11, []), "command 2", 12],
    [v2(0x21, 0x13, []), "family and transport 0x13", 13],
    [v2(0x21, 0x11, [1, 2, 3]), "length 3 is shorter than the 12-byte TCP4 address block", 14],
    [v2(0x21, 0x11, [...new Array(12).fill(0), 1, 0]), "needs 3 header bytes, 2 remaining", 28],
    [
      v2(0x21, 0x11, [...new Array(12).fill(0), 1, 0, 9]),
      "type 0x01 length 9, 0 bytes remaining",
      29,
    ],
  ];
  for (const [input, message, offset] of cases) {
    assert.throws(
      () => decodeProxyHeader(input),
      (e: unknown) => e instanceof ParseError && e.reason.includes(message) && e.offset === offset,
      message,
    );
  }
});

test("decodeProxyHeader() asks for the whole v2 header once its length is known", () => {
  const bytes = v2(0x21, 0x11, new Array(12).fill(1));
  assert.deepEqual(decodeProxyHeader(bytes.subarray(0, 5)), { kind: "more", needed: 16 });
  assert.deepEqual(decodeProxyHeader(bytes.subarray(0, 16)), { kind: "more", needed: 28 });
  assert.deepEqual(decodeProxyHeader(bytes.subarray(0, 27)), { kind: "more", needed: 28 });
});

test("formatIpv6() compresses the longest zero run, the first on a tie", () => {
  const b = (groups: number[]) => Uint8Array.from(groups.flatMap((g) => [g >> 8, g & 0xff]));
  assert.equal(formatIpv6(b([1, 0, 0, 2, 0, 0, 0, 3])), "1:0:0:2::3");
  assert.equal(formatIpv6(b([1, 0, 0, 2, 0, 0, 3, 4])), "1::2:0:0:3:4");
  assert.equal(formatIpv6(b([1, 0, 2, 3, 4, 5, 6, 7])), "1:0:2:3:4:5:6:7");
  assert.equal(formatIpv6(b([0, 0, 0, 0, 0, 0, 0, 0])), "::");
  assert.equal(formatIpv6(b([0, 0, 0, 0, 0, 0, 0, 1])), "::1");
});

test("isIpv4() and isIpv6() accept address text and refuse the rest", () => {
  for (const s of ["0.0.0.0", "255.255.255.255", "10.0.0.1"]) assert.ok(isIpv4(s), s);
  for (const s of ["01.0.0.1", "1.2.3", "1.2.3.4.5", "256.0.0.1", ""]) assert.ok(!isIpv4(s), s);
  for (const s of [
    "::",
    "::1",
    "1::",
    "2001:db8::1",
    "1:2:3:4:5:6:7:8",
    "::ffff:1.2.3.4",
    "1:2:3:4:5:6:1.2.3.4",
  ])
    assert.ok(isIpv6(s), s);
  for (const s of [
    ":::",
    "1:2:3:4:5:6:7:8:9",
    "1::2::3",
    "12345::",
    "1.2.3.4",
    "::1.2.3",
    "g::1",
    ":1",
  ])
    assert.ok(!isIpv6(s), s);
});

/** Encodes test headers independently of the decoder. */
const arbIpv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
const arbHeaderBytes = fc.oneof(
  fc
    .record({ s: arbIpv4, d: arbIpv4, sp: fc.nat(65535), dp: fc.nat(65535) })
    .map(({ s, d, sp, dp }) => ascii(`PROXY TCP4 ${s.join(".")} ${d.join(".")} ${sp} ${dp}\r\n`)),
  fc
    .record({
      s: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      d: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      sp: fc.nat(65535),
      dp: fc.nat(65535),
      tlv: fc.uint8Array({ maxLength: 40 }),
    })
    .map(({ s, d, sp, dp, tlv }) =>
      v2(0x21, 0x21, [
        ...s,
        ...d,
        sp >> 8,
        sp & 0xff,
        dp >> 8,
        dp & 0xff,
        0xe0,
        0,
        tlv.length,
        ...tlv,
      ]),
    ),
);

test("decodeProxyHeader() asks for more on every proper prefix of a header and reads the whole the same", () => {
  fc.assert(
    fc.property(arbHeaderBytes, fc.uint8Array({ maxLength: 8 }), (h, tail) => {
      const whole = Uint8Array.from([...h, ...tail]);
      const r = header(decodeProxyHeader(whole));
      assert.equal(r.size, h.length);
      for (let n = 0; n < h.length; n++) {
        const p = decodeProxyHeader(whole.subarray(0, n));
        assert.equal(p.kind, "more");
        if (p.kind === "more") assert.ok(p.needed > n && p.needed <= h.length);
      }
    }),
  );
});

test("decodeProxyHeader() returns a value or throws a ParseError for any bytes and any mutation", () => {
  const check = (bytes: Uint8Array) => {
    try {
      const r = decodeProxyHeader(bytes);
      if (r.kind === "more") assert.ok(r.needed > bytes.length);
      else assert.ok(r.size <= bytes.length);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { numRuns: 500 });
  fc.assert(
    fc.property(arbHeaderBytes, fc.nat(), fc.nat(255), (h, at, value) => {
      const m = Uint8Array.from(h);
      m[at % m.length] = value;
      check(m);
    }),
    { numRuns: 500 },
  );
});
