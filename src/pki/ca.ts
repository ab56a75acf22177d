/**
 * Certificate authorities in memory: create a self-signed root, or assemble one from PEM
 * text and check that its key matches its certificate. No file system here (see
 * `store.ts`).
 * @module
 */
import { createPublicKey, KeyObject, X509Certificate as NodeX509Certificate } from "node:crypto";
import type { X509Certificate } from "@peculiar/x509";
import { ErrorCode, MtlsError } from "../errors.ts";
import type { CryptoKey } from "./keys.ts";
import { generateKeyObjects, type KeyType, privateKeyPem, readPrivateKey } from "./keys.ts";
import { loadX509, loadX509Sync } from "./load-x509.ts";
import { decodePem, encodePem } from "./pem.ts";
import { KeyUsageBit } from "./profiles.ts";
import { type RandomBytes, randomSerial } from "./serial.ts";
import { parseSubject, subjectToJsonName } from "./subject.ts";
import { validityFrom } from "./validity.ts";
import { certificateExtensions, keyIdentifierOf, signingKeyOf } from "./x509-signer.ts";

/** A CA: its certificate and private key, as PEM text and as parsed objects. */
export interface CaMaterial {
  readonly certPem: string;
  /** The key as stored: PKCS#8 PEM, encrypted when the CA was created with a passphrase. */
  readonly keyPem: string;
  readonly cert: X509Certificate;
  /** The private key (decrypted). */
  readonly key: KeyObject;
  /**
   * The CA certificates a leaf's chain carries after the leaf (PEM): this CA and the CAs
   * above it, without the root. Empty for a root CA.
   */
  readonly chainPem: string;
  /** The root certificate (PEM): what relying parties trust. A root's own certPem. */
  readonly rootPem: string;
}

/** A private key given as a `node:crypto` KeyObject or a WebCrypto CryptoKey. */
export type AnyPrivateKey = KeyObject | CryptoKey;

/** The `node:crypto` form of a private key. */
export function toKeyObject(key: AnyPrivateKey): KeyObject {
  return key instanceof KeyObject ? key : KeyObject.from(key);
}

/** Options of {@link createRootCa}. */
export interface CreateRootCaOptions {
  /** Subject; default `CN=mtlskit CA`. See `parseSubject` for the syntax (DER order). */
  readonly subject?: string;
  /** Validity in days; default 3650. */
  readonly days?: number;
  /** Issuance time; default `new Date()`. */
  readonly now?: Date;
  /** Key type; default `ec-p256`. */
  readonly keyType?: KeyType;
  /** Key pair to certify instead of a new one. */
  readonly keys?: { readonly privateKey: AnyPrivateKey };
  /** Random source for the serial; default `crypto.randomBytes`. */
  readonly random?: RandomBytes;
  /** Encrypt `keyPem` (PKCS#8, AES-256-CBC, PBKDF2) with this passphrase; default none. */
  readonly passphrase?: string;
  /** basicConstraints pathLenConstraint; default none (no limit) for a root. */
  readonly pathLen?: number;
}

/** Default subject of a new CA. */
export const DEFAULT_CA_SUBJECT = "CN=mtlskit CA";
/** Default validity of a new CA, in days. */
export const DEFAULT_CA_DAYS = 3650;

