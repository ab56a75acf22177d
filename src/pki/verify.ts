/**
 * Verifying a certificate the way a TLS peer would, and saying in plain words what is
 * wrong: chain building to a CA you trust (RFC 5280 §6.1), validity at a time, CA flags
 * and pathLen, purpose (extendedKeyUsage, RFC 5280 §4.2.1.12), hostname or IP (RFC 6125
 * §6.4, by `node:crypto`'s `checkHost`/`checkIP`) and revocation by CRL (RFC 5280 §6.3).
 * @module
 */
import { X509Certificate as NodeCertificate } from "node:crypto";
import { isIP } from "node:net";
import { ErrorCode, MtlsError } from "../errors.ts";
import {
  type CertificateInfo,
  type CrlInfo,
  describeCertificate,
  inspectObject,
} from "./inspect.ts";
import { loadX509 } from "./load-x509.ts";

/** What a problem is about; stable for scripts (`--json`). */
export type VerifyProblemCode =
  | "no-trust-anchor"
  | "unknown-issuer"
  | "bad-signature"
  | "not-yet-valid"
  | "expired"
  | "not-a-ca"
  | "no-key-cert-sign"
  | "path-length"
  | "purpose"
  | "hostname"
  | "revoked"
  | "crl-missing"
  | "crl-stale";

/** One thing wrong, in plain words. */
export interface VerifyProblem {
  readonly code: VerifyProblemCode;
  /** The certificate concerned (its subject). */
  readonly subject: string;
  readonly message: string;
}

/** What {@link verifyCertificate} found. */
export interface VerifyResult {
  readonly ok: boolean;
  /** The path built, leaf first (subjects); ends at a trusted CA when `ok`. */
  readonly path: readonly string[];
  /** Every problem found; never empty when `ok` is false. */
  readonly problems: readonly VerifyProblem[];
}

/** Options of {@link verifyCertificate}. */
export interface VerifyOptions {
  /** Trusted CA certificates (DER). */
  readonly ca?: readonly Uint8Array[];
  /** Intermediate certificates to build the chain with (DER), untrusted. */
  readonly chain?: readonly Uint8Array[];
  /** CRLs (DER); when given, the leaf must be covered by one of its issuer's. */
  readonly crls?: readonly Uint8Array[];
  /**
   * Revocations a CA store's `index.json` records (from `--ca DIR`); the leaf fails when one
   * names its issuer and serial, even without (or before) a CRL saying so.
   */
  readonly revocations?: readonly StoreRevocation[];
  /** Check the leaf may act as a TLS `server` or `client`. */
  readonly purpose?: "server" | "client";
  /** Check the leaf is valid for this DNS name or IP address. */
  readonly host?: string;
  /** When to check validity; default `new Date()`. */
  readonly at?: Date;
}

/** A revocation recorded in a CA store's index, see {@link VerifyOptions.revocations}. */
export interface StoreRevocation {
  /** The store CA's subject, as `describeCertificate` prints it. */
  readonly issuer: string;
  /** Lower-case hex without leading zero octets (`serialHexOf`). */
  readonly serial: string;
  /** ISO 8601. */
  readonly revokedAt: string;
  /** RFC 5280 §5.3.1 CRLReason name, when given. */
  readonly reason?: string;
  /** Where it is recorded, for the message, e.g. `ca/index.json`. */
  readonly source: string;
}

const MAX_DEPTH = 8;

function sameDer(a: NodeCertificate, b: NodeCertificate): boolean {
  return a.raw.equals(b.raw);
}

function when(iso: string): string {
  return iso.replace(".000Z", "Z");
}

/**
 * Verifies `leaf` (DER) against the trusted CAs.
 * @param leaf the certificate to verify, DER
 * @returns `ok`, the path built and every problem found (not just the first)
 * @throws {MtlsError} `MTLS_PKI_BAD_INPUT` when a certificate or CRL does not parse
 * @example
 * ```ts
 * const r = await verifyCertificate(der, { ca: [caDer], purpose: "client" });
 * if (!r.ok) console.log(r.problems.map((p) => p.message).join("\n"));
 * ```
 */
