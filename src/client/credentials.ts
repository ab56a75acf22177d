/**
 * Checks the client's PEM inputs before any connection is opened, so a bad file gets one
 * line naming it instead of an OpenSSL error string (or a socket left open).
 * @module
 */
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { createSecureContext, type SecureContext } from "node:tls";
import { ErrorCode, MtlsError } from "../errors.ts";

/** PEM text of the client's trust anchors and identity. */
export interface ClientCredentials {
  readonly cacert?: string;
  readonly cert?: string;
  readonly key?: string;
}

/** Where each PEM came from (file paths), for messages; default "--cacert", "--cert", "--key". */
export interface CredentialSources {
  readonly cacert?: string;
  readonly cert?: string;
  readonly key?: string;
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function certificates(pem: string, what: string, source: string): X509Certificate[] {
  const blocks = pem.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) {
    throw new MtlsError(
      ErrorCode.PKI_BAD_INPUT,
      `Cannot read ${what} ${source}: no PEM certificate in it (no -----BEGIN CERTIFICATE----- line)`,
      { hint: `give a PEM certificate file for ${what}`, details: { path: source } },
    );
  }
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch (e) {
      throw new MtlsError(
        ErrorCode.PKI_BAD_INPUT,
        `Cannot read ${what} ${source}: certificate ${i + 1} does not decode (${(e as Error).message})`,
        { cause: e, details: { path: source } },
      );
    }
  });
}

function privateKey(pem: string, source: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (e) {
    const encrypted = /ENCRYPTED/.test(pem);
    throw new MtlsError(
      ErrorCode.PKI_BAD_INPUT,
      `Cannot read client key ${source}: ${encrypted ? "the key is encrypted" : "not a PEM private key"}`,
      {
        cause: e,
        hint: encrypted
          ? "decrypt it first (openssl pkey -in KEY -out plain.key)"
          : "give the PEM private key (-----BEGIN PRIVATE KEY-----) that belongs to --cert",
        details: { path: source },
      },
    );
  }
}

/**
 * Validates the credentials and builds the TLS context from them.
 * @param credentials PEM strings (each optional)
 * @param sources file names for messages
 * @returns a secure context for `tls.connect({ secureContext })`
 * @throws {MtlsError} `MTLS_PKI_BAD_INPUT` (a file with no certificate, a key that does not
 *   decode or is encrypted), `MTLS_PKI_KEY_MISMATCH` (the key is not the certificate's),
 *   `MTLS_USAGE` (a certificate without a key or the reverse)
 */
export function clientSecureContext(
  credentials: ClientCredentials,
  sources: CredentialSources = {},
): SecureContext {
  const src = {
    cacert: sources.cacert ?? "--cacert",
    cert: sources.cert ?? "--cert",
    key: sources.key ?? "--key",
  };
  if ((credentials.cert === undefined) !== (credentials.key === undefined)) {
    throw new MtlsError(
      ErrorCode.USAGE,
      "Incomplete client identity: --cert and --key go together",
    );
  }
  if (credentials.cacert !== undefined)
    certificates(credentials.cacert, "CA certificate", src.cacert);
  if (credentials.cert !== undefined && credentials.key !== undefined) {
    const [leaf] = certificates(credentials.cert, "client certificate", src.cert);
    const key = privateKey(credentials.key, src.key);
    if (leaf && !leaf.checkPrivateKey(key)) {
      throw new MtlsError(
        ErrorCode.PKI_KEY_MISMATCH,
        `Client key ${src.key} does not match client certificate ${src.cert}`,
        {
          hint: "give the key the certificate was issued for (are --cert and --key swapped or from different pairs?)",
          details: { cert: src.cert, key: src.key },
        },
      );
    }
  }
  try {
    return createSecureContext({
      ...(credentials.cacert === undefined ? {} : { ca: credentials.cacert }),
      ...(credentials.cert === undefined ? {} : { cert: credentials.cert }),
      ...(credentials.key === undefined ? {} : { key: credentials.key }),
    });
  } catch (e) {
    throw new MtlsError(
      ErrorCode.PKI_BAD_INPUT,
      `Cannot use the client's certificates: ${(e as Error).message}`,
      { cause: e },
    );
  }
}
