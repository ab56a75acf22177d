import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey, sign } from "node:crypto";
import { before, describe, it } from "node:test";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  Extension as AsnExtension,
  Certificate,
  Extensions,
  Name,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from "@peculiar/asn1-x509";
import type { Extension } from "@peculiar/x509";
import { type LintFinding, lintCertificate, renderLint } from "./lint.ts";
import { loadX509, type X509Module } from "./load-x509.ts";
import { Oid } from "./profiles.ts";
import { parseSanList, type SubjectAltName } from "./san.ts";
import { parseSubject, subjectToJsonName } from "./subject.ts";
import { NOW, testKeyPem } from "./testdata/fixtures.ts";
import { certificateExtensions } from "./x509-signer.ts";

let x509: X509Module;
before(async () => {
  x509 = await loadX509();
});

const caKey = createPrivateKey(testKeyPem("ca-ec"));
const leafSpki = new Uint8Array(
  createPublicKey(createPrivateKey(testKeyPem("leaf-ec"))).export({ type: "spki", format: "der" }),
);
const id = new Uint8Array(20).fill(7);

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const basicConstraintsExtension = (ca: boolean): Extension =>
  new x509.BasicConstraintsExtension(ca, undefined, true);
const keyUsageExtension = (bits: number): Extension => new x509.KeyUsagesExtension(bits, true);
const extendedKeyUsageExtension = (oids: string[]): Extension =>
  new x509.ExtendedKeyUsageExtension(oids);
const authorityKeyIdentifierExtension = (keyId: Uint8Array): Extension =>
  new x509.AuthorityKeyIdentifierExtension(hex(keyId));
/** The subjectAltName extension alone, as issuing writes it. */
function subjectAltNameExtension(sans: readonly SubjectAltName[]): Extension {
  const all = certificateExtensions({
    ca: false,
    keyUsage: 1,
    subjectKeyId: id,
    authorityKeyId: id,
    sans,
  });
  return all[all.length - 1] as Extension;
}
const nameDer = (text: string) =>
  AsnConvert.parse(new x509.Name(subjectToJsonName(parseSubject(text))).toArrayBuffer(), Name);

/**
 * A leaf signed by the test CA key, with the good server profile unless overridden. Built
 * from `@peculiar/asn1-x509` objects and signed with `node:crypto`, not with
 * `X509CertificateGenerator`, because the traps include what the generator refuses to
 * write (a zero serial becomes a random one there).
 */
function leaf(overrides: {
  serialHex?: string;
  subject?: string;
  days?: number;
  extensions?: Extension[];
}): Uint8Array {
  const algorithm = new AlgorithmIdentifier({ algorithm: "1.2.840.10045.4.3.2" });
  const extensions = overrides.extensions ?? [
    basicConstraintsExtension(false),
    keyUsageExtension(1),
    extendedKeyUsageExtension([Oid.serverAuth]),
    new x509.SubjectKeyIdentifierExtension(hex(id)),
    authorityKeyIdentifierExtension(id),
    subjectAltNameExtension(parseSanList("DNS:localhost")),
  ];
  const serial = Buffer.from(overrides.serialHex ?? "3f9c0102030405060708090a0b0c0d0e", "hex");
  const tbsCertificate = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array(serial).buffer,
    signature: algorithm,
    issuer: nameDer("CN=Test CA"),
    validity: new Validity({
      notBefore: NOW,
      notAfter: new Date(NOW.getTime() + (overrides.days ?? 397) * 86_400_000),
    }),
    subject: nameDer(overrides.subject ?? "CN=localhost"),
    subjectPublicKeyInfo: AsnConvert.parse(leafSpki, SubjectPublicKeyInfo),
    extensions: new Extensions(extensions.map((e) => AsnConvert.parse(e.rawData, AsnExtension))),
  });
  const signature = sign("sha256", new Uint8Array(AsnConvert.serialize(tbsCertificate)), caKey);
  return new Uint8Array(
    AsnConvert.serialize(
      new Certificate({
        tbsCertificate,
        signatureAlgorithm: algorithm,
        signatureValue: new Uint8Array(signature).buffer,
      }),
    ),
  );
}

async function rules(der: Uint8Array, profile?: "server" | "client"): Promise<string[]> {
  const findings = await lintCertificate(new x509.X509Certificate(der), profile ? { profile } : {});
  return findings.map((f) => `${f.severity} ${f.rule}`);
}

