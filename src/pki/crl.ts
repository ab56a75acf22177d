/**
 * Certificate revocation lists (RFC 5280 §5): a v2 CRL signed by the CA, with
 * nextUpdate, authorityKeyIdentifier, cRLNumber and a reasonCode per entry.
 *
 * Encoded with `@peculiar/asn1-x509`'s schema classes and signed with `node:crypto`, not
 * with `@peculiar/x509`'s `X509CrlGenerator`: the generator (2.2.0) writes an empty
 * `crlEntryExtensions` SEQUENCE for every entry without a reason, which `Extensions ::=
 * SEQUENCE SIZE (1..MAX)` forbids (RFC 5280 §4.1, §5.1). Staying synchronous also keeps
 * `createCrl`'s signature.
 *
 * ```asn1
 * CertificateList  ::=  SEQUENCE  {
 *      tbsCertList          TBSCertList,
 *      signatureAlgorithm   AlgorithmIdentifier,
 *      signatureValue       BIT STRING  }
 * TBSCertList  ::=  SEQUENCE  {
 *      version                 Version OPTIONAL,   -- v2 (1)
 *      signature               AlgorithmIdentifier,
 *      issuer                  Name,
 *      thisUpdate              Time,
 *      nextUpdate              Time OPTIONAL,
 *      revokedCertificates     SEQUENCE OF SEQUENCE  {
 *           userCertificate         CertificateSerialNumber,
 *           revocationDate          Time,
 *           crlEntryExtensions      Extensions OPTIONAL } OPTIONAL,
 *      crlExtensions           [0] Extensions OPTIONAL }
 * ```
 *
 * Relying parties treat a CRL past its nextUpdate as unusable: openssl (and so nginx's
 * `ssl_crl`) then fails every client with "CRL has expired", so republish before then.
 * @module
 */
import { sign } from "node:crypto";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  AuthorityKeyIdentifier,
  CertificateList,
  CRLNumber,
  CRLReason,
  Extension,
  Extensions,
  id_ce_authorityKeyIdentifier,
  id_ce_cRLNumber,
  id_ce_cRLReasons,
  KeyIdentifier,
  Name,
  RevokedCertificate as RevokedCertificateAsn,
  TBSCertList,
  Time,
  Version,
} from "@peculiar/asn1-x509";
import { ErrorCode, MtlsError } from "../errors.ts";
import type { CaMaterial } from "./ca.ts";
import { encodePem } from "./pem.ts";
import { caSignerOf } from "./sign.ts";
import { signatureSchemeOf } from "./x509-signer.ts";

/** CRLReason codes (RFC 5280 §5.3.1); `removeFromCRL` (delta CRLs only) is not offered. */
export const RevocationReason = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;
/** A reason's name, e.g. `keyCompromise`. */
export type RevocationReason = keyof typeof RevocationReason;

/**
 * Checks a reason name (case-insensitive: `keycompromise` is `keyCompromise`).
 * @returns the canonical name
 * @throws {MtlsError} `MTLS_USAGE` for an unknown reason, listing the known ones
 */
export function parseRevocationReason(text: string): RevocationReason {
  const found = Object.keys(RevocationReason).find((k) => k.toLowerCase() === text.toLowerCase());
  if (found === undefined) {
    throw new MtlsError(
      ErrorCode.USAGE,
      `Unknown revocation reason '${text}': expected one of ${Object.keys(RevocationReason).join(", ")}`,
      { hint: "e.g. --reason keyCompromise (RFC 5280 §5.3.1)", details: { reason: text } },
    );
  }
  return found as RevocationReason;
}

/** One revoked certificate. */
export interface RevokedCertificate {
  /** Serial, lower-case hex (as the index holds it). */
  readonly serial: string;
  readonly revokedAt: Date;
  /** Omitted or `unspecified`: no reasonCode extension (RFC 5280 §5.3.1 SHOULD). */
  readonly reason?: RevocationReason;
}

/** Options of {@link createCrl}. */
export interface CreateCrlOptions {
  /** thisUpdate; default `new Date()`. */
  readonly now?: Date;
  /** nextUpdate = thisUpdate + `days` days; default 30 (openssl ca's default_crl_days). */
  readonly days?: number;
  /** cRLNumber, increasing with each CRL the CA publishes (RFC 5280 §5.2.3); default 1. */
  readonly crlNumber?: number;
}

