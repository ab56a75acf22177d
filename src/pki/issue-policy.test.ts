import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MtlsError } from "../errors.ts";
import { createRootCa } from "./ca.ts";
import { issueCertificate } from "./issue.ts";
import { parseSanList } from "./san.ts";
import { parseSanPolicy, sanRefusedByPolicy } from "./san-policy.ts";
import { NOW, testKeys } from "./testdata/fixtures.ts";

describe("SAN policy (--allow-san)", () => {
  const policy = parseSanPolicy([
    "DNS:*.example.com",
    "DNS:example.com",
    "IP:10.0.0.0/8",
    "URI:spiffe://example.org/*",
    "email:*@example.com",
  ]);

  it("allows names matching a pattern of their type", () => {
    const ok =
      "DNS:example.com,DNS:a.b.example.com,IP:10.2.3.4,URI:spiffe://example.org/ns/x,email:ops@example.com";
    assert.equal(sanRefusedByPolicy(parseSanList(ok), policy), undefined);
  });

  it("names the first SAN outside the policy", () => {
    for (const [san, first] of [
      ["DNS:evilexample.com", "DNS:evilexample.com"],
      ["IP:11.0.0.1", "IP:11.0.0.1"],
      ["URI:spiffe://other.org/x", "URI:spiffe://other.org/x"],
      ["email:ops@example.org", "email:ops@example.org"],
    ] as const) {
      assert.equal(
        sanRefusedByPolicy(parseSanList(san), policy),
        `${first} is not allowed by the CA's policy (--allow-san DNS:*.example.com DNS:example.com IP:10.0.0.0/8 URI:spiffe://example.org/* email:*@example.com)`,
      );
    }
  });

  it("refuses malformed patterns as usage errors", () => {
    for (const bad of ["*.example.com", "FOO:x", "IP:10.0.0.0/40"]) {
      assert.throws(
        () => parseSanPolicy([bad]),
        (e: unknown) => e instanceof MtlsError && e.code === "MTLS_USAGE",
        bad,
      );
    }
  });

  it("makes issuing refuse a request outside it, with the reason", async () => {
    const ca = await createRootCa({ keys: await testKeys("ca-ec"), now: NOW });
    await assert.rejects(
      issueCertificate(ca, {
        profile: "server",
        subject: "CN=www.example.net",
        now: NOW,
        allowSans: policy,
      }),
      {
        code: "MTLS_PKI_POLICY",
        message:
          /^Cannot issue for 'CN=www\.example\.net': DNS:www\.example\.net is not allowed by the CA's policy/,
      },
    );
  });
});

describe("CA validity when issuing", () => {
  it("refuses to issue with an expired or not yet valid CA, saying which", async () => {
    const ca = await createRootCa({ keys: await testKeys("ca-ec"), now: NOW, days: 1 });
    await assert.rejects(
      issueCertificate(ca, {
        profile: "client",
        subject: "CN=c",
        now: new Date("2026-01-20T00:00:00Z"),
      }),
      {
        code: "MTLS_PKI_POLICY",
        message: "Cannot issue with CA 'CN=mtlskit CA': it expired at 2026-01-16T12:00:00.000Z",
      },
    );
    await assert.rejects(
      issueCertificate(ca, {
        profile: "client",
        subject: "CN=c",
        now: new Date("2026-01-01T00:00:00Z"),
      }),
      {
        code: "MTLS_PKI_POLICY",
        message:
          "Cannot issue with CA 'CN=mtlskit CA': it is not valid before 2026-01-15T11:55:00.000Z",
      },
    );
  });
});
