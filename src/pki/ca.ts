/**
 * Certificate authorities in memory: create a self-signed root, or assemble one from PEM
 * text and check that its key matches its certificate. No file system here (see
 * `store.ts`).
 * @module
 */
import type { X509Certificate } from "@peculiar/x509";
import { ErrorCode, MtlsError } from "../errors.ts";
import type { CryptoKeyPair } from "./keys.ts";
import {
  exportPrivateKeyPem,
  generateKeyPair,
  importKeyPairPem,
  type KeyType,
  signingAlgorithmOf,
  spkiOf,
} from "./keys.ts";
import { loadX509 } from "./load-x509.ts";
import { decodePem, encodePem } from "./pem.ts";
import { KeyUsageBit } from "./profiles.ts";
import { type RandomBytes, randomSerial } from "./serial.ts";
import { parseSubject, subjectToJsonName } from "./subject.ts";
import { validityFrom } from "./validity.ts";

/** A CA: its certificate and key, as PEM text and as parsed objects. */
export interface CaMaterial {
  readonly certPem: string;
  readonly keyPem: string;
  readonly cert: X509Certificate;
  readonly keys: CryptoKeyPair;
}

/** Options of {@link createRootCa}. */
export interface CreateRootCaOptions {
  /** Subject; default `CN=mtlskit CA`. See `parseSubject` for the syntax. */
  readonly subject?: string;
  /** Validity in days; default 3650. */
  readonly days?: number;
  /** Issuance time; default `new Date()`. */
  readonly now?: Date;
  /** Key type; default `ec-p256`. */
  readonly keyType?: KeyType;
  /** Key pair to certify instead of a new one. */
  readonly keys?: CryptoKeyPair;
  /** Random source for the serial; default `crypto.randomBytes`. */
  readonly random?: RandomBytes;
}

/** Default subject of a new CA. */
export const DEFAULT_CA_SUBJECT = "CN=mtlskit CA";
/** Default validity of a new CA, in days. */
export const DEFAULT_CA_DAYS = 3650;

/**
 * Creates a self-signed root CA: ECDSA P-256 key, basicConstraints critical CA:TRUE,
 * keyUsage critical keyCertSign + cRLSign, subjectKeyIdentifier, authorityKeyIdentifier
 * (RFC 5280 §4.2.1.1, §4.2.1.2, §4.2.1.3, §4.2.1.9).
 * @returns the CA's certificate and key (PEM and parsed)
 * @throws {MtlsError} `MTLS_PKI_BAD_INPUT` for a bad subject
 * @throws {RangeError} for bad `days`
 * @example
 * ```ts
 * const ca = await createRootCa({ subject: "CN=Dev CA" });
 * const server = await issueCertificate(ca, { profile: "server", subject: "CN=localhost", sans: [] });
 * ```
 */
export async function createRootCa(options: CreateRootCaOptions = {}): Promise<CaMaterial> {
  const x509 = await loadX509();
  const subject = parseSubject(options.subject ?? DEFAULT_CA_SUBJECT);
  const { notBefore, notAfter } = validityFrom(
    options.now ?? new Date(),
    options.days ?? DEFAULT_CA_DAYS,
  );
  const keys = options.keys ?? (await generateKeyPair(options.keyType));
  const ski = await x509.SubjectKeyIdentifierExtension.create(keys.publicKey);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(options.random ? { random: options.random } : {}),
    name: new x509.Name(subjectToJsonName(subject)),
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: signingAlgorithmOf(keys.privateKey),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(KeyUsageBit.keyCertSign | KeyUsageBit.cRLSign, true),
      ski,
      new x509.AuthorityKeyIdentifierExtension(ski.keyId),
    ],
  });
  return {
    certPem: encodePem("CERTIFICATE", new Uint8Array(cert.rawData)),
    keyPem: await exportPrivateKeyPem(keys.privateKey),
    cert,
    keys,
  };
}

/** Options of {@link caFromPem}. */
export interface CaFromPemOptions {
  /** Where the certificate came from, for messages; default `ca.crt`. */
  readonly certPath?: string;
  /** Where the key came from, for messages; default `ca.key`. */
  readonly keyPath?: string;
}

/**
 * Assembles a CA from PEM text and checks it can act as one: the key's public half equals
 * the certificate's SubjectPublicKeyInfo, and the certificate is a CA certificate.
 * @throws {MtlsError} `MTLS_PKI_BAD_INPUT` for unreadable PEM, `MTLS_PKI_KEY_MISMATCH` when
 *   the key does not belong to the certificate, `MTLS_PKI_POLICY` for a non-CA certificate
 */
export async function caFromPem(
  certPem: string,
  keyPem: string,
  options: CaFromPemOptions = {},
): Promise<CaMaterial> {
  const x509 = await loadX509();
  const certPath = options.certPath ?? "ca.crt";
  const keyPath = options.keyPath ?? "ca.key";
  const block = decodePem(certPem, ["CERTIFICATE"], { what: "CA certificate", path: certPath });
  let cert: X509Certificate;
  try {
    cert = new x509.X509Certificate(block.der);
  } catch (e) {
    throw new MtlsError(
      ErrorCode.PKI_BAD_INPUT,
      `Cannot read CA certificate ${certPath}: not a DER X.509 certificate (${(e as Error).message})`,
      { cause: e, details: { path: certPath } },
    );
  }
  const keys = await importKeyPairPem(keyPem, { path: keyPath });
  const fromKey = await spkiOf(keys.publicKey);
  const fromCert = new Uint8Array(cert.publicKey.rawData);
  if (Buffer.compare(fromKey, fromCert) !== 0) {
    throw new MtlsError(
      ErrorCode.PKI_KEY_MISMATCH,
      `CA key does not match CA certificate: ${keyPath} is not the key of ${certPath} (${cert.subject})`,
      {
        hint: "restore the ca.key that belongs to this ca.crt, or create a new CA with `mtls pki init --force`",
        details: { certPath, keyPath },
      },
    );
  }
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  if (!bc?.ca) {
    throw new MtlsError(
      ErrorCode.PKI_POLICY,
      `Cannot use ${certPath} as a CA: basicConstraints CA:TRUE is missing (${cert.subject})`,
      { hint: "create a CA with `mtls pki init`", details: { certPath } },
    );
  }
  return { certPem, keyPem, cert, keys };
}
