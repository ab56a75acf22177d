/**
 * Key and certificate in one go (seed steps 1–3 for one party): what `mtls pki issue`
 * and the demo use. The key is generated here, so possession needs no proof: no CSR is
 * made, signed and verified (that round trip cost ~4 ms of ~13 per certificate).
 * @module
 */
import type { CaMaterial } from "./ca.ts";
import { generateKeyObjects, type KeyType } from "./keys.ts";
import type { ProfileName } from "./profiles.ts";
import { parseSanList, type SubjectAltName } from "./san.ts";
import type { SanPolicy } from "./san-policy.ts";
import type { RandomBytes } from "./serial.ts";
import { type CertificateRequestInfo, type IssuedCertificate, signPublicKey } from "./sign.ts";
import { commonNameOf, parseSubject, subjectToJsonName, subjectToText } from "./subject.ts";

/** Options of {@link issueCertificate}. */
export interface IssueCertificateOptions {
  /** `server` or `client`. */
  readonly profile: ProfileName;
  /**
   * Subject, e.g. `CN=localhost` or `O=Example,CN=localhost` (attributes in DER order, as
   * written; see `parseSubject`).
   */
  readonly subject: string;
  /** SANs, parsed or as text (`DNS:localhost,IP:127.0.0.1`); default none (a server gets its CN). */
  readonly sans?: readonly SubjectAltName[] | string;
  /** Key type; default `ec-p256`. */
  readonly keyType?: KeyType;
  /** Validity in days; default the profile's (397). */
  readonly days?: number;
  /** Issuance time; default `new Date()`. */
  readonly now?: Date;
  /** Serial in hex; default a fresh random one. */
  readonly serial?: string;
  /** Random source for the serial; default `crypto.randomBytes`. */
  readonly random?: RandomBytes;
  /** Allow a validity over 825 days; default false. */
  readonly allowLongValidity?: boolean;
  /** SAN policy: a SAN outside it is refused (see `san-policy.ts`); default any SAN. */
  readonly allowSans?: SanPolicy;
}

/**
 * Generates a key pair and the request a CA certifies for it (no CSR round trip: we made
 * the key, so there is no proof of possession to check).
 * @param subject the subject as the user typed it (see `parseSubject`)
 * @param options `sans` (text or parsed; default none), `keyType` (default `ec-p256`)
 * @returns the request for `signPublicKey` and the private key as PKCS#8 PEM
 * @throws {MtlsError} `MTLS_PKI_BAD_INPUT` for a bad subject or SAN
 */
export async function requestForNewKey(
  subject: string,
  options: { readonly sans?: readonly SubjectAltName[] | string; readonly keyType?: KeyType } = {},
): Promise<{ readonly request: CertificateRequestInfo; readonly keyPem: string }> {
  const name = parseSubject(subject);
  const sans = typeof options.sans === "string" ? parseSanList(options.sans) : (options.sans ?? []);
  const keys = await generateKeyObjects(options.keyType);
  return {
    request: {
      subjectName: subjectToJsonName(name),
      subjectText: subjectToText(name),
      commonName: commonNameOf(name),
      sans,
      spki: new Uint8Array(keys.publicKey.export({ type: "spki", format: "der" })),
      rsa: keys.privateKey.asymmetricKeyType === "rsa",
    },
    keyPem: keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

/**
 * Generates a key and has the CA certify it.
 * @param ca the issuing CA
 * @returns the issued certificate plus its private key (`keyPem`, PKCS#8 PEM)
 * @throws {MtlsError} `MTLS_PKI_BAD_INPUT` for a bad subject or SAN, and as `signPublicKey`
 * @example
 * ```ts
 * const ca = await createRootCa();
 * const server = await issueCertificate(ca, { profile: "server", subject: "CN=localhost", sans: "IP:127.0.0.1" });
 * tls.createServer({ key: server.keyPem, cert: server.certPem, ca: ca.certPem, requestCert: true });
 * ```
 */
export async function issueCertificate(
  ca: CaMaterial,
  options: IssueCertificateOptions,
): Promise<IssuedCertificate & { readonly keyPem: string }> {
  const { request, keyPem } = await requestForNewKey(options.subject, options);
  const issued = await signPublicKey(ca, request, {
    profile: options.profile,
    ...(options.days === undefined ? {} : { days: options.days }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.serial === undefined ? {} : { serial: options.serial }),
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.allowLongValidity ? { allowLongValidity: true } : {}),
    ...(options.allowSans === undefined ? {} : { allowSans: options.allowSans }),
  });
  return { ...issued, keyPem };
}
