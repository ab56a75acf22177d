import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  authorize,
  type CertificateIdentity,
  checkPattern,
  matchPattern,
  ruleMatches,
  ruleText,
} from "./authorize.ts";

const WEB: CertificateIdentity = {
  verified: true,
  subject: "CN=web-1,OU=payments,OU=frontend,O=Example Corp",
  cn: ["web-1"],
  ou: ["payments", "frontend"],
  o: ["Example Corp"],
  dns: ["web-1.prod.example.org"],
  uri: ["spiffe://example.org/ns/prod/sa/web"],
  email: ["ops@Example.org"],
  sha256: "ab".repeat(32),
};

test("matchPattern() treats * in a SPIFFE ID as exactly one path segment", () => {
  const p = "spiffe://example.org/ns/*/sa/web";
  assert.equal(matchPattern("uri", p, "spiffe://example.org/ns/prod/sa/web"), true);
  assert.equal(matchPattern("uri", p, "spiffe://example.org/ns/a/b/sa/web"), false);
  assert.equal(matchPattern("uri", p, "spiffe://example.org/ns//sa/web"), false);
  assert.equal(matchPattern("uri", p, "spiffe://example.org/ns/prod/sa/web/extra"), false);
  assert.equal(matchPattern("uri", p, "spiffe://other.org/ns/prod/sa/web"), false);
});

test("matchPattern() treats a trailing ** in a URI as one or more segments", () => {
  const p = "spiffe://example.org/ns/prod/**";
  assert.equal(matchPattern("uri", p, "spiffe://example.org/ns/prod/sa/web"), true);
  assert.equal(matchPattern("uri", p, "spiffe://example.org/ns/prod/x"), true);
  assert.equal(matchPattern("uri", p, "spiffe://example.org/ns/prod"), false);
  assert.equal(matchPattern("uri", p, "spiffe://example.org/ns/production/x"), false);
});

test("matchPattern() compares URIs case-sensitively and literally without wildcards", () => {
  assert.equal(
    matchPattern("uri", "spiffe://example.org/sa/Web", "spiffe://example.org/sa/web"),
    false,
  );
  assert.equal(matchPattern("uri", "spiffe://Example.org/*", "spiffe://example.org/x"), false);
  assert.equal(matchPattern("uri", "urn:example:a", "urn:example:a"), true);
  assert.equal(matchPattern("uri", "urn:example:a", "urn:example:b"), false);
});

test("matchPattern() compares DNS names case-insensitively with * as one label", () => {
  assert.equal(matchPattern("dns", "*.prod.example.org", "WEB-1.prod.Example.ORG"), true);
  assert.equal(matchPattern("dns", "*.example.org", "a.b.example.org"), false);
  assert.equal(matchPattern("dns", "*.example.org", "example.org"), false);
  assert.equal(matchPattern("dns", "**.example.org", "a.b.example.org"), true);
  assert.equal(matchPattern("dns", "**.example.org", "example.org"), false);
  assert.equal(matchPattern("dns", "web.example.org.", "web.example.org"), true);
  assert.equal(matchPattern("dns", "example.org", "badexample.org"), false);
});

test("matchPattern() compares the email domain case-insensitively and the local part exactly", () => {
  assert.equal(matchPattern("email", "ops@example.org", "ops@EXAMPLE.org"), true);
  assert.equal(matchPattern("email", "ops@example.org", "OPS@example.org"), false);
  assert.equal(matchPattern("email", "*@example.org", "anyone@example.org"), true);
  assert.equal(matchPattern("email", "*@*.example.org", "a@mail.example.org"), true);
  assert.equal(matchPattern("email", "*@example.org", "a@evil.org"), false);
});

test("matchPattern() compares DN attributes whole and case-insensitively, fingerprints without colons", () => {
  assert.equal(matchPattern("cn", "Web-1", "web-1"), true);
  assert.equal(matchPattern("cn", "web", "web-1"), false);
  assert.equal(matchPattern("cn", "*", "web-1"), false, "no wildcards in DN attributes");
  const colons = `${"AB:".repeat(31)}AB`;
  assert.equal(matchPattern("fingerprint", colons, "ab".repeat(32)), true);
});