describe("lintCertificate", () => {
  it("finds nothing in a certificate made like mtls pki issue makes them", async () => {
    assert.deepEqual(await rules(leaf({}), "server"), []);
  });

  it("flags each classic trap with its severity", async () => {
    const san = (list: string) => subjectAltNameExtension(parseSanList(list));
    const base = [
      basicConstraintsExtension(false),
      keyUsageExtension(1),
      authorityKeyIdentifierExtension(id),
    ];
    const cases: [string, Uint8Array, string[], ("server" | "client")?][] = [
      [
        "zero serial",
        leaf({ serialHex: "00" }),
        ["error serial-zero", "warning serial-low-entropy"],
      ],
      ["short serial", leaf({ serialHex: "7a" }), ["warning serial-low-entropy"]],
      ["21-octet serial", leaf({ serialHex: "01".repeat(21) }), ["error serial-too-long"]],
      ["over 825 days", leaf({ days: 826 }), ["error validity-over-825"]],
      ["over 398 days", leaf({ days: 399 }), ["warning validity-over-398"]],
      ["no SAN and no EKU", leaf({ extensions: base }), ["error no-san", "warning no-eku"]],
      [
        "CN not in SAN",
        leaf({
          extensions: [...base, extendedKeyUsageExtension([Oid.serverAuth]), san("DNS:other")],
        }),
        ["error cn-not-in-san"],
      ],
      [
        "the wrong EKU for the profile",
        leaf({
          extensions: [...base, extendedKeyUsageExtension([Oid.clientAuth]), san("DNS:localhost")],
        }),
        ["error eku-lacks-purpose"],
        "server",
      ],
      [
        "pathLen and keyCertSign on a leaf",
        leaf({
          extensions: [
            encodeExtensionPathLenOnLeaf(),
            keyUsageExtension(1 | 32),
            extendedKeyUsageExtension([Oid.serverAuth]),
            authorityKeyIdentifierExtension(id),
            san("DNS:localhost"),
          ],
        }),
        ["error path-len-without-ca", "error key-cert-sign-without-ca"],
      ],
      [
        "a CA without keyCertSign or SKI",
        leaf({
          extensions: [
            basicConstraintsExtension(true),
            keyUsageExtension(64),
            authorityKeyIdentifierExtension(id),
          ],
        }),
        ["error ca-without-key-cert-sign", "error ca-without-ski"],
      ],
    ];
    for (const [name, der, expected, profile] of cases) {
      assert.deepEqual(await rules(der, profile), expected, name);
    }
  });

  it("skips the host-name rules for a client certificate, given or inferred from its EKU", async () => {
    const san = (list: string) => subjectAltNameExtension(parseSanList(list));
    const client = (extra: ReturnType<typeof san>[], eku: string[] = [Oid.clientAuth]) => [
      basicConstraintsExtension(false),
      keyUsageExtension(1),
      extendedKeyUsageExtension(eku),
      authorityKeyIdentifierExtension(id),
      ...extra,
    ];
    const cases: [string, Uint8Array, string[], ("server" | "client")?][] = [
      [
        "no SAN, --profile client",
        leaf({ subject: "CN=client-1", extensions: client([]) }),
        [],
        "client",
      ],
      ["no SAN, EKU clientAuth only", leaf({ subject: "CN=client-1", extensions: client([]) }), []],
      [
        "no SAN, EKU serverAuth and clientAuth",
        leaf({ subject: "CN=client-1", extensions: client([], [Oid.serverAuth, Oid.clientAuth]) }),
        ["error no-san"],
      ],
      [
        "no SAN, EKU clientAuth only, --profile server",
        leaf({ subject: "CN=client-1", extensions: client([]) }),
        ["error no-san", "error eku-lacks-purpose"],
        "server",
      ],
      [
        "a SPIFFE ID beside a CN that is no SAN",
        leaf({
          subject: "CN=client-1",
          extensions: client([san("URI:spiffe://example.org/client-1")]),
        }),
        [],
      ],
      [
        "a client valid over 825 days",
        leaf({ subject: "CN=client-1", days: 826, extensions: client([]) }),
        ["notice validity-over-398"],
      ],
      [
        "a client valid over 398 days",
        leaf({ subject: "CN=client-1", days: 399, extensions: client([]) }),
        ["notice validity-over-398"],
        "client",
      ],
      [
        "a client without digitalSignature",
        leaf({
          subject: "CN=client-1",
          extensions: [
            basicConstraintsExtension(false),
            keyUsageExtension(4),
            extendedKeyUsageExtension([Oid.clientAuth]),
            authorityKeyIdentifierExtension(id),
          ],
        }),
        ["error leaf-without-digital-signature"],
      ],
    ];
    for (const [name, der, expected, profile] of cases) {
      assert.deepEqual(await rules(der, profile), expected, name);
    }
  });

  it("counts serial octets in words: 1 octet, 2 octets", async () => {
    for (const [serialHex, words] of [
      ["7a", "1 octet"],
      ["7a7b", "2 octets"],
    ] as const) {
      const findings = await lintCertificate(new x509.X509Certificate(leaf({ serialHex })));
      assert.equal(
        findings.find((f) => f.rule === "serial-low-entropy")?.message,
        `serial is ${words}; at least 64 random bits are required of public CAs`,
      );
    }
  });

  it("renders findings with their sources", () => {
    const findings: LintFinding[] = [
      {
        rule: "no-san",
        severity: "error",
        message: "no subjectAltName",
        source: "RFC 6125 §6.4.4",
      },
    ];
    assert.equal(
      renderLint(findings, "a.crt"),
      "a.crt: 1 error, 0 warnings, 0 notices\n  error    no-san: no subjectAltName\n           source: RFC 6125 §6.4.4\n",
    );
    assert.equal(renderLint([], "b.crt"), "b.crt: no findings\n");
  });
});

/** basicConstraints `SEQUENCE { INTEGER 0 }`: cA FALSE with a pathLenConstraint (a broken CA tool). */
function encodeExtensionPathLenOnLeaf(): Extension {
  return new x509.Extension(
    Oid.basicConstraints,
    true,
    Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00),
  );
}
