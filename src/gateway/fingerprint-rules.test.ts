import assert from "node:assert/strict";
import { test } from "node:test";
import type { FingerprintRulesConfig } from "./config.ts";
import {
  type ClientFingerprints,
  fingerprintVerdict,
  JA3_HASH_RE,
  JA4_RE,
} from "./fingerprint-rules.ts";

const CURL: ClientFingerprints = {
  ja3: "771,4866-4867,0-11-10,29-23,0",
  ja3Hash: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  ja4: "t13d3112h2_e8f1e7e78f70_6bebaf5329ec",
};
const PY: ClientFingerprints = {
  ja3: "771,4866,0-11,29,0",
  ja3Hash: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
  ja4: "t13i301000_1ac5e0cb1ad5_c52f44b0d3e1",
};

function rules(r: Partial<FingerprintRulesConfig>): FingerprintRulesConfig {
  return { ja3Allow: [], ja3Deny: [], ja4Allow: [], ja4Deny: [], ...r };
}

test("fingerprintVerdict() allows everyone without lists", () => {
  assert.deepEqual(fingerprintVerdict(undefined, CURL), { kind: "allow" });
  assert.deepEqual(fingerprintVerdict(rules({}), undefined), { kind: "allow" });
});

test("fingerprintVerdict() refuses a JA3 hash or JA4 on a deny list and names the rule", () => {
  assert.deepEqual(fingerprintVerdict(rules({ ja4Deny: [CURL.ja4] }), CURL), {
    kind: "deny",
    rule: "mtls_ja4_deny",
    value: CURL.ja4,
  });
  assert.deepEqual(fingerprintVerdict(rules({ ja3Deny: [CURL.ja3Hash] }), CURL), {
    kind: "deny",
    rule: "mtls_ja3_deny",
    value: CURL.ja3Hash,
  });
  assert.deepEqual(fingerprintVerdict(rules({ ja4Deny: [CURL.ja4] }), PY), { kind: "allow" });
  assert.deepEqual(fingerprintVerdict(rules({ ja4Deny: [CURL.ja4] }), undefined), {
    kind: "allow",
  });
});

test("fingerprintVerdict() with allow lists admits a client on either and refuses the rest", () => {
  const r = rules({ ja3Allow: [PY.ja3Hash], ja4Allow: ["t13d0000h2_000000000000_000000000000"] });
  assert.deepEqual(fingerprintVerdict(r, PY), { kind: "allow" });
  assert.deepEqual(fingerprintVerdict(r, CURL), {
    kind: "deny",
    rule: "mtls_ja3_allow/mtls_ja4_allow",
    value: CURL.ja4,
  });
  assert.deepEqual(fingerprintVerdict(rules({ ja4Allow: [PY.ja4] }), undefined), {
    kind: "deny",
    rule: "mtls_ja4_allow",
    value: "-",
  });
});

test("fingerprintVerdict() lets a deny win over an allow of the same client", () => {
  const r = rules({ ja3Allow: [CURL.ja3Hash], ja4Deny: [CURL.ja4] });
  assert.equal(fingerprintVerdict(r, CURL).kind, "deny");
});

test("JA3_HASH_RE and JA4_RE tell the two kinds apart", () => {
  assert.ok(JA3_HASH_RE.test(CURL.ja3Hash));
  assert.ok(!JA3_HASH_RE.test(CURL.ja4));
  assert.ok(JA4_RE.test(CURL.ja4));
  assert.ok(JA4_RE.test("q13d0310h3_55b375c5d22e_cd85d2d88918"));
  assert.ok(!JA4_RE.test(CURL.ja3Hash));
  assert.ok(!JA4_RE.test("t13d3112h2_e8f1e7e78f70"));
});