/**
 * Creates a self-signed root CA: basicConstraints critical CA:TRUE, keyUsage critical
 * keyCertSign + cRLSign, subjectKeyIdentifier, authorityKeyIdentifier (RFC 5280 §4.2.1.1,
 * §4.2.1.2, §4.2.1.3, §4.2.1.9); ECDSA P-256 unless `keyType` says otherwise.
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
  const name = new x509.Name(
    subjectToJsonName(parseSubject(options.subject ?? DEFAULT_CA_SUBJECT)),
  );
  const { notBefore, notAfter } = validityFrom(
    options.now ?? new Date(),
    options.days ?? DEFAULT_CA_DAYS,
  );
  const key = options.keys
    ? toKeyObject(options.keys.privateKey)
    : (await generateKeyObjects(options.keyType)).privateKey;
  const spki = new Uint8Array(createPublicKey(key).export({ type: "spki", format: "der" }));
  const keyId = keyIdentifierOf(spki);
  const signingKey = await signingKeyOf(key);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(options.random ? { random: options.random } : {}),
    issuer: name,
    subject: name,
    notBefore,
    notAfter,
    publicKey: spki,
    signingKey: signingKey.key,
    signingAlgorithm: signingKey.algorithm,
    extensions: certificateExtensions({
      ca: true,
      pathLen: options.pathLen,
      keyUsage: KeyUsageBit.keyCertSign | KeyUsageBit.cRLSign,
      subjectKeyId: keyId,
      authorityKeyId: keyId,
    }),
  });
  const der = new Uint8Array(cert.rawData);
  const certPem = encodePem("CERTIFICATE", der);
  return {
    certPem,
    keyPem: privateKeyPem(key, options.passphrase),
    cert,
    key,
    chainPem: "",
    rootPem: certPem,
  };
}

/** Options of {@link caFromPem}. */
export interface CaFromPemOptions {
  /** Where the certificate came from, for messages; default `ca.crt`. */
  readonly certPath?: string;
  /** Where the key came from, for messages; default `ca.key`. */
  readonly keyPath?: string;
  /** Passphrase of an encrypted key. */
  readonly passphrase?: string;
  /** For an intermediate: its chain (itself and CAs above, no root), PEM; default none. */
  readonly chainPem?: string;
  /** For an intermediate: the root certificate, PEM; default the CA's own certificate. */
  readonly rootPem?: string;
}

/**
 * Assembles a CA from PEM text and checks it can act as one: the key's public half equals
 * the certificate's SubjectPublicKeyInfo, and the certificate is a CA certificate.
 * @throws {MtlsError} `MTLS_PKI_BAD_INPUT` for unreadable PEM or an encrypted key without
 *   the right passphrase, `MTLS_PKI_KEY_MISMATCH` when
 *   the key does not belong to the certificate, `MTLS_PKI_POLICY` for a non-CA certificate
 */
export async function caFromPem(
  certPem: string,
  keyPem: string,
  options: CaFromPemOptions = {},
): Promise<CaMaterial> {
  const certPath = options.certPath ?? "ca.crt";
  const keyPath = options.keyPath ?? "ca.key";
  const block = decodePem(certPem, ["CERTIFICATE"], { what: "CA certificate", path: certPath });
  // node:crypto's parser checks the certificate; @peculiar/x509 loads only if `cert` is read.
  let native: NodeX509Certificate;
  try {
    native = new NodeX509Certificate(block.der);
  } catch (e) {
    throw new MtlsError(
      ErrorCode.PKI_BAD_INPUT,
      `Cannot read CA certificate ${certPath}: not a DER X.509 certificate (${(e as Error).message})`,
      { cause: e, details: { path: certPath } },
    );
  }
  const subject = native.subject.replace(/\n/g, ", ");
  const key = readPrivateKey(keyPem, {
    path: keyPath,
    ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }),
  });
  const fromKey = createPublicKey(key).export({ type: "spki", format: "der" });
  const fromCert = native.publicKey.export({ type: "spki", format: "der" });
  if (Buffer.compare(fromKey, fromCert) !== 0) {
    throw new MtlsError(
      ErrorCode.PKI_KEY_MISMATCH,
      `CA key does not match CA certificate: ${keyPath} is not the key of ${certPath} (${subject})`,
      {
        hint: "restore the ca.key that belongs to this ca.crt, or create a new CA with `mtls pki init --force`",
        details: { certPath, keyPath },
      },
    );
  }
  if (!native.ca) {
    throw new MtlsError(
      ErrorCode.PKI_POLICY,
      `Cannot use ${certPath} as a CA: basicConstraints CA:TRUE is missing (${subject})`,
      { hint: "create a CA with `mtls pki init`", details: { certPath } },
    );
  }
  let parsed: X509Certificate | undefined;
  return {
    certPem,
    keyPem,
    get cert(): X509Certificate {
      parsed ??= new (loadX509Sync().X509Certificate)(block.der);
      return parsed;
    },
    key,
    chainPem: options.chainPem ?? "",
    rootPem: options.rootPem ?? certPem,
  };
}
