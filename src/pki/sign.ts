/**
 * The CA signs a CSR with a profile (seed step 3: "the CA checks it and signs it with
 * ca.key"). In memory; recording in the store is `store.ts`'s job.
 *
 * Certificates are written by `certificate-der.ts` and signed with `node:crypto`; the CA's
 * signing key, issuer name and key identifier are prepared once per CA (see
 * {@link caSignerOf}), and a CSR's signature is verified once, by `readCsr`.
 * @module
 */
import { type KeyObject, X509Certificate } from "node:crypto";
import { ErrorCode, MtlsError } from "../errors.ts";
import type { CaMaterial } from "./ca.ts";
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  extendedKeyUsageExtension,
  keyIdentifierOf,
  keyUsageExtension,
  readCertificateFields,
  signCertificateDer,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
} from "./certificate-der.ts";
import { readCsr } from "./csr.ts";
import {
  NAME_CONSTRAINTS_OID,
  type NameConstraints,
  readNameConstraints,
  sanOutsideConstraints,
} from "./name-constraints.ts";
import { decodePem, encodePem } from "./pem.ts";
import { getProfile, MAX_LEAF_DAYS, type Profile, type ProfileName } from "./profiles.ts";
import { canonicalIp, formatSan, parseSan, type SubjectAltName } from "./san.ts";
import { type SanPolicy, sanRefusedByPolicy } from "./san-policy.ts";
import { type RandomBytes, randomSerial } from "./serial.ts";
import { validityFrom } from "./validity.ts";

/** A certificate the CA issued. */
export interface IssuedCertificate {
  readonly certPem: string;
  /** Serial number in lower-case hex without leading zero octets, e.g. `3f9c...`. */
  readonly serialHex: string;
  /** Subject as `@peculiar/x509` prints it (DER order), e.g. `O=Example, CN=localhost`. */
  readonly subject: string;
  /** SANs as in the certificate, in openssl's text form: `DNS:localhost`, `IP:127.0.0.1`. */
  readonly sans: string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The profile it was issued under. */
  readonly profile: ProfileName;
}

/** Options shared by {@link signCsr} and {@link signPublicKey}. */
export interface IssueTermsOptions {
  /** `server`, `client` (see `profiles.ts`). */
  readonly profile: ProfileName;
  /** Validity in days; default the profile's (397). */
  readonly days?: number;
  /** Issuance time; default `new Date()`. */
  readonly now?: Date;
  /** Serial in hex; default a fresh 128-bit random one (see `randomSerial`). */
  readonly serial?: string;
  /** Random source for the serial; default `crypto.randomBytes`. */
  readonly random?: RandomBytes;
  /** Allow a leaf validity over 825 days (`MAX_LEAF_DAYS`); default false. */
  readonly allowLongValidity?: boolean;
  /** pathLenConstraint of a `ca` profile certificate; default the profile's (0). */
  readonly pathLen?: number;
  /** SAN policy (`--allow-san`): a SAN outside it is refused; default none (any SAN). */
  readonly allowSans?: SanPolicy;
}

/** Options of {@link signCsr}. */
export interface SignCsrOptions extends IssueTermsOptions {
  /** Where the CSR came from, for messages; default `<input>`. */
  readonly csrPath?: string;
}

/** What the CA needs to sign, prepared once per CA. */
export interface CaSigner {
  /** The CA's private key as a `node:crypto` KeyObject. */
  readonly key: KeyObject;
  /** The CA certificate's subject `Name` DER: the issuer of what it signs. */
  readonly issuer: Uint8Array;
  /** The CA's key identifier (its SKI, else computed): the AKI of what it signs. */
  readonly keyId: Uint8Array;
  readonly notAfter: Date;
  readonly notBefore: Date;
  /** The CA's subject for messages, e.g. `O=Example, CN=Dev CA`. */
  readonly subjectText: string;
  /** The CA's permitted subtrees, when its certificate has nameConstraints. */
  readonly nameConstraints?: NameConstraints;
}

