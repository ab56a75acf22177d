/**
 * `mtls pki lint`: the certificate checks that bite in practice, each finding with a
 * severity and the rule's source (CA/Browser Forum Baseline Requirements section, RFC 5280
 * section, or the vendor policy).
 *
 * Severities: `error` (peers refuse the certificate, or a MUST is broken), `warning` (a
 * SHOULD, or refused by some peers), `notice` (worth knowing).
 *
 * Host-name rules (a SAN is required, the CN must be among the SANs) and the 398/825-day
 * limits bind TLS server certificates only: for a client certificate (profile `client`,
 * or extendedKeyUsage clientAuth without serverAuth) they are skipped or only noticed.
 * @module
 */
import type { X509Certificate } from "@peculiar/x509";
import { derReadTlv } from "./der.ts";
import { type CertificateInfo, describeCertificate } from "./inspect.ts";
import { loadX509 } from "./load-x509.ts";
import { Oid } from "./profiles.ts";
import { canonicalIp } from "./san.ts";

/** How bad a finding is. */
export type LintSeverity = "error" | "warning" | "notice";

/** One finding. */
export interface LintFinding {
  /** Stable rule id, e.g. `cn-not-in-san`. */
  readonly rule: string;
  readonly severity: LintSeverity;
  /** What is wrong, with the actual values. */
  readonly message: string;
  /** Where the rule comes from, e.g. `CA/B Forum BR §7.1.4.3`, `RFC 5280 §4.1.2.2`. */
  readonly source: string;
}

/** Options of {@link lintCertificate}. */
export interface LintOptions {
  /**
   * The role the certificate must fit: checks extendedKeyUsage, and `client` drops the
   * server-only rules; default: inferred, `client` when extendedKeyUsage has clientAuth
   * and neither serverAuth nor anyExtendedKeyUsage, else server rules apply.
   */
  readonly profile?: "server" | "client";
}

/**
 * The role the server-only rules are judged by: the profile given, else `client` when the
 * certificate's extendedKeyUsage allows clientAuth but not serverAuth (RFC 5280 §4.2.1.12).
 */
function roleOf(
  profile: LintOptions["profile"],
  eku: readonly string[],
): "server" | "client" | undefined {
  if (profile !== undefined) return profile;
  const serverToo = eku.includes("serverAuth") || eku.includes("anyExtendedKeyUsage");
  return eku.includes("clientAuth") && !serverToo ? "client" : undefined;
}

const DAY_MS = 86_400_000;

/** The serial's DER content octets: TBSCertificate's first INTEGER after [0] version. */
function serialOctets(raw: Uint8Array): Uint8Array {
  const cert = derReadTlv(raw, 0);
  const tbs = derReadTlv(raw, cert.start);
  let field = derReadTlv(raw, tbs.start);
  if (field.tag === 0xa0) field = derReadTlv(raw, field.end);
  return raw.subarray(field.start, field.end);
}

/** The certificate's version field (0 = v1, 2 = v3). */
function versionOf(raw: Uint8Array): number {
  const cert = derReadTlv(raw, 0);
  const tbs = derReadTlv(raw, cert.start);
  const first = derReadTlv(raw, tbs.start);
  if (first.tag !== 0xa0) return 0;
  const int = derReadTlv(raw, first.start);
  return raw[int.end - 1] ?? 0;
}

function commonNames(cert: X509Certificate): string[] {
  return cert.subjectName.getField("CN");
}

/**
 * Lints a certificate.
 * @param cert an `@peculiar/x509` certificate
 * @returns the findings, errors first (empty: nothing to report)
 * @example
 * ```ts
 * const findings = await lintCertificate(new x509.X509Certificate(pem), { profile: "server" });
 * ```
 */
