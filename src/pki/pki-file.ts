/**
 * Sorting out what a PKI file holds: PEM blocks by label, or bare DER tried as a
 * certificate, CRL, CSR, then key. What `mtls pki inspect` and `mtls pki verify` read.
 * @module
 */
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { ErrorCode, MtlsError } from "../errors.ts";
import { decodePemBlocks } from "./pem.ts";
import { isPkcs12 } from "./pkcs12-info.ts";

/** The kinds of objects mtlskit recognizes. */
export const PkiObjectKind = {
  CERTIFICATE: "certificate",
  CSR: "csr",
  CRL: "crl",
  PRIVATE_KEY: "private-key",
  ENCRYPTED_PRIVATE_KEY: "encrypted-private-key",
  PUBLIC_KEY: "public-key",
  PKCS12: "pkcs12",
} as const;
/** One of the {@link PkiObjectKind} values. */
export type PkiObjectKind = (typeof PkiObjectKind)[keyof typeof PkiObjectKind];

/** One object found in a file. */
export interface PkiObject {
  readonly kind: PkiObjectKind;
  /** The DER bytes (for keys: as found, PKCS#8, SEC1 or PKCS#1). */
  readonly raw: Uint8Array;
  /** The PEM label, or `DER` for a binary file. */
  readonly label: string;
  /** The PEM label's line (1-based), or 0 for DER. */
  readonly line: number;
}

const LABELS: Readonly<Record<string, PkiObjectKind>> = {
  CERTIFICATE: "certificate",
  "TRUSTED CERTIFICATE": "certificate",
  "X509 CERTIFICATE": "certificate",
  "CERTIFICATE REQUEST": "csr",
  "NEW CERTIFICATE REQUEST": "csr",
  "X509 CRL": "crl",
  "PRIVATE KEY": "private-key",
  "EC PRIVATE KEY": "private-key",
  "RSA PRIVATE KEY": "private-key",
  "ENCRYPTED PRIVATE KEY": "encrypted-private-key",
  "PUBLIC KEY": "public-key",
};

/** Where the content of the TLV at `offset` starts, or undefined past the end. */
function contentStart(der: Uint8Array, offset: number): number | undefined {
  const len = der[offset + 1];
  if (len === undefined) return undefined;
  return offset + 2 + (len & 0x80 ? len & 0x7f : 0);
}

function sniffDer(der: Uint8Array): PkiObjectKind | undefined {
  if (isPkcs12(der)) return "pkcs12";
  try {
    new X509Certificate(der);
    return "certificate";
  } catch {
    // not a certificate
  }
  // CertificateList and CertificationRequest differ in their TBS's first fields: a CRL's
  // TBS starts with INTEGER 1 then AlgorithmIdentifier; a CSR's with INTEGER 0 then Name.
  const tbs = contentStart(der, 0);
  const version = tbs === undefined ? undefined : contentStart(der, tbs);
  if (der[0] === 0x30 && version !== undefined && der[version] === 0x02 && der[version + 1] === 1) {
    const v = der[version + 2];
    if (v === 1) return "crl";
    if (v === 0) return "csr";
  }
  for (const type of ["pkcs8", "sec1", "pkcs1"] as const) {
    try {
      createPrivateKey({ key: Buffer.from(der), format: "der", type });
      return "private-key";
    } catch {
      // try the next encoding
    }
  }
  try {
    createPublicKey({ key: Buffer.from(der), format: "der", type: "spki" });
    return "public-key";
  } catch {
    return undefined;
  }
}

/**
 * Finds the objects in a file's bytes: every PEM block with a known label, or the DER
 * object the whole file is.
 * @param bytes the file's content
 * @param path for messages
 * @returns the objects in file order (at least one)
 * @throws {MtlsError} `MTLS_PKI_BAD_INPUT` when nothing recognizable is there, naming the
 *   labels found
 */
export function readPkiObjects(bytes: Uint8Array, path: string): PkiObject[] {
  const text = Buffer.from(bytes).toString("latin1");
  if (text.includes("-----BEGIN ")) {
    const blocks = decodePemBlocks(text, { what: "PEM file", path });
    const known = blocks.flatMap((b) => {
      const kind = LABELS[b.label];
      return kind ? [{ kind, raw: b.der, label: b.label, line: b.line }] : [];
    });
    if (known.length > 0) return known;
    throw new MtlsError(
      ErrorCode.PKI_BAD_INPUT,
      `Cannot read ${path}: found PEM '${[...new Set(blocks.map((b) => b.label))].join("', '")}', expected a certificate, CSR, CRL or key`,
      { details: { path } },
    );
  }
  const kind = sniffDer(bytes);
  if (kind === undefined) {
    throw new MtlsError(
      ErrorCode.PKI_BAD_INPUT,
      `Cannot read ${path}: neither PEM nor a DER certificate, CSR, CRL, key or PKCS#12 file`,
      {
        hint: "give a .pem/.crt/.csr/.crl/.key file as openssl or mtls pki writes them",
        details: { path },
      },
    );
  }
  return [{ kind, raw: bytes, label: "DER", line: 0 }];
}
