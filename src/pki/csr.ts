/**
 * Certificate signing requests (PKCS#10, RFC 2986): create one with the SANs in an
 * extensionRequest attribute (RFC 2985 §5.4.2), and read one back, checking its
 * self-signature.
 * @module
 */
import type { Pkcs10CertificateRequest } from "@peculiar/x509";
import { ErrorCode, MtlsError } from "../errors.ts";
import type { CryptoKeyPair } from "./keys.ts";
import { exportPrivateKeyPem, generateKeyPair, type KeyType, signingAlgorithmOf } from "./keys.ts";
import { loadX509 } from "./load-x509.ts";
import { decodePem, encodePem } from "./pem.ts";
import { Oid } from "./profiles.ts";
import { parseSanList, type SubjectAltName, sanFromGeneralName, sanToGeneralName } from "./san.ts";
import { parseSubject, subjectToJsonName } from "./subject.ts";

export { parseSanList };

/** Options of {@link createCsr}. */
export interface CreateCsrOptions {
  /** Subject, e.g. `CN=localhost` (see `parseSubject`). */
  readonly subject: string;
  /** SANs: parsed, or text such as `DNS:localhost,IP:127.0.0.1`; default none. */
  readonly sans?: readonly SubjectAltName[] | string;
  /** Key pair to use; default a new one of `keyType`. */
  readonly keys?: CryptoKeyPair;
  /** Type of the new key; default `ec-p256`. */
  readonly keyType?: KeyType;
}

/**
 * Creates a CSR signed with its own key (proof of possession, RFC 2986 §3).
 * @returns `csrPem` (`CERTIFICATE REQUEST`) and `keyPem` (PKCS#8 `PRIVATE KEY`)
 * @throws {MtlsError} `MTLS_PKI_BAD_INPUT` for a bad subject or SAN
 * @example
 * ```ts
 * const { csrPem, keyPem } = await createCsr({ subject: "CN=localhost", sans: "DNS:localhost,IP:127.0.0.1" });
 * ```
 */
export async function createCsr(
  options: CreateCsrOptions,
): Promise<{ csrPem: string; keyPem: string }> {
  const x509 = await loadX509();
  const subject = parseSubject(options.subject);
  const sans = typeof options.sans === "string" ? parseSanList(options.sans) : (options.sans ?? []);
  const keys = options.keys ?? (await generateKeyPair(options.keyType));
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: new x509.Name(subjectToJsonName(subject)),
    keys,
    signingAlgorithm: signingAlgorithmOf(keys.privateKey),
    extensions:
      sans.length === 0
        ? []
        : [new x509.SubjectAlternativeNameExtension(sans.map(sanToGeneralName))],
  });
  return {
    csrPem: encodePem("CERTIFICATE REQUEST", new Uint8Array(csr.rawData)),
    keyPem: await exportPrivateKeyPem(keys.privateKey),
  };
}

/** A CSR read by {@link readCsr}: its signature has been verified. */
export interface ParsedCsr {
  readonly csr: Pkcs10CertificateRequest;
  /** The subject as `@peculiar/x509` prints it, e.g. `CN=localhost, O=Example`. */
  readonly subject: string;
  /** The most specific (last) CN of the subject, if any. */
  readonly commonName: string | undefined;
  /** The SANs requested in the extensionRequest. */
  readonly sans: readonly SubjectAltName[];
  /** The DER bytes. */
  readonly raw: Uint8Array;
}

/** Options of {@link readCsr}. */
export interface ReadCsrOptions {
  /** The file the PEM came from, for messages; default `<input>`. */
  readonly path?: string;
}

/**
 * Reads a PEM CSR and verifies its self-signature.
 * @throws {MtlsError} `MTLS_PKI_BAD_INPUT` (`Cannot read CSR x.csr: not PEM (no -----BEGIN
 *   line)`, bad DER, unsupported SAN types), `MTLS_PKI_BAD_CSR` when the signature does not
 *   verify
 */
export async function readCsr(pem: string, options: ReadCsrOptions = {}): Promise<ParsedCsr> {
  const x509 = await loadX509();
  const path = options.path ?? "<input>";
  const block = decodePem(pem, ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"], {
    what: "CSR",
    path,
  });
  let csr: Pkcs10CertificateRequest;
  let sans: SubjectAltName[];
  try {
    csr = new x509.Pkcs10CertificateRequest(block.der);
    const ext = csr.getExtension(Oid.subjectAltName);
    sans = [];
    if (ext) {
      for (const name of new x509.SubjectAlternativeNameExtension(ext.rawData).names.toJSON()) {
        const san = sanFromGeneralName(name);
        if (!san) throw new Error(`unsupported SAN type '${name.type}'`);
        sans.push(san);
      }
    }
  } catch (e) {
    throw new MtlsError(
      ErrorCode.PKI_BAD_INPUT,
      `Cannot read CSR ${path}: not a PKCS#10 request (${(e as Error).message})`,
      {
        cause: e,
        hint: "create the CSR with `mtls pki csr` or `openssl req -new`",
        details: { path },
      },
    );
  }
  let verified = false;
  try {
    verified = await csr.verify();
  } catch (e) {
    throw new MtlsError(
      ErrorCode.PKI_BAD_CSR,
      `Cannot verify CSR ${path}: ${(e as Error).message}`,
      { cause: e, hint: "sign the CSR with an ECDSA or RSA key", details: { path } },
    );
  }
  if (!verified) {
    throw new MtlsError(
      ErrorCode.PKI_BAD_CSR,
      `Bad CSR signature in ${path}: the request is not signed by the key it contains (${csr.subject})`,
      { hint: "create a new CSR; this one was altered or corrupted", details: { path } },
    );
  }
  const commonName = csr.subjectName.getField("CN").at(-1);
  return { csr, subject: csr.subject, commonName, sans, raw: block.der };
}
