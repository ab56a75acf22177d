import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MtlsError } from "../errors.ts";
import { commonNameOf, formatSubject, parseSubject, subjectToJsonName } from "./subject.ts";

describe("parseSubject", () => {
  it("reads comma-separated TYPE=value pairs in the order written", () => {
    assert.deepEqual(parseSubject("CN=localhost, O=Example Inc,C=us"), [
      { type: "CN", oid: "2.5.4.3", value: "localhost" },
      { type: "O", oid: "2.5.4.10", value: "Example Inc" },
      { type: "C", oid: "2.5.4.6", value: "US" },
    ]);
  });

  it("reads openssl's -subj form and long, case-insensitive type names", () => {
    assert.deepEqual(
      parseSubject("/commonName=api/organizationalUnitName=Ops/emailAddress=a@b.c"),
      [
        { type: "CN", oid: "2.5.4.3", value: "api" },
        { type: "OU", oid: "2.5.4.11", value: "Ops" },
        { type: "E", oid: "1.2.840.113549.1.9.1", value: "a@b.c" },
      ],
    );
  });

  it("honours backslash escapes for separators, equals signs and backslashes", () => {
    assert.deepEqual(
      parseSubject("CN=a\\,b\\=c\\\\d,O=x").map((a) => a.value),
      ["a,b=c\\d", "x"],
    );
    assert.deepEqual(
      parseSubject("/CN=a\\/b/O=#1").map((a) => a.value),
      ["a/b", "#1"],
    );
  });

  it("round-trips through formatSubject", () => {
    const subject = parseSubject("CN=a\\,b, O=x=y, L=Zürich");
    assert.equal(formatSubject(subject), "CN=a\\,b, O=x\\=y, L=Zürich");
    assert.deepEqual(parseSubject(formatSubject(subject)), subject);
  });

  const bad: [string, RegExp][] = [
    ["", /^Bad subject '': empty, expected TYPE=value pairs such as CN=localhost$/],
    ["CN", /^Bad subject 'CN': expected TYPE=value, found 'CN'$/],
    ["=x", /^Bad subject '=x': expected TYPE=value, found '=x'$/],
    ["CN=a,,O=b", /empty attribute/],
    [
      "XX=1",
      /unknown attribute type 'XX', expected one of CN, O, OU, C, ST, L, E, DC, serialNumber/,
    ],
    ["CN=", /^Bad subject 'CN=': CN is empty$/],
    ["C=USA", /C='USA' is not a two-letter ISO 3166 country code such as US/],
    [`CN=${"a".repeat(65)}`, /CN is 65 characters, at most 64 allowed \(RFC 5280\)/],
    ["CN=a\\", /ends with a lone backslash/],
  ];
  for (const [text, message] of bad) {
    it(`rejects ${JSON.stringify(text)} with one clear line`, () => {
      assert.throws(
        () => parseSubject(text),
        (e) => e instanceof MtlsError && e.code === "MTLS_PKI_BAD_INPUT" && message.test(e.message),
      );
    });
  }
});

describe("subjectToJsonName", () => {
  it("encodes names as UTF8String, C as PrintableString, E and DC as IA5String", () => {
    assert.deepEqual(subjectToJsonName(parseSubject("CN=#cafe,C=DE,E=a@b.c,DC=example")), [
      { "2.5.4.3": [{ utf8String: "#cafe" }] },
      { "2.5.4.6": [{ printableString: "DE" }] },
      { "1.2.840.113549.1.9.1": [{ ia5String: "a@b.c" }] },
      { "0.9.2342.19200300.100.1.25": [{ ia5String: "example" }] },
    ]);
  });
});

describe("commonNameOf", () => {
  it("returns the last CN, or undefined", () => {
    assert.equal(commonNameOf(parseSubject("CN=a,O=x,CN=b")), "b");
    assert.equal(commonNameOf(parseSubject("O=x")), undefined);
  });
});
