/**
 * `mtls pki export`: an issued certificate with its key and chain in the form a peer
 * wants: PKCS#12 (`--p12`, see `pkcs12.ts`: the modern profile is built with pkijs, the
 * legacy one by hand), a PEM bundle (certificate + chain) or the certificate in DER.
 * @module
 */
import { createPublicKey, X509Certificate } from "node:crypto";
import { ErrorCode, MtlsError } from "../errors.ts";
import { readPrivateKey } from "./keys.ts";
import { decodePemBlocks, encodePem } from "./pem.ts";
import { createPkcs12, type Pkcs12Profile } from "./pkcs12.ts";

/** The export formats. */
export type ExportFormat = "p12" | "pem-bundle" | "der";

/** Options of {@link exportCredentials}. */
export interface ExportOptions {
  readonly format: ExportFormat;
  /** The certificate file's name, for messages. */
  readonly certPath?: string;
  /** The key's PEM (needed for `p12`). */
  readonly keyPem?: string;
  readonly keyPath?: string;
  /** PKCS#12 passphrase (needed for `p12`). */
  readonly passphrase?: string;
  /** PKCS#12 profile; default `modern`. */
  readonly profile?: Pkcs12Profile;
  /** A root certificate (PEM) to add at the end of the chain; default none. */
  readonly rootPem?: string;
  /** friendlyName in the PKCS#12 file; default the certificate's CN. */
  readonly friendlyName?: string;
}

/**
 * Packages a certificate file (leaf first, then any chain) for export. Async because the
 * modern PKCS#12 profile is built with pkijs over WebCrypto.
 * @param certPem the certificate file's text: the leaf, then intermediates
 * @returns a promise of the bytes to write
 * @throws {MtlsError} (as a rejection) `MTLS_PKI_BAD_INPUT` for a file without a
 *   certificate or an unreadable key, `MTLS_PKI_KEY_MISMATCH` when the key is not the leaf's;
 *   {@link RangeError} for an empty PKCS#12 passphrase
 * @example
 * ```ts
 * const p12 = await exportCredentials(certPem, { format: "p12", keyPem, passphrase: "s3cret", profile: "legacy" });
 * ```
 */
export async function exportCredentials(
  certPem: string,
  options: ExportOptions,
): Promise<Uint8Array> {
  const certPath = options.certPath ?? "<input>";
  const blocks = decodePemBlocks(certPem, { what: "certificate", path: certPath }).filter(
    (b) => b.label === "CERTIFICATE",
  );
  const roots = options.rootPem
    ? decodePemBlocks(options.rootPem, { what: "root certificate" }).filter(
        (b) => b.label === "CERTIFICATE",
      )
    : [];
  const [leaf] = blocks;
  if (leaf === undefined) {
    throw new MtlsError(
      ErrorCode.PKI_BAD_INPUT,
      `Cannot export ${certPath}: no CERTIFICATE in it`,
      {
        details: { path: certPath },
      },
    );
  }
  const chain = [
    ...blocks,
    ...roots.filter((r) => !blocks.some((b) => Buffer.compare(b.der, r.der) === 0)),
  ];
  switch (options.format) {
    case "der":
      return leaf.der;
    case "pem-bundle":
      return new TextEncoder().encode(chain.map((b) => encodePem("CERTIFICATE", b.der)).join(""));
    case "p12": {
      const keyPath = options.keyPath ?? "<key>";
      const key = readPrivateKey(options.keyPem ?? "", { path: keyPath });
      const cert = new X509Certificate(leaf.der);
      const fromKey = createPublicKey(key).export({ type: "spki", format: "der" });
      const fromCert = cert.publicKey.export({ type: "spki", format: "der" });
      if (!fromKey.equals(fromCert)) {
        throw new MtlsError(
          ErrorCode.PKI_KEY_MISMATCH,
          `Key does not match certificate: ${keyPath} is not the key of ${certPath}`,
          {
            hint: "pass the key written with this certificate (--key FILE)",
            details: { certPath, keyPath },
          },
        );
      }
      const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
      const friendlyName = options.friendlyName ?? cn;
      return createPkcs12(
        key,
        chain.map((b) => b.der),
        options.passphrase ?? "",
        {
          ...(options.profile === undefined ? {} : { profile: options.profile }),
          ...(friendlyName === undefined ? {} : { friendlyName }),
        },
      );
    }
  }
}
