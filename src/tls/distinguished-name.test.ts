import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ParseError } from "../errors.ts";
import { distinguishedNameToString } from "./distinguished-name.ts";

function hex(s: string): Uint8Array {
  return Uint8Array.from(s.match(/../g)!.map((b) => Number.parseInt(b, 16)));
}

// The subject Name of `openssl req -x509 -subj "/C=US/O=Example, Inc./CN=client-1"`
const NAME = hex(
  "3038310b300906035504061302555331163014060355040a0c0d457861" +
    "6d706c652c20496e632e3111300f06035504030c08636c69656e742d31",
);

test("distinguishedNameToString() gives RFC 4514 order and escaping", () => {
  assert.equal(distinguishedNameToString(NAME), "CN=client-1,O=Example\\, Inc.,C=US");
});

test("distinguishedNameToString() formats an empty Name as an empty string", () => {
  assert.equal(distinguishedNameToString(Uint8Array.of(0x30, 0)), "");
});

test("distinguishedNameToString() reports a non-SEQUENCE with its offset", () => {
  assert.throws(
    () => distinguishedNameToString(Uint8Array.of(0x31, 0), 10),
    (e: unknown) => {
      return e instanceof ParseError && e.offset === 10;
    },
  );
});

test("distinguishedNameToString() never throws anything but ParseError on mutated input", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(NAME.length - 1), fc.integer({ min: 0, max: 255 })), {
        maxLength: 5,
      }),
      (edits) => {
        const bytes = NAME.slice();
        for (const [at, v] of edits) bytes[at] = v;
        try {
          distinguishedNameToString(bytes);
        } catch (e) {
          assert.ok(e instanceof ParseError, String(e));
        }
      },
    ),
    { numRuns: 300 },
  );
});