const signers = new WeakMap<CaMaterial, CaSigner>();

/**
 * The CA's signing material, computed on first use and memoized per `CaMaterial` object
 * (so issuing N certificates parses and converts the CA once, not N times).
 */
export function caSignerOf(ca: CaMaterial): CaSigner {
  let signer = signers.get(ca);
  if (!signer) {
    const der = decodePem(ca.certPem, ["CERTIFICATE"], { what: "CA certificate" }).der;
    const fields = readCertificateFields(der);
    const ext = (oid: string) => fields.extensions.find((e) => e.oid === oid)?.value;
    const ski = ext("2.5.29.14");
    const nc = ext(NAME_CONSTRAINTS_OID);
    signer = {
      ...(nc ? { nameConstraints: readNameConstraints(nc) } : {}),
      key: ca.key,
      issuer: fields.subject,
      // The SKI extension's value is an OCTET STRING holding the key identifier.
      keyId: ski ? ski.subarray(2) : keyIdentifierOf(fields.spki),
      notAfter: fields.notAfter,
      notBefore: fields.notBefore,
      subjectText: new X509Certificate(der).subject.replace(/\n/g, ", "),
    };
    signers.set(ca, signer);
  }
  return signer;
}

/**
 * The SANs of a leaf: the requested ones, plus the CN when the profile copies it and no SAN
 * equals it already (Chrome ignores the CN since version 58; RFC 6125 §6.4.4). A CN that is
 * neither a DNS name nor an IP address is not copied.
 */
export function leafSans(
  requested: readonly SubjectAltName[],
  commonName: string | undefined,
  profile: Profile,
): SubjectAltName[] {
  const sans = [...requested];
  if (!profile.copyCommonNameToSan || commonName === undefined) return sans;
  const ip = canonicalIp(commonName);
  let fromCn: SubjectAltName | undefined;
  if (ip !== undefined) fromCn = { type: "IP", value: ip };
  else {
    try {
      fromCn = parseSan(`DNS:${commonName}`);
    } catch {
      fromCn = undefined;
    }
  }
  if (fromCn && !sans.some((s) => s.type === fromCn.type && s.value === fromCn.value)) {
    sans.unshift(fromCn);
  }
  return sans;
}

/**
 * The extensions a profile puts in a leaf certificate, as DER, in the order written:
 * basicConstraints (critical, CA:FALSE), keyUsage (critical), extendedKeyUsage, SKI, AKI,
 * subjectAltName (critical when the subject is empty, RFC 5280 §4.2.1.6).
 */
export function leafExtensions(
  signer: CaSigner,
  options: {
    readonly profile: Profile;
    readonly spki: Uint8Array;
    readonly rsa: boolean;
    readonly sans: readonly SubjectAltName[];
    readonly emptySubject: boolean;
    /** pathLenConstraint for a CA profile; default the profile's. */
    readonly pathLen?: number;
    /** Further extension DERs (e.g. nameConstraints), written before the SAN. */
    readonly extra?: readonly Uint8Array[];
  },
): Uint8Array[] {
  const { profile } = options;
  const extensions = [
    basicConstraintsExtension(profile.ca !== undefined, options.pathLen ?? profile.ca?.pathLen),
    keyUsageExtension(options.rsa ? profile.keyUsageRsa : profile.keyUsageEc),
    ...(profile.extendedKeyUsage.length === 0
      ? []
      : [extendedKeyUsageExtension(profile.extendedKeyUsage)]),
    subjectKeyIdentifierExtension(keyIdentifierOf(options.spki)),
    authorityKeyIdentifierExtension(signer.keyId),
    ...(options.extra ?? []),
  ];
  if (options.sans.length > 0) {
    extensions.push(subjectAltNameExtension(options.sans, options.emptySubject));
  }
  return extensions;
}