test("checkPattern() refuses partial-label and misplaced wildcards with a plain reason", () => {
  assert.equal(checkPattern("uri", "spiffe://example.org/ns/*/sa/web"), undefined);
  assert.equal(checkPattern("uri", "spiffe://example.org/**"), undefined);
  assert.match(checkPattern("uri", "spiffe://example.org/ns/pro*") ?? "", /whole path segment/);
  assert.match(checkPattern("uri", "spiffe://*.org/x") ?? "", /path only/);
  assert.match(checkPattern("uri", "spiffe://example.org/**/web") ?? "", /last segment/);
  assert.match(checkPattern("uri", "urn:*") ?? "", /scheme:\/\/authority/);
  assert.match(checkPattern("dns", "web*.example.org") ?? "", /whole label/);
  assert.match(checkPattern("dns", "a.**.example.org") ?? "", /first label/);
  assert.match(checkPattern("dns", "a..org") ?? "", /empty label/);
  assert.match(checkPattern("email", "o*s@example.org") ?? "", /local part/);
  assert.match(checkPattern("email", "example.org") ?? "", /local@domain/);
  assert.match(checkPattern("fingerprint", "abcd") ?? "", /64 hex digits.*got 4/);
  assert.match(checkPattern("cn", "") ?? "", /empty/);
});

test("ruleMatches() needs every field of a rule and any value of the certificate", () => {
  assert.equal(ruleMatches({ ou: "frontend" }, WEB), true, "the second OU counts");
  assert.equal(ruleMatches({ cn: "web-1", ou: "payments" }, WEB), true);
  assert.equal(ruleMatches({ cn: "web-1", ou: "billing" }, WEB), false);
  assert.equal(
    ruleMatches({ o: "example corp", san: { uri: "spiffe://example.org/ns/*/sa/web" } }, WEB),
    true,
  );
  assert.equal(ruleMatches({ san: { email: "ops@example.org" } }, WEB), true);
  assert.equal(ruleMatches({}, WEB), false, "an empty rule matches nothing");
  assert.equal(ruleMatches({ san: { dns: "*.example.org" } }, { ...WEB, dns: [] }), false);
});

test("authorize() lets deny win over allow", () => {
  const d = authorize({ allow: [{ ou: "payments" }], deny: [{ cn: "web-1" }] }, WEB);
  assert.equal(d.kind, "deny");
  assert.equal(d.kind === "deny" && d.reason, "deny rule");
  assert.equal(
    d.kind === "deny" && d.message,
    'client certificate "CN=web-1,OU=payments,OU=frontend,O=Example Corp" matches deny rule "cn=web-1"',
  );
});

test("authorize() with allow rules refuses a certificate that matches none", () => {
  const d = authorize(
    { allow: [{ san: { uri: "spiffe://example.org/ns/*/sa/api" } }], deny: [] },
    WEB,
  );
  assert.deepEqual(d.kind === "deny" && [d.reason, d.message], [
    "no allow rule",
    'client certificate "CN=web-1,OU=payments,OU=frontend,O=Example Corp" matches no allow rule',
  ]);
  assert.equal(authorize({ allow: [{ cn: "x" }, { cn: "web-1" }], deny: [] }, WEB).kind, "allow");
});

test("authorize() without allow rules lets every verified certificate through", () => {
  assert.equal(authorize({ allow: [], deny: [] }, WEB).kind, "allow");
  assert.equal(authorize({ allow: [], deny: [{ cn: "other" }] }, WEB).kind, "allow");
});

test("authorize() never lets an unverified certificate or no certificate match an allow rule", () => {
  const unverified = authorize({ allow: [{ cn: "web-1" }], deny: [] }, { ...WEB, verified: false });
  assert.equal(unverified.kind === "deny" && unverified.reason, "not verified");
  assert.equal(authorize({ allow: [], deny: [] }, { ...WEB, verified: false }).kind, "deny");
  const none = authorize({ allow: [], deny: [] }, undefined);
  assert.equal(none.kind === "deny" && none.reason, "no certificate");
});

test("ruleText() prints a rule with nginx-style keys and the deny message names its line", () => {
  assert.equal(
    ruleText({ cn: "a", san: { uri: "spiffe://x/y", dns: "d" }, fingerprint: "f" }),
    "cn=a san_dns=d san_uri=spiffe://x/y fingerprint=f",
  );
  const d = authorize(
    { allow: [], deny: [{ ou: "frontend", location: { file: "gw.conf", line: 7, column: 5 } }] },
    WEB,
  );
  assert.match(d.kind === "deny" ? d.message : "", /"ou=frontend" \(gw\.conf:7\)$/);
});

test("matchPattern() with * in one segment never matches a value with a different segment count", () => {
  const segment = fc.stringMatching(/^[a-z0-9-]{1,8}$/);
  fc.assert(
    fc.property(fc.array(segment, { minLength: 0, maxLength: 6 }), (segs) => {
      const uri = `spiffe://example.org/${segs.join("/")}`;
      const expected = segs.length === 3 && segs[0] === "ns";
      assert.equal(matchPattern("uri", "spiffe://example.org/ns/*/*", uri), expected);
    }),
  );
});
