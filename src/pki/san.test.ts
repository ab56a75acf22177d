import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MtlsError } from "../errors.ts";
import {
  canonicalIp,
  formatSan,
  parseSanList,
  sanFromGeneralName,
  sanToGeneralName,
} from "./san.ts";

describe("parseSanList", () => {
  it("reads DNS, IP (v4 and v6), email and URI names in order", () => {
    assert.deepEqual(
      parseSanList("DNS:a,IP:127.0.0.1,IP:::1,email:x@y,URI:spiffe://example.org/ns/a/sa/b"),
      [
        { type: "DNS", value: "a" },
        { type: "IP", value: "127.0.0.1" },
        { type: "IP", value: "::1" },
        { type: "email", value: "x@y" },
        { type: "URI", value: "spiffe://example.org/ns/a/sa/b" },
      ],
    );
  });

  it("accepts any case in the type, lower-cases DNS names and canonicalizes IPv6", () => {
    assert.deepEqual(parseSanList("dns:WWW.Example.COM, ip:2001:DB8:0:0:0:0:0:1 ,Ip:[::1]"), [
      { type: "DNS", value: "www.example.com" },
      { type: "IP", value: "2001:db8::1" },
      { type: "IP", value: "::1" },
    ]);
  });

  it("keeps a wildcard as the whole first label and drops duplicates", () => {
    assert.deepEqual(parseSanList("DNS:*.example.com,DNS:*.EXAMPLE.com"), [
      { type: "DNS", value: "*.example.com" },
    ]);
  });

  const bad: [string, string][] = [
    ["FOO:bar", "Bad SAN 'FOO:bar': expected DNS:, IP:, email: or URI:"],
    ["localhost", "Bad SAN 'localhost': expected DNS:, IP:, email: or URI:"],
    ["DNS:", "Bad SAN 'DNS:': empty DNS value"],
    ["IP:1.2.3", "Bad SAN 'IP:1.2.3': '1.2.3' is not an IPv4 or IPv6 address"],
    ["IP:localhost", "Bad SAN 'IP:localhost': 'localhost' is not an IPv4 or IPv6 address"],
    [
      "DNS:a..b",
      "Bad SAN 'DNS:a..b': label '' is not a DNS label (letters, digits, inner hyphens; a '*' only as the whole first label)",
    ],
    [
      "DNS:a.*.b",
      "Bad SAN 'DNS:a.*.b': label '*' is not a DNS label (letters, digits, inner hyphens; a '*' only as the whole first label)",
    ],
    [
      "DNS:bücher.de",
      "Bad SAN 'DNS:bücher.de': not ASCII, write an internationalized name in its xn-- (punycode) form",
    ],
    ["email:nobody", "Bad SAN 'email:nobody': 'nobody' is not an email address (local@domain)"],
    ["URI:/relative", "Bad SAN 'URI:/relative': '/relative' is not an absolute URI (scheme:...)"],
    ["DNS:a,", "Bad SAN 'DNS:a,': empty entry (two commas in a row or a trailing comma?)"],
  ];
  for (const [text, message] of bad) {
    it(`rejects ${JSON.stringify(text)} saying what and where`, () => {
      assert.throws(
        () => parseSanList(text),
        (e) => e instanceof MtlsError && e.code === "MTLS_PKI_BAD_INPUT" && e.message === message,
      );
    });
  }
});

describe("SAN conversions", () => {
  it("round-trip through @peculiar/x509 GeneralName JSON and openssl text", () => {
    for (const san of parseSanList("DNS:a.b,IP:10.0.0.1,IP:fe80::1,email:a@b,URI:https://x/y")) {
      assert.deepEqual(sanFromGeneralName(sanToGeneralName(san)), san);
      assert.deepEqual(parseSanList(formatSan(san)), [san]);
    }
    assert.equal(sanFromGeneralName({ type: "dn", value: "CN=x" }), undefined);
  });

  it("canonicalIp compresses the longest zero run and rejects non-addresses", () => {
    assert.equal(canonicalIp("2001:0db8:0000:0000:0001:0000:0000:0001"), "2001:db8::1:0:0:1");
    assert.equal(canonicalIp("0:0:0:0:0:0:0:1"), "::1");
    assert.equal(canonicalIp("127.0.0.1"), "127.0.0.1");
    assert.equal(canonicalIp("01.2.3.4"), undefined);
    assert.equal(canonicalIp("host"), undefined);
  });
});