/** What {@link signPublicKey} certifies. */
export interface CertificateRequestInfo {
  /** Subject `Name` DER. */
  readonly subjectDer: Uint8Array;
  /** The subject as printed in results and the index (`@peculiar/x509`'s form, DER order). */
  readonly subjectText: string;
  /** The most specific CN, copied into the SAN by server profiles. */
  readonly commonName: string | undefined;
  /** The requested SANs. */
  readonly sans: readonly SubjectAltName[];
  /** SubjectPublicKeyInfo DER of the key to certify. */
  readonly spki: Uint8Array;
  /** Whether the key is RSA (server profiles then add keyEncipherment). */
  readonly rsa: boolean;
  /** Further extensions the CA adds (DER), e.g. nameConstraints for an intermediate. */
  readonly extensions?: readonly Uint8Array[];
}

/**
 * Issues a certificate for a public key whose possession the caller has established (a
 * verified CSR, or a key the caller just generated): applies the profile, checks policy
 * and signs.
 * @param ca the issuing CA
 * @param request subject, SANs and key
 * @returns the certificate and what it says
 * @throws {MtlsError} `MTLS_PKI_POLICY` for a server request without any usable name or a
 *   validity past the CA's notAfter, `MTLS_USAGE` for an unknown profile
 * @throws {RangeError} for bad `days`
 */
export function signPublicKey(
  ca: CaMaterial,
  request: CertificateRequestInfo,
  options: IssueTermsOptions,
): IssuedCertificate {
  const profile = getProfile(options.profile);
  const signer = caSignerOf(ca);
  const sans = leafSans(request.sans, request.commonName, profile);
  if (profile.requireSan && sans.length === 0) {
    throw new MtlsError(
      ErrorCode.PKI_POLICY,
      `Cannot issue ${profile.name} certificate for '${request.subjectText}': no SAN, and the CN is not a DNS name or IP address`,
      {
        hint: "request a SAN, e.g. --san DNS:host.example.com (clients check the SAN, not the CN)",
        details: { subject: request.subjectText },
      },
    );
  }
  const now = options.now ?? new Date();
  if (now.getTime() > signer.notAfter.getTime() || now.getTime() < signer.notBefore.getTime()) {
    const expired = now.getTime() > signer.notAfter.getTime();
    throw new MtlsError(
      ErrorCode.PKI_POLICY,
      expired
        ? `Cannot issue with CA '${signer.subjectText}': it expired at ${signer.notAfter.toISOString()}`
        : `Cannot issue with CA '${signer.subjectText}': it is not valid before ${signer.notBefore.toISOString()}`,
      {
        hint: expired
          ? "create a new CA (mtls pki init) and distribute its certificate"
          : "check this machine's clock",
        details: { notBefore: signer.notBefore, notAfter: signer.notAfter },
      },
    );
  }
  const refused = options.allowSans ? sanRefusedByPolicy(sans, options.allowSans) : undefined;
  if (refused !== undefined) {
    throw new MtlsError(
      ErrorCode.PKI_POLICY,
      `Cannot issue for '${request.subjectText}': ${refused}`,
      {
        hint: "request only allowed names, or widen --allow-san",
        details: { sans: sans.map(formatSan) },
      },
    );
  }
  const outside = signer.nameConstraints
    ? sans
        .map((s) => sanOutsideConstraints(s, signer.nameConstraints as NameConstraints))
        .find((r) => r)
    : undefined;
  if (outside !== undefined) {
    throw new MtlsError(
      ErrorCode.PKI_POLICY,
      `Cannot issue for '${request.subjectText}': ${outside}`,
      {
        hint: "ask for names inside the CA's constraints, or issue from a CA whose constraints include them",
        details: { sans: sans.map(formatSan) },
      },
    );
  }
  const days = options.days ?? profile.defaultDays;
  if (profile.ca === undefined && days > MAX_LEAF_DAYS && !options.allowLongValidity) {
    throw new MtlsError(
      ErrorCode.PKI_POLICY,
      `Cannot issue a ${profile.name} certificate for ${days} days: over ${MAX_LEAF_DAYS} days, which Apple platforms refuse for TLS`,
      {
        hint: `pass --days ${MAX_LEAF_DAYS} or less (397 is the default), or --allow-long-validity if every peer accepts it`,
        details: { days },
      },
    );
  }
  const { notBefore, notAfter } = validityFrom(now, days);
  if (notAfter.getTime() > signer.notAfter.getTime()) {
    const left = Math.floor((signer.notAfter.getTime() - notBefore.getTime()) / 86_400_000);
    throw new MtlsError(
      ErrorCode.PKI_POLICY,
      `Cannot issue past the CA's expiry: notAfter ${notAfter.toISOString()} is after the CA's ${signer.notAfter.toISOString()}`,
      {
        hint: `pass --days ${Math.max(left, 1)} or less`,
        details: { notAfter, caNotAfter: signer.notAfter },
      },
    );
  }
  const serialHex = serialHexOfText(
    options.serial ?? randomSerial(options.random ? { random: options.random } : {}),
  );
  const der = signCertificateDer(
    {
      serialHex,
      issuer: signer.issuer,
      subject: request.subjectDer,
      notBefore,
      notAfter,
      spki: request.spki,
      extensions: leafExtensions(signer, {
        profile,
        spki: request.spki,
        rsa: request.rsa,
        sans,
        emptySubject: request.subjectDer.length <= 2,
        ...(options.pathLen === undefined ? {} : { pathLen: options.pathLen }),
        ...(request.extensions === undefined ? {} : { extra: request.extensions }),
      }),
    },
    signer.key,
  );
  return {
    certPem: encodePem("CERTIFICATE", der),
    serialHex,
    subject: request.subjectText,
    sans: sans.map(formatSan),
    notBefore,
    notAfter,
    profile: profile.name,
  };
}