export async function verifyCertificate(
  leaf: Uint8Array,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const x509 = await loadX509();
  const at = options.at ?? new Date();
  const parse = (der: Uint8Array) => {
    try {
      return new NodeCertificate(der);
    } catch (e) {
      throw new MtlsError(
        ErrorCode.PKI_BAD_INPUT,
        `Cannot verify: a certificate does not parse (${(e as Error).message})`,
        { cause: e },
      );
    }
  };
  const trusted = (options.ca ?? []).map(parse);
  const pool = (options.chain ?? []).map(parse);
  const problems: VerifyProblem[] = [];
  const path: NodeCertificate[] = [parse(leaf)];
  const infos: CertificateInfo[] = [];
  const info = async (c: NodeCertificate) =>
    describeCertificate(new x509.X509Certificate(c.raw), { now: at });
  const problem = (code: VerifyProblemCode, subject: string, message: string) =>
    problems.push({ code, subject, message });

  if (trusted.length === 0) {
    problem("no-trust-anchor", "", "no CA given: pass the CA certificate you trust with --ca");
  }
  let anchored = false;
  for (let depth = 0; depth < MAX_DEPTH && trusted.length > 0; depth++) {
    const current = path[path.length - 1] as NodeCertificate;
    const ci = await info(current);
    if (trusted.some((t) => sameDer(t, current))) {
      anchored = true;
      break;
    }
    // Match names ourselves: X509_check_issued (checkIssued) also rejects an issuer whose
    // keyUsage or key identifier does not fit, which hides the reason we want to report.
    const byName: NodeCertificate[] = [];
    for (const c of [...trusted, ...pool]) {
      if ((await info(c)).subject === ci.issuer) byName.push(c);
    }
    const issuer = byName.find((c) => current.verify(c.publicKey));
    if (!issuer) {
      const named = byName[0];
      if (named) {
        problem(
          "bad-signature",
          ci.subject,
          `the signature of '${ci.subject}' does not verify with the key of '${(await info(named)).subject}': same name, different key (was the CA re-created?)`,
        );
      } else if (ci.selfIssued) {
        problem(
          "unknown-issuer",
          ci.subject,
          `'${ci.subject}' is self-signed and is not one of the CAs you gave (--ca)`,
        );
      } else {
        problem(
          "unknown-issuer",
          ci.subject,
          `'${ci.subject}' is issued by '${ci.issuer}', but no CA you gave is '${ci.issuer}'${pool.length === 0 ? " (pass an intermediate with --chain if there is one)" : ""}`,
        );
      }
      break;
    }
    path.push(issuer);
    if (trusted.includes(issuer)) {
      anchored = true;
      break;
    }
  }
  if (trusted.length > 0 && !anchored && problems.length === 0) {
    // The walk stopped at MAX_DEPTH: say so, so that a failure always has a reason.
    const last = path[path.length - 1] as NodeCertificate;
    problem(
      "no-trust-anchor",
      (await info(last)).subject,
      `no CA you gave within ${MAX_DEPTH} certificates of the leaf: the chain is longer than ${MAX_DEPTH} or loops`,
    );
  }
  for (const c of path) infos.push(await info(c));

  infos.forEach((ci, i) => {
    const span = `valid from ${when(ci.notBefore)} to ${when(ci.notAfter)}`;
    if (ci.validity.state === "not-yet-valid") {
      problem(
        "not-yet-valid",
        ci.subject,
        `'${ci.subject}' is ${span}: not yet valid at ${when(at.toISOString())}`,
      );
    } else if (ci.validity.state === "expired") {
      problem(
        "expired",
        ci.subject,
        `'${ci.subject}' is ${span}: expired ${ci.validity.days} days before ${when(at.toISOString())}`,
      );
    }
    if (i === 0) return;
    const below = infos[i - 1] as CertificateInfo;
    if (!ci.basicConstraints?.ca) {
      problem(
        "not-a-ca",
        ci.subject,
        `'${ci.subject}' signed '${below.subject}' but is not a CA (basicConstraints CA:TRUE missing)`,
      );
    }
    if (ci.keyUsage.length > 0 && !ci.keyUsage.includes("keyCertSign")) {
      problem(
        "no-key-cert-sign",
        ci.subject,
        `'${ci.subject}' signed '${below.subject}' but its keyUsage lacks keyCertSign`,
      );
    }
    const pathLen = ci.basicConstraints?.pathLen;
    const intermediatesBelow = i - 1;
    if (pathLen !== undefined && intermediatesBelow > pathLen) {
      problem(
        "path-length",
        ci.subject,
        `'${ci.subject}' allows ${pathLen} intermediate CA${pathLen === 1 ? "" : "s"} below it (pathLen ${pathLen}), the chain has ${intermediatesBelow}`,
      );
    }
  });

  const leafInfo = infos[0] as CertificateInfo;
  if (options.purpose) {
    const want = options.purpose === "server" ? "serverAuth" : "clientAuth";
    const eku = leafInfo.extendedKeyUsage;
    if (eku.length > 0 && !eku.includes(want) && !eku.includes("anyExtendedKeyUsage")) {
      problem(
        "purpose",
        leafInfo.subject,
        `extendedKeyUsage lacks ${want} (it has ${eku.join(", ")}): not usable as a TLS ${options.purpose}`,
      );
    }
    if (leafInfo.basicConstraints?.ca) {
      problem(
        "purpose",
        leafInfo.subject,
        `'${leafInfo.subject}' is a CA certificate, not a TLS ${options.purpose} certificate`,
      );
    }
  }
  if (options.host !== undefined) {
    const leafCert = path[0] as NodeCertificate;
    const host = options.host.replace(/^\[(.*)\]$/, "$1");
    const matched = isIP(host) ? leafCert.checkIP(host) : leafCert.checkHost(host);
    if (matched === undefined) {
      problem(
        "hostname",
        leafInfo.subject,
        `'${host}' is not among the certificate's names (SANs: ${leafInfo.sans.length ? leafInfo.sans.join(", ") : "none"})`,
      );
    }
  }
  if (options.crls && options.crls.length > 0) {
    await checkCrls(options.crls, path, infos, at, problem);
  }
  if (!problems.some((p) => p.code === "revoked" && p.subject === leafInfo.subject)) {
    const entry = (options.revocations ?? []).find(
      (r) =>
        r.issuer === leafInfo.issuer &&
        r.serial === leafInfo.serial &&
        Date.parse(r.revokedAt) <= at.getTime(),
    );
    if (entry) {
      problem(
        "revoked",
        leafInfo.subject,
        `'${leafInfo.subject}' (serial ${leafInfo.serial}) was revoked at ${when(entry.revokedAt)}${entry.reason ? ` (${entry.reason})` : ""} according to ${entry.source}`,
      );
    }
  }
  return { ok: anchored && problems.length === 0, path: infos.map((i) => i.subject), problems };
}

