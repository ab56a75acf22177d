import assert from "node:assert/strict";
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { describe, it } from "node:test";
import { createRootCa } from "./ca.ts";
import { createCrl } from "./crl.ts";
import { nameConstraintsExtension, parseIpRange } from "./name-constraints.ts";
import { decodePem } from "./pem.ts";
import { parseSanList } from "./san.ts";
import { type CertificateRequestInfo, signPublicKey } from "./sign.ts";
import { commonNameOf, parseSubject, subjectToJsonName, subjectToText } from "./subject.ts";
import { countingRandom, NOW, testKeyPem } from "./testdata/fixtures.ts";
import { keyIdentifierOf, signatureSchemeOf, signingKeyOf } from "./x509-signer.ts";

/** An Ed25519 key from a fixed seed: its signatures are deterministic (RFC 8032). */
const edKey = createPrivateKey({
  key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.alloc(32, 7)]),
  format: "der",
  type: "pkcs8",
});

const spkiOf = (name: "leaf-ec" | "leaf-rsa") =>
  new Uint8Array(
    createPublicKey(createPrivateKey(testKeyPem(name))).export({ type: "spki", format: "der" }),
  );

function request(
  subject: string,
  sans: string,
  key: "leaf-ec" | "leaf-rsa",
  extra: Partial<CertificateRequestInfo> = {},
): CertificateRequestInfo {
  const s = subject === "" ? [] : parseSubject(subject);
  return {
    subjectName: subjectToJsonName(s),
    subjectText: subjectToText(s),
    commonName: commonNameOf(s),
    sans: parseSanList(sans),
    spki: spkiOf(key),
    rsa: key === "leaf-rsa",
    ...extra,
  };
}

/** First 8 octets of the SHA-256 of a DER (or PEM) object, in hex. */
function fingerprint(object: Uint8Array | string): string {
  const der =
    typeof object === "string"
      ? decodePem(object, ["CERTIFICATE"], { what: "certificate" }).der
      : object;
  return createHash("sha256").update(der).digest("hex").slice(0, 16);
}

describe("x509-signer", () => {
  it("keyIdentifierOf() hashes the subjectPublicKey bits (RFC 5280 §4.2.1.2 method 1)", () => {
    const spki = spkiOf("leaf-ec");
    assert.deepEqual(
      Buffer.from(keyIdentifierOf(spki)),
      createHash("sha1")
        .update(spki.subarray(spki.length - 65))
        .digest(),
    );
  });

  it("signatureSchemeOf() names the algorithm of each key type and refuses others", () => {
    assert.equal(
      signatureSchemeOf(createPrivateKey(testKeyPem("ca-ec"))).name,
      "ecdsa-with-SHA256",
    );
    assert.equal(
      signatureSchemeOf(createPrivateKey(testKeyPem("leaf-rsa"))).name,
      "sha256WithRSAEncryption",
    );
    assert.equal(signatureSchemeOf(edKey).oid, "1.3.101.112");
    const dh = createPrivateKey({
      key: Buffer.from(
        `302e020100300506032b656e04220420${"07".repeat(32)}`, // X25519: agreement only
        "hex",
      ),
      format: "der",
      type: "pkcs8",
    });
    assert.throws(() => signatureSchemeOf(dh), RangeError);
  });

  it("signingKeyOf() converts a KeyObject once and returns the same CryptoKey after", async () => {
    const key = createPrivateKey(testKeyPem("ca-ec"));
    const a = await signingKeyOf(key);
    assert.equal(await signingKeyOf(key), a);
    assert.deepEqual(a.algorithm, { name: "ECDSA", hash: "SHA-256" });
    assert.equal(a.key.extractable, false);
  });

  // The fingerprints below are those of the DER writer @peculiar/x509 replaced (commit
  // f39146e): the same inputs give the same bytes, Ed25519 and RSA signatures included.
  it("generates the same bytes as the DER writer it replaced: root, leaves, intermediate, CRLs", async () => {
    const ca = await createRootCa({
      keys: { privateKey: edKey },
      now: NOW,
      random: countingRandom(),
      subject: "C=DE,O=Example,CN=Dev CA",
      pathLen: 1,
      days: 36500,
    });
    const issue = async (req: CertificateRequestInfo, terms: Parameters<typeof signPublicKey>[2]) =>
      fingerprint((await signPublicKey(ca, req, { now: NOW, ...terms })).certPem);
    const server = await issue(
      request(
        "O=Example,CN=localhost",
        "IP:127.0.0.1,IP:::1,URI:spiffe://x/y,email:a@b.c",
        "leaf-ec",
      ),
      { profile: "server", serial: "7a" },
    );
    const rsa = await issue(request("CN=api.example.com", "", "leaf-rsa"), {
      profile: "server-client",
      serial: "ff01",
      days: 9500, // past 2049: GeneralizedTime
      allowLongValidity: true,
    });
    const emptySubject = await issue(request("", "DNS:empty.example", "leaf-ec"), {
      profile: "client",
      serial: "01",
    });
    const nc = nameConstraintsExtension({
      dns: ["example.com", ".internal"],
      ip: [parseIpRange("10.1.2.3/8"), parseIpRange("fd00::/8")],
      uri: ["example.org"],
    });
    const intermediate = await issue(request("CN=Issuing", "", "leaf-ec", { extensions: [nc] }), {
      profile: "ca",
      serial: "0203",
      pathLen: 0,
    });
    const crl = createCrl(
      ca,
      [
        {
          serial: "ff01",
          revokedAt: new Date("2026-01-10T08:00:00.900Z"),
          reason: "keyCompromise",
        },
        { serial: "7a", revokedAt: new Date("2026-01-05T08:00:00Z") },
        { serial: "8000", revokedAt: new Date("2026-01-06T08:00:00Z"), reason: "unspecified" },
      ],
      { now: NOW, days: 7, crlNumber: 300 },
    );
    assert.deepEqual(
      {
        root: fingerprint(ca.certPem),
        server,
        rsa,
        emptySubject,
        intermediate,
        crl: fingerprint(crl.der),
        crlEmpty: fingerprint(createCrl(ca, [], { now: NOW }).der),
      },
      {
        root: "4be48eaae14a0258",
        server: "481bd972b96dd84c",
        rsa: "6135407c845254f2",
        emptySubject: "87063a9f6d7bd0b8",
        intermediate: "fc36fb2e7129f4dc",
        crl: "e60a096a4b128ea3",
        crlEmpty: "8c089dd6cc72cc2e",
      },
    );
    const parsed = new X509Certificate(ca.certPem);
    assert.equal(parsed.verify(createPublicKey(edKey)), true);
  });
});
