import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MtlsError } from "../errors.ts";
import { createRootCa } from "./ca.ts";
import { createIntermediateCa } from "./intermediate.ts";
import { issueCertificate } from "./issue.ts";
import {
  type NameConstraints,
  nameConstraintsExtension,
  parseHostConstraint,
  parseIpRange,
  readNameConstraints,
  sanOutsideConstraints,
} from "./name-constraints.ts";
import { parseSan } from "./san.ts";
import { NOW, testKeys } from "./testdata/fixtures.ts";

const nc: NameConstraints = {
  dns: ["example.com", ".internal"],
  ip: [parseIpRange("10.0.0.0/8"), parseIpRange("fd00::/8")],
  uri: ["example.org"],
};

/** The extnValue content of an extension (the NameConstraints SEQUENCE). */
function extnValueOf(extension: { readonly value: ArrayBuffer }): Uint8Array {
  return new Uint8Array(extension.value);
}

describe("name constraints", () => {
  it("round-trip through DER: DNS, IP ranges (masked) and URI hosts", () => {
    const ext = nameConstraintsExtension({
      ...nc,
      ip: [parseIpRange("10.1.2.3/8"), ...nc.ip.slice(1)],
    });
    assert.deepEqual(readNameConstraints(extnValueOf(ext)), {
      dns: ["example.com", ".internal"],
      ip: [
        { address: "10.0.0.0", prefix: 8 },
        { address: "fd00::", prefix: 8 },
      ],
      uri: ["example.org"],
    });
  });

  it("permit names inside the subtrees and explain the others", () => {
    const verdict = (s: string) => sanOutsideConstraints(parseSan(s), nc);
    for (const ok of [
      "DNS:example.com",
      "DNS:api.example.com",
      "DNS:*.example.com",
      "DNS:db.internal",
      "IP:10.9.8.7",
      "IP:fd00::1",
      "URI:spiffe://example.org/ns/a",
      "email:ops@anything.test",
    ]) {
      assert.equal(verdict(ok), undefined, ok);
    }
    assert.equal(
      verdict("DNS:evil-example.com"),
      "DNS:evil-example.com is outside the CA's permitted DNS names (example.com, .internal)",
    );
    assert.equal(
      verdict("DNS:internal"),
      "DNS:internal is outside the CA's permitted DNS names (example.com, .internal)",
    );
    assert.match(
      verdict("IP:192.168.1.1") ?? "",
      /^IP:192\.168\.1\.1 is outside the CA's permitted IP ranges \(10\.0\.0\.0\/8, fd00::\/8\)$/,
    );
    assert.match(
      verdict("URI:spiffe://other.org/x") ?? "",
      /outside the CA's permitted URI hosts \(example\.org\)$/,
    );
  });

  it("refuse bad --permit values as usage errors", () => {
    assert.throws(
      () => parseIpRange("10.0.0.0/33"),
      (e: unknown) => e instanceof MtlsError && e.code === "MTLS_USAGE",
    );
    assert.throws(() => parseIpRange("nope"), /Bad --permit-ip 'nope'/);
    assert.throws(() => parseHostConstraint("dns", "http://x"), /Bad --permit-dns 'http:\/\/x'/);
  });
});

describe("createIntermediateCa", () => {
  it("issues a pathLen 0 CA whose leaves carry the chain and stay inside its constraints", async () => {
    const root = await createRootCa({ keys: await testKeys("ca-ec"), now: NOW });
    const { ca, issued } = await createIntermediateCa(root, {
      now: NOW,
      nameConstraints: { dns: ["example.com"], ip: [], uri: [] },
    });
    assert.equal(issued.profile, "ca");
    assert.equal(ca.chainPem, ca.certPem);
    assert.equal(ca.rootPem, root.certPem);
    const leaf = await issueCertificate(ca, {
      profile: "server",
      subject: "CN=api.example.com",
      now: NOW,
    });
    assert.deepEqual(leaf.sans, ["DNS:api.example.com"]);
    await assert.rejects(
      issueCertificate(ca, { profile: "server", subject: "CN=evil.test", now: NOW }),
      {
        code: "MTLS_PKI_POLICY",
        message:
          "Cannot issue for 'CN=evil.test': DNS:evil.test is outside the CA's permitted DNS names (example.com)",
      },
    );
    await assert.rejects(createIntermediateCa(ca, { now: NOW }), {
      code: "MTLS_PKI_POLICY",
      message:
        "Cannot create an intermediate under 'CN=mtlskit Issuing CA': its pathLen 0 allows no CA below it",
    });
  });
});