/** Lower-case hex, even length, without leading zero octets (as `serialHexOf`). */
function serialHexOfText(hex: string): string {
  const lower = hex.toLowerCase();
  if (!/^[0-9a-f]+$/.test(lower)) throw new RangeError(`Bad serial '${hex}': expected hex digits`);
  const even = lower.length % 2 ? `0${lower}` : lower;
  return even.replace(/^(00)+(?=..)/, "");
}

/**
 * Signs a CSR as the CA: verifies the CSR's signature first, keeps its subject and
 * requested SANs (copying the CN into the SAN for servers), and sets basicConstraints
 * critical CA:FALSE, keyUsage critical digitalSignature (+ keyEncipherment for an RSA
 * server key), extendedKeyUsage serverAuth or clientAuth, SKI and AKI (RFC 5280 §4.2.1).
 * Other extensions the CSR requests are ignored: the CA decides.
 * @param ca the issuing CA
 * @param csrPem PEM `CERTIFICATE REQUEST`
 * @returns the certificate and what it says
 * @throws {MtlsError} `MTLS_PKI_BAD_INPUT` / `MTLS_PKI_BAD_CSR` for a bad CSR,
 *   `MTLS_PKI_POLICY` for a server request without any usable name or a validity past the
 *   CA's notAfter, `MTLS_USAGE` for an unknown profile
 * @throws {RangeError} for bad `days`
 * @example
 * ```ts
 * const issued = await signCsr(ca, csrPem, { profile: "server" });
 * issued.sans; // ["DNS:localhost", "IP:127.0.0.1"]
 * ```
 */
export async function signCsr(
  ca: CaMaterial,
  csrPem: string,
  options: SignCsrOptions,
): Promise<IssuedCertificate> {
  getProfile(options.profile);
  const parsed = await readCsr(
    csrPem,
    options.csrPath === undefined ? {} : { path: options.csrPath },
  );
  const { csrPath: _p, ...terms } = options;
  return signPublicKey(
    ca,
    {
      subjectDer: new Uint8Array(parsed.csr.subjectName.toArrayBuffer()),
      subjectText: parsed.subject,
      commonName: parsed.commonName,
      sans: parsed.sans,
      spki: new Uint8Array(parsed.csr.publicKey.rawData),
      rsa: parsed.csr.publicKey.algorithm.name.startsWith("RSA"),
    },
    terms,
  );
}
