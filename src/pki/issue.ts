/**
 * Key, CSR and certificate in one go (seed steps 1–3 for one party): what `mtls pki
 * issue` and the demo use.
 * @module
 */
import type { CaMaterial } from "./ca.ts";
import { createCsr } from "./csr.ts";
import type { KeyType } from "./keys.ts";
import type { ProfileName } from "./profiles.ts";
import type { SubjectAltName } from "./san.ts";
import type { RandomBytes } from "./serial.ts";
import { type IssuedCertificate, signCsr } from "./sign.ts";

/** Options of {@link issueCertificate}. */
export interface IssueCertificateOptions {
  /** `server` or `client`. */
  readonly profile: ProfileName;
  /** Subject, e.g. `CN=localhost` (see `parseSubject`). */
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
}

/**
 * Generates a key, makes a CSR for it and has the CA sign it.
 * @param ca the issuing CA
 * @returns the issued certificate plus its private key (`keyPem`, PKCS#8) and CSR
 * @throws {MtlsError} as `createCsr` and `signCsr`
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
): Promise<IssuedCertificate & { readonly keyPem: string; readonly csrPem: string }> {
  const { csrPem, keyPem } = await createCsr({
    subject: options.subject,
    ...(options.sans === undefined ? {} : { sans: options.sans }),
    ...(options.keyType === undefined ? {} : { keyType: options.keyType }),
  });
  const issued = await signCsr(ca, csrPem, {
    profile: options.profile,
    ...(options.days === undefined ? {} : { days: options.days }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.serial === undefined ? {} : { serial: options.serial }),
    ...(options.random === undefined ? {} : { random: options.random }),
  });
  return { ...issued, keyPem, csrPem };
}