/** A CRL as produced by {@link createCrl}. */
export interface Crl {
  readonly der: Uint8Array;
  /** PEM with the label `X509 CRL` (RFC 7468 §6). */
  readonly pem: string;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly crlNumber: number;
}

/** Default CRL lifetime, in days. */
export const DEFAULT_CRL_DAYS = 30;

/**
 * Creates and signs a v2 CRL listing `revoked` (RFC 5280 §5.1).
 * @param ca the issuing CA (the CRL issuer is the CA's subject; its key signs)
 * @param revoked the revoked certificates, in any order
 * @returns DER and PEM, with the times and number written
 * @throws {RangeError} for `days` outside 1..3650 or a `crlNumber` that is not a positive integer
 * @example
 * ```ts
 * const crl = createCrl(ca, [{ serial: "3f9c...", revokedAt: new Date(), reason: "keyCompromise" }]);
 * tls.createServer({ ..., crl: crl.pem });
 * ```
 */
export function createCrl(
  ca: CaMaterial,
  revoked: readonly RevokedCertificate[],
  options: CreateCrlOptions = {},
): Crl {
  const days = options.days ?? DEFAULT_CRL_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new RangeError(`Bad CRL validity: ${days} days, expected an integer from 1 to 3650`);
  }
  const crlNumber = options.crlNumber ?? 1;
  if (!Number.isSafeInteger(crlNumber) || crlNumber < 1) {
    throw new RangeError(`Bad cRLNumber: ${crlNumber}, expected a positive integer`);
  }
  const signer = caSignerOf(ca);
  const scheme = signatureSchemeOf(signer.key);
  const algorithm = new AlgorithmIdentifier({
    algorithm: scheme.oid,
    ...(scheme.nullParameters ? { parameters: null } : {}),
  });
  const extension = (extnID: string, value: ArrayBuffer) =>
    new Extension({ extnID, critical: false, extnValue: new OctetString(value) });
  const thisUpdate = new Date(Math.floor((options.now ?? new Date()).getTime() / 1000) * 1000);
  const nextUpdate = new Date(thisUpdate.getTime() + days * 86_400_000);
  const entries = [...revoked]
    .sort((a, b) => a.revokedAt.getTime() - b.revokedAt.getTime())
    .map((r) => {
      const code = r.reason === undefined ? 0 : RevocationReason[r.reason];
      const serial = Buffer.from(r.serial.length % 2 ? `0${r.serial}` : r.serial, "hex");
      return new RevokedCertificateAsn({
        userCertificate: positiveInteger(serial),
        revocationDate: new Time(new Date(Math.floor(r.revokedAt.getTime() / 1000) * 1000)),
        // No reasonCode for unspecified (RFC 5280 §5.3.1), and then no extensions at all.
        ...(code === 0
          ? {}
          : {
              crlEntryExtensions: new Extensions([
                extension(id_ce_cRLReasons, AsnConvert.serialize(new CRLReason(code))),
              ]),
            }),
      });
    });
  const tbsCertList = new TBSCertList({
    version: Version.v2,
    signature: algorithm,
    issuer: AsnConvert.parse(signer.issuer, Name),
    thisUpdate: new Time(thisUpdate),
    nextUpdate: new Time(nextUpdate),
    ...(entries.length === 0 ? {} : { revokedCertificates: entries }),
    crlExtensions: new Extensions([
      extension(
        id_ce_authorityKeyIdentifier,
        AsnConvert.serialize(
          new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(signer.keyId) }),
        ),
      ),
      extension(id_ce_cRLNumber, AsnConvert.serialize(new CRLNumber(crlNumber))),
    ]),
  });
  const signature = sign(
    scheme.hash,
    new Uint8Array(AsnConvert.serialize(tbsCertList)),
    signer.key,
  );
  const der = new Uint8Array(
    AsnConvert.serialize(
      new CertificateList({
        tbsCertList,
        signatureAlgorithm: algorithm,
        signature: new Uint8Array(signature).buffer,
      }),
    ),
  );
  return { der, pem: encodePem("X509 CRL", der), thisUpdate, nextUpdate, crlNumber };
}

/** INTEGER content octets of a non-negative serial: leading zeros dropped, `00` before a set top bit. */
function positiveInteger(bytes: Uint8Array): ArrayBuffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const body = bytes.subarray(start);
  const out = new Uint8Array(((body[0] ?? 0) & 0x80 ? 1 : 0) + body.length);
  out.set(body, out.length - body.length);
  return out.buffer;
}