export async function lintCertificate(
  cert: X509Certificate,
  options: LintOptions = {},
): Promise<LintFinding[]> {
  const x509 = await loadX509();
  const raw = new Uint8Array(cert.rawData);
  const info: CertificateInfo = await describeCertificate(cert, { now: cert.notBefore });
  const out: LintFinding[] = [];
  const add = (rule: string, severity: LintSeverity, message: string, source: string) =>
    out.push({ rule, severity, message, source });
  const isCa = info.basicConstraints?.ca === true;
  const selfSigned = info.selfIssued;
  const client = roleOf(options.profile, info.extendedKeyUsage) === "client";

  if (versionOf(raw) !== 2) {
    add(
      "not-v3",
      "error",
      `version is v${versionOf(raw) + 1}, extensions need v3`,
      "RFC 5280 §4.1.2.1",
    );
  }

  // Serial numbers.
  const serial = serialOctets(raw);
  const hex = Buffer.from(serial).toString("hex");
  if ((serial[0] ?? 0) & 0x80) {
    add(
      "serial-negative",
      "error",
      `serial 0x${hex} is negative (top bit set without a 00 octet)`,
      "RFC 5280 §4.1.2.2",
    );
  } else if (serial.every((b) => b === 0)) {
    add(
      "serial-zero",
      "error",
      "serial is zero; it must be a positive integer",
      "RFC 5280 §4.1.2.2",
    );
  }
  if (serial.length > 20) {
    add(
      "serial-too-long",
      "error",
      `serial is ${serial.length} octets, at most 20 allowed`,
      "RFC 5280 §4.1.2.2",
    );
  }
  const significant = serial[0] === 0 ? serial.length - 1 : serial.length;
  if (significant < 8 && !selfSigned) {
    add(
      "serial-low-entropy",
      "warning",
      `serial is ${significant} ${significant === 1 ? "octet" : "octets"}; at least 64 random bits are required of public CAs`,
      "CA/B Forum BR §7.1",
    );
  }

  // Signature and key.
  if (/sha1/i.test(info.signatureAlgorithm)) {
    add(
      "sha1-signature",
      "error",
      `signed with ${info.signatureAlgorithm}: SHA-1 signatures are refused by browsers and OpenSSL 3 at security level 1+`,
      "CA/B Forum BR §7.1.3.2",
    );
  }
  if (info.publicKey.type === "RSA" && info.publicKey.bits < 2048) {
    add(
      "rsa-key-too-small",
      "error",
      `RSA key is ${info.publicKey.bits} bits, at least 2048 required`,
      "CA/B Forum BR §6.1.5",
    );
  }
  if (
    info.publicKey.type === "EC" &&
    !["P-256", "P-384", "P-521"].includes(info.publicKey.curve ?? "")
  ) {
    add(
      "ec-curve",
      "warning",
      `EC curve ${info.publicKey.curve} is not P-256, P-384 or P-521`,
      "CA/B Forum BR §6.1.5",
    );
  }

  // Validity.
  const days = (cert.notAfter.getTime() - cert.notBefore.getTime()) / DAY_MS;
  if (days <= 0) {
    add(
      "validity-inverted",
      "error",
      `notAfter ${info.notAfter} is not after notBefore ${info.notBefore}`,
      "RFC 5280 §4.1.2.5",
    );
  } else if (!isCa && client && days > 398) {
    add(
      "validity-over-398",
      "notice",
      `valid for ${Math.round(days)} days: fine for a client certificate (the 398- and 825-day limits bind TLS server certificates), but a stolen key stays usable until notAfter or revocation`,
      "CA/B Forum BR §6.3.2; Apple, Requirements for trusted certificates in iOS 13 and macOS 10.15",
    );
  } else if (!isCa && days > 825) {
    add(
      "validity-over-825",
      "error",
      `valid for ${Math.round(days)} days: Apple platforms refuse TLS server certificates valid over 825 days`,
      "Apple, Requirements for trusted certificates in iOS 13 and macOS 10.15",
    );
  } else if (!isCa && days > 398) {
    add(
      "validity-over-398",
      "warning",
      `valid for ${Math.round(days)} days: publicly trusted TLS certificates may last at most 398 days (Safari, Chrome refuse longer ones from public CAs)`,
      "CA/B Forum BR §6.3.2",
    );
  }

  // basicConstraints, keyUsage, pathLen.
  const bcExt = cert.extensions.find((e) => e.type === Oid.basicConstraints);
  if (isCa) {
    if (!bcExt?.critical) {
      add(
        "ca-basic-constraints-not-critical",
        "error",
        "CA certificate's basicConstraints is not marked critical",
        "RFC 5280 §4.2.1.9",
      );
    }
    if (!info.keyUsage.includes("keyCertSign")) {
      add(
        "ca-without-key-cert-sign",
        "error",
        info.keyUsage.length
          ? `CA certificate's keyUsage (${info.keyUsage.join(", ")}) lacks keyCertSign`
          : "CA certificate has no keyUsage with keyCertSign",
        "RFC 5280 §4.2.1.3",
      );
    }
    if (!info.subjectKeyId) {
      add(
        "ca-without-ski",
        "error",
        "CA certificate has no subjectKeyIdentifier",
        "RFC 5280 §4.2.1.2",
      );
    }
  } else {
    if (info.basicConstraints?.pathLen !== undefined) {
      add(
        "path-len-without-ca",
        "error",
        `pathLenConstraint ${info.basicConstraints.pathLen} on a certificate that is not a CA`,
        "RFC 5280 §4.2.1.9",
      );
    }
    if (info.keyUsage.includes("keyCertSign")) {
      add(
        "key-cert-sign-without-ca",
        "error",
        "keyUsage keyCertSign without basicConstraints CA:TRUE",
        "RFC 5280 §4.2.1.3",
      );
    }
  }
  if (!selfSigned && !info.authorityKeyId) {
    add(
      "no-aki",
      "warning",
      "no authorityKeyIdentifier: chain building has only the issuer name to go on",
      "RFC 5280 §4.2.1.1",
    );
  }

  if (!isCa) {
    // Names.
    const sanExt = cert.getExtension(x509.SubjectAlternativeNameExtension);
    if (info.sans.length === 0 && !client) {
      add(
        "no-san",
        "error",
        "no subjectAltName: Chrome (since 58) and Go match host names only in the SAN, never the CN",
        "CA/B Forum BR §7.1.2.7.12; RFC 6125 §6.4.4",
      );
    }
    for (const cn of commonNames(cert)) {
      const ip = canonicalIp(cn);
      const want = ip === undefined ? `DNS:${cn.toLowerCase()}` : `IP:${ip}`;
      const looksLikeName = ip !== undefined || /^[a-z0-9*]([a-z0-9.-]*[a-z0-9])?$/i.test(cn);
      if (looksLikeName && !client && info.sans.length > 0 && !info.sans.includes(want)) {
        add(
          "cn-not-in-san",
          "error",
          `CN '${cn}' is not among the SANs (${info.sans.join(", ")})`,
          "CA/B Forum BR §7.1.4.3",
        );
      }
    }
    const emptySubject = cert.subjectName.toJSON().length === 0;
    if (emptySubject && info.sans.length === 0) {
      add(
        "no-name",
        "error",
        "the subject is empty and there is no subjectAltName: the certificate names nobody",
        "RFC 5280 §4.1.2.6",
      );
    }
    if (emptySubject && sanExt && !sanExt.critical) {
      add(
        "empty-subject-san-not-critical",
        "error",
        "the subject is empty but subjectAltName is not critical",
        "RFC 5280 §4.2.1.6",
      );
    }
    // Usages.
    const eku = info.extendedKeyUsage;
    if (eku.length === 0) {
      add(
        "no-eku",
        "warning",
        "no extendedKeyUsage: public CAs must set serverAuth/clientAuth, and some peers refuse a leaf without it",
        "CA/B Forum BR §7.1.2.7.10",
      );
    }
    if (options.profile) {
      const want = options.profile === "server" ? "serverAuth" : "clientAuth";
      if (eku.length > 0 && !eku.includes(want) && !eku.includes("anyExtendedKeyUsage")) {
        add(
          "eku-lacks-purpose",
          "error",
          `extendedKeyUsage (${eku.join(", ")}) lacks ${want}, needed by a TLS ${options.profile}`,
          "RFC 5280 §4.2.1.12",
        );
      }
    }
    if (info.keyUsage.length > 0 && !info.keyUsage.includes("digitalSignature")) {
      add(
        "leaf-without-digital-signature",
        "error",
        `keyUsage (${info.keyUsage.join(", ")}) lacks digitalSignature, needed for TLS 1.3 and ECDHE handshakes`,
        "RFC 8446 §4.4.2.4; RFC 5280 §4.2.1.3",
      );
    }
  }

  const order: Record<LintSeverity, number> = { error: 0, warning: 1, notice: 2 };
  return out.sort((a, b) => order[a.severity] - order[b.severity]);
}

/**
 * Formats findings as text: a summary line, then one line per finding with its source.
 * @param findings from {@link lintCertificate}
 * @param source the file name, for the summary line
 */
export function renderLint(findings: readonly LintFinding[], source: string): string {
  const count = (s: LintSeverity) => findings.filter((f) => f.severity === s).length;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  if (findings.length === 0) return `${source}: no findings\n`;
  const head = `${source}: ${plural(count("error"), "error")}, ${plural(count("warning"), "warning")}, ${plural(count("notice"), "notice")}`;
  const lines = findings.map(
    (f) => `  ${f.severity.padEnd(7)}  ${f.rule}: ${f.message}\n           source: ${f.source}`,
  );
  return `${head}\n${lines.join("\n")}\n`;
}
