import assert from "node:assert/strict";
import { test } from "node:test";
import { crc32c } from "./crc32c.ts";
import { encodeProxyV1, encodeProxyV2 } from "./encode.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const SIG = "0d0a0d0a000d0a515549540a";
const ascii = (s: string) => Buffer.from(s, "latin1").toString("hex");

test("crc32c() gives the Castagnoli check value for 123456789", () => {
  assert.equal(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
});

test("encodeProxyV2() writes an IPv4 PROXY header as the spec lays it out", () => {
  const b = encodeProxyV2({
    addresses: {
      sourceAddress: "192.0.2.7",
      destinationAddress: "198.51.100.1",
      sourcePort: 51000,
      destinationPort: 443,
    },
  });
  // ver_cmd 0x21 (v2, PROXY), fam 0x11 (AF_INET, STREAM), len 12, src, dst, sport, dport.
  assert.equal(hex(b), `${SIG}2111000cc0000207c6336401c73801bb`);
});

test("encodeProxyV2() writes IPv6 addresses in 36 bytes, :: and embedded IPv4 expanded", () => {
  const b = encodeProxyV2({
    addresses: {
      sourceAddress: "2001:db8::7",
      destinationAddress: "::ffff:192.0.2.1",
      sourcePort: 1,
      destinationPort: 65535,
    },
  });
  assert.equal(
    hex(b),
    `${SIG}21210024` +
      "20010db8000000000000000000000007" +
      "00000000000000000000ffffc0000201" +
      "0001ffff",
  );
});

test("encodeProxyV2() writes a LOCAL header with AF_UNSPEC and no address block", () => {
  assert.equal(hex(encodeProxyV2({ command: "LOCAL" })), `${SIG}20000000`);
  assert.equal(hex(encodeProxyV2({})), `${SIG}21000000`);
});

test("encodeProxyV2() writes AUTHORITY and the SSL TLV with client flags, verify and sub-TLVs", () => {
  const b = encodeProxyV2({
    addresses: {
      sourceAddress: "127.0.0.1",
      destinationAddress: "127.0.0.1",
      sourcePort: 2,
      destinationPort: 3,
    },
    authority: "db.test",
    ssl: {
      certConn: true,
      certSess: true,
      verify: 0,
      version: "TLSv1.3",
      cn: "client-1",
      cipher: "X",
      sigAlg: "SHA256",
      keyAlg: "EC256",
    },
  });
  const ssl =
    "07" + // PP2_CLIENT_SSL | PP2_CLIENT_CERT_CONN | PP2_CLIENT_CERT_SESS
    "00000000" + // verify: 0 = verified
    `210007${ascii("TLSv1.3")}` +
    `220008${ascii("client-1")}` +
    `230001${ascii("X")}` +
    `240006${ascii("SHA256")}` +
    `250005${ascii("EC256")}`;
  const sslLen = ssl.length / 2;
  const tlvs = `020007${ascii("db.test")}20${sslLen.toString(16).padStart(4, "0")}${ssl}`;
  const len = 12 + tlvs.length / 2;
  assert.equal(
    hex(b),
    `${SIG}2111${len.toString(16).padStart(4, "0")}7f0000017f00000100020003${tlvs}`,
  );
});

test("encodeProxyV2() sets only PP2_CLIENT_SSL and a non-zero verify for a client without certificate", () => {
  const b = encodeProxyV2({ ssl: { certConn: false, certSess: false } });
  assert.equal(hex(b), `${SIG}21000008200005${"01"}00000001`);
});

test("encodeProxyV2() appends a CRC32C TLV computed over the header with the field zeroed", () => {
  const b = encodeProxyV2({
    addresses: {
      sourceAddress: "10.0.0.1",
      destinationAddress: "10.0.0.2",
      sourcePort: 1000,
      destinationPort: 2000,
    },
    authority: "x",
    crc32c: true,
  });
  const crcAt = b.length - 4;
  assert.equal(hex(b.subarray(crcAt - 3, crcAt)), "030004");
  const zeroed = Uint8Array.from(b);
  zeroed.fill(0, crcAt);
  const stored = new DataView(b.buffer, b.byteOffset).getUint32(crcAt);
  assert.equal(stored, crc32c(zeroed));
  assert.equal(b[15], b.length - 16);
});

test("encodeProxyV2() writes custom TLVs after the known ones", () => {
  const b = encodeProxyV2({ alpn: "h2", tlvs: [{ type: 0xe0, value: Uint8Array.of(9) }] });
  assert.equal(hex(b), `${SIG}21000009010002${ascii("h2")}e0000109`);
});

test("encodeProxyV2() refuses mixed families, bad addresses, ports and oversized values", () => {
  const a = { sourcePort: 1, destinationPort: 2 };
  assert.throws(
    () =>
      encodeProxyV2({ addresses: { ...a, sourceAddress: "::1", destinationAddress: "127.0.0.1" } }),
    /different families/,
  );
  for (const bad of ["1.2.3", "256.0.0.1", "1::2::3", "1:2:3:4:5:6:7:8:9", "host.test", "::g"]) {
    assert.throws(
      () => encodeProxyV2({ addresses: { ...a, sourceAddress: bad, destinationAddress: bad } }),
      RangeError,
      bad,
    );
  }
  assert.throws(
    () =>
      encodeProxyV2({
        addresses: {
          sourceAddress: "::1",
          destinationAddress: "::1",
          sourcePort: 70000,
          destinationPort: 1,
        },
      }),
    /source port: 70000, expecting 0 to 65535/,
  );
  assert.throws(() => encodeProxyV2({ uniqueId: new Uint8Array(129) }), /at most 128/);
  assert.throws(() => encodeProxyV2({ authority: "a".repeat(70000) }), /at most 65535/);
});

test("encodeProxyV1() writes nginx's TCP4, TCP6 and UNKNOWN lines", () => {
  assert.equal(
    encodeProxyV1({
      sourceAddress: "192.0.2.7",
      destinationAddress: "198.51.100.1",
      sourcePort: 51000,
      destinationPort: 443,
    }),
    "PROXY TCP4 192.0.2.7 198.51.100.1 51000 443\r\n",
  );
  assert.equal(
    encodeProxyV1({
      sourceAddress: "::1",
      destinationAddress: "::1",
      sourcePort: 40000,
      destinationPort: 8443,
    }),
    "PROXY TCP6 ::1 ::1 40000 8443\r\n",
  );
  assert.equal(encodeProxyV1(), "PROXY UNKNOWN\r\n");
  const longest = encodeProxyV1({
    sourceAddress: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    destinationAddress: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    sourcePort: 65535,
    destinationPort: 65535,
  });
  assert.ok(longest.length <= 107);
});