async function checkCrls(
  crls: readonly Uint8Array[],
  path: readonly NodeCertificate[],
  infos: readonly CertificateInfo[],
  at: Date,
  problem: (code: VerifyProblemCode, subject: string, message: string) => void,
): Promise<void> {
  const x509 = await loadX509();
  const parsed = await Promise.all(
    crls.map(async (der) => ({
      crl: new x509.X509Crl(der),
      info: (await inspectObject({ kind: "crl", raw: der, label: "DER", line: 0 })) as CrlInfo,
    })),
  );
  for (let i = 0; i + 1 < path.length || i === 0; i++) {
    const ci = infos[i] as CertificateInfo;
    const issuerCert = path[i + 1];
    const fromIssuer = parsed.filter((p) => p.info.issuer === ci.issuer);
    const usable = [];
    for (const p of fromIssuer) {
      const ok = issuerCert
        ? await p.crl
            .verify({ publicKey: new x509.X509Certificate(issuerCert.raw).publicKey })
            .catch(() => false)
        : true;
      if (ok) usable.push(p);
    }
    if (usable.length === 0) {
      if (i === 0)
        problem(
          "crl-missing",
          ci.subject,
          `no CRL you gave is from '${ci.issuer}' (signed by its key), so revocation of '${ci.subject}' cannot be checked`,
        );
      if (path.length === 1) break;
      continue;
    }
    for (const { info } of usable) {
      if (info.nextUpdate && Date.parse(info.nextUpdate) < at.getTime()) {
        problem(
          "crl-stale",
          ci.subject,
          `the CRL of '${info.issuer}' expired at ${when(info.nextUpdate)} (nextUpdate): publish a new one with \`mtls pki crl\``,
        );
      }
      const entry = info.revoked.find((r) => r.serial === ci.serial);
      if (entry && Date.parse(entry.revokedAt) <= at.getTime()) {
        problem(
          "revoked",
          ci.subject,
          `'${ci.subject}' (serial ${ci.serial}) was revoked at ${when(entry.revokedAt)}${entry.reason ? ` (${entry.reason})` : ""} according to the CRL of '${info.issuer}'`,
        );
      }
    }
    if (path.length === 1) break;
  }
}
