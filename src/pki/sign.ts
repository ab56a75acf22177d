/**
 * The CA signs a CSR with a profile (seed step 3: "the CA checks it and signs it with
 * ca.key"). In memory; recording in the store is `store.ts`'s job.
 * @module
 */
import type { Extension, PublicKey } from "@peculiar/x509";
import { ErrorCode, MtlsError } from "../errors.ts";
import type { CaMaterial } from "./ca.ts";
import { readCsr } from "./csr.ts";
import type { CryptoKey } from "./keys.ts";
import { signingAlgorithmOf } from "./keys.ts";
import { loadX509 } from "./load-x509.ts";
import { encodePem } from "./pem.ts";
import { getProfile, type Profile, type ProfileName } from "./profiles.ts";
import { canonicalIp, formatSan, parseSan, type SubjectAltName, sanToGeneralName } from "./san.ts";
import { type RandomBytes, randomSerial } from "./serial.ts";
import { validityFrom } from "./validity.ts";

/** A certificate the CA issued. */
export interface IssuedCertificate {
  readonly certPem: string;
  /** Serial number in lower-case hex without leading zero octets, e.g. `3f9c...`. */
  readonly serialHex: string;
  /** Subject as `@peculiar/x509` prints it, e.g. `CN=localhost`. */
  readonly subject: string;
  /** SANs as in the certificate, in openssl's text form: `DNS:localhost`, `IP:127.0.0.1`. */
  readonly sans: string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The profile it was issued under. */
  readonly profile: ProfileName;
}

/** Options of {@link signCsr}. */
export interface SignCsrOptions {
  /** `server` or `client` (see `profiles.ts`). */
  readonly profile: ProfileName;
  /** Validity in days; default the profile's (397). */
  readonly days?: number;
  /** Issuance time; default `new Date()`. */
  readonly now?: Date;
  /** Serial in hex; default a fresh 128-bit random one (see `randomSerial`). */
  readonly serial?: string;
  /** Random source for the serial; default `crypto.randomBytes`. */
  readonly random?: RandomBytes;
  /** Where the CSR came from, for messages; default `<input>`. */
  readonly csrPath?: string;
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

/** The extensions a profile puts in a leaf certificate, in the order written. */
export async function leafExtensions(
  ca: CaMaterial,
  options: {
    readonly profile: Profile;
    readonly publicKey: CryptoKey | PublicKey;
    readonly rsa: boolean;
    readonly sans: readonly SubjectAltName[];
    readonly emptySubject: boolean;
  },
): Promise<Extension[]> {
  const x509 = await loadX509();
  const { profile } = options;
  const caSki = ca.cert.getExtension(x509.SubjectKeyIdentifierExtension);
  const extensions: Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(options.rsa ? profile.keyUsageRsa : profile.keyUsageEc, true),
    new x509.ExtendedKeyUsageExtension([...profile.extendedKeyUsage], false),
    await x509.SubjectKeyIdentifierExtension.create(options.publicKey),
    caSki
      ? new x509.AuthorityKeyIdentifierExtension(caSki.keyId)
      : await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
  ];
  if (options.sans.length > 0) {
    // RFC 5280 §4.2.1.6: critical when the subject is empty.
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        options.sans.map(sanToGeneralName),
        options.emptySubject,
      ),
    );
  }
  return extensions;
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
  const x509 = await loadX509();
  const profile = getProfile(options.profile);
  const parsed = await readCsr(
    csrPem,
    options.csrPath === undefined ? {} : { path: options.csrPath },
  );
  const sans = leafSans(parsed.sans, parsed.commonName, profile);
  if (profile.requireSan && sans.length === 0) {
    throw new MtlsError(
      ErrorCode.PKI_POLICY,
      `Cannot issue ${profile.name} certificate for '${parsed.subject}': no SAN, and the CN is not a DNS name or IP address`,
      {
        hint: "request a SAN, e.g. --san DNS:host.example.com (clients check the SAN, not the CN)",
        details: { subject: parsed.subject },
      },
    );
  }
  const { notBefore, notAfter } = validityFrom(
    options.now ?? new Date(),
    options.days ?? profile.defaultDays,
  );
  if (notAfter.getTime() > ca.cert.notAfter.getTime()) {
    const left = Math.floor((ca.cert.notAfter.getTime() - notBefore.getTime()) / 86_400_000);
    throw new MtlsError(
      ErrorCode.PKI_POLICY,
      `Cannot issue past the CA's expiry: notAfter ${notAfter.toISOString()} is after the CA's ${ca.cert.notAfter.toISOString()}`,
      {
        hint: `pass --days ${Math.max(left, 1)} or less`,
        details: { notAfter, caNotAfter: ca.cert.notAfter },
      },
    );
  }
  const serial = options.serial ?? randomSerial(options.random ? { random: options.random } : {});
  const rsa = parsed.csr.publicKey.algorithm.name.startsWith("RSA");
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: parsed.csr.subjectName,
    issuer: ca.cert.subjectName,
    notBefore,
    notAfter,
    publicKey: parsed.csr.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: signingAlgorithmOf(ca.keys.privateKey),
    extensions: await leafExtensions(ca, {
      profile,
      publicKey: parsed.csr.publicKey,
      rsa,
      sans,
      emptySubject: parsed.csr.subjectName.toJSON().length === 0,
    }),
  });
  return {
    certPem: encodePem("CERTIFICATE", new Uint8Array(cert.rawData)),
    serialHex: cert.serialNumber.toLowerCase(),
    subject: cert.subject,
    sans: sans.map(formatSan),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    profile: profile.name,
  };
}
