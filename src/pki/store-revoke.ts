/**
 * Revocation in a CA store: mark an issued certificate revoked in `index.json` and publish
 * a fresh CRL (`crl.pem`, `crl.der`) in the same all-or-nothing commit, under the index
 * lock. What `mtls pki revoke` and `mtls pki crl` run.
 * @module
 */
import { createPublicKey, X509Certificate } from "node:crypto";
import { join } from "node:path";
import { ErrorCode, MtlsError } from "../errors.ts";
import type { CaMaterial } from "./ca.ts";
import { commitFiles, type FileToCommit } from "./commit-files.ts";
import { type Crl, createCrl, type RevocationReason } from "./crl.ts";
import { decodePem } from "./pem.ts";
import { serialHexOf } from "./serial.ts";
import { caSignerOf } from "./sign.ts";
import {
  type CaIndex,
  formatIndex,
  type IndexEntry,
  loadCaStore,
  readIndex,
  StoreFile,
  type StoreLockOptions,
  withStoreLock,
} from "./store.ts";

/**
 * Normalizes a serial as typed: `0x` prefix, `:` or space separators and case are
 * ignored; leading zero octets are dropped (the index's form, see `serialHexOf`).
 * @returns lower-case hex, or undefined when `text` is not hex
 */
export function normalizeSerial(text: string): string | undefined {
  const hex = text.trim().replace(/^0x/i, "").replace(/[:\s]/g, "").toLowerCase();
  if (!/^[0-9a-f]+$/.test(hex)) return undefined;
  return serialHexOf(Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex"));
}

/** Options of {@link publishCrl} and {@link revokeInStore}. */
export interface PublishCrlOptions extends StoreLockOptions {
  /** thisUpdate and revocation time; default `new Date()`. */
  readonly now?: Date;
  /** CRL lifetime (nextUpdate − thisUpdate) in days; default 30. */
  readonly days?: number;
  /** Passphrase of an encrypted `ca.key`. */
  readonly passphrase?: string;
}

/** Options of {@link revokeInStore}. */
export interface RevokeOptions extends PublishCrlOptions {
  /** CRLReason; default none (RFC 5280 §5.3.1: no reasonCode rather than `unspecified`). */
  readonly reason?: RevocationReason;
}

/** What {@link revokeInStore} and {@link publishCrl} wrote. */
export interface CrlResult {
  readonly crl: Crl;
  /** `crl.pem` and `crl.der` in the store. */
  readonly files: readonly string[];
  /** The revoked entry ({@link revokeInStore} only). */
  readonly entry?: IndexEntry;
}

/** The CRL for `index` and the files that publish it with the index (index first). */
function crlCommit(
  dir: string,
  ca: CaMaterial,
  index: CaIndex,
  options: PublishCrlOptions,
): { crl: Crl; files: FileToCommit[] } {
  const crlNumber = (index.crlNumber ?? 0) + 1;
  const revoked = index.certificates
    .filter((c) => c.status === "revoked")
    .map((c) => ({
      serial: c.serial,
      revokedAt: new Date(c.revokedAt ?? c.notBefore),
      ...(c.reason === undefined ? {} : { reason: c.reason }),
    }));
  const crl = createCrl(ca, revoked, {
    crlNumber,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.days === undefined ? {} : { days: options.days }),
  });
  return {
    crl,
    // The index goes first: it is the source of truth. A crash after it leaves a stale
    // CRL that `mtls pki crl` rebuilds; the other order could publish a revocation the
    // index forgets, and the next CRL would silently un-revoke the certificate.
    files: [
      { path: join(dir, StoreFile.INDEX), data: formatIndex({ ...index, crlNumber }), force: true },
      { path: join(dir, StoreFile.CRL_PEM), data: crl.pem, force: true },
      { path: join(dir, StoreFile.CRL_DER), data: crl.der, force: true },
    ],
  };
}

/**
 * Publishes a CRL of the store's revoked certificates with the next cRLNumber.
 * @param dir the CA store
 * @returns the CRL and the files written
 * @throws {MtlsError} as `loadCaStore`; `MTLS_TIMEOUT` when the lock is held too long
 * @example
 * ```ts
 * const { crl } = await publishCrl("./pki", { days: 7 });
 * ```
 */
export async function publishCrl(dir: string, options: PublishCrlOptions = {}): Promise<CrlResult> {
  const ca = await loadCaStore(
    dir,
    options.passphrase === undefined ? {} : { passphrase: options.passphrase },
  );
  return withStoreLock(
    dir,
    async () => {
      const { crl, files } = crlCommit(dir, ca, readIndex(dir), options);
      commitFiles(files);
      return { crl, files: files.slice(1).map((f) => f.path) };
    },
    options,
  );
}

/** The serial of a certificate file, after checking this CA issued it. */
function serialOfCertificate(ca: CaMaterial, pem: string, path: string): string {
  const block = decodePem(pem, ["CERTIFICATE"], { what: "certificate", path });
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(block.der);
  } catch (e) {
    throw new MtlsError(
      ErrorCode.PKI_BAD_INPUT,
      `Cannot read certificate ${path}: not a DER X.509 certificate (${(e as Error).message})`,
      { cause: e, details: { path } },
    );
  }
  if (!cert.verify(createPublicKey(caSignerOf(ca).key))) {
    throw new MtlsError(
      ErrorCode.PKI_POLICY,
      `Cannot revoke ${path}: it was issued by '${cert.issuer.replace(/\n/g, ", ")}', not by this CA ('${ca.cert.subject}')`,
      { hint: "pass the --ca directory of the CA that issued it", details: { path } },
    );
  }
  return serialHexOf(Buffer.from(cert.serialNumber, "hex"));
}

/**
 * Revokes a certificate the store's CA issued and publishes the new CRL, all or nothing.
 * @param dir the CA store
 * @param target a serial (`3f9c...`, `0x3F:9C...`) or a certificate's PEM text with its path
 * @returns the revoked entry, the CRL and the CRL files
 * @throws {MtlsError} `MTLS_PKI_BAD_INPUT` for a serial not in the index or not hex,
 *   `MTLS_PKI_POLICY` for a certificate already revoked or issued by another CA; the store
 *   is then unchanged
 * @example
 * ```ts
 * await revokeInStore("./pki", { serial: "3f9c..." }, { reason: "keyCompromise" });
 * ```
 */
export async function revokeInStore(
  dir: string,
  target: { readonly serial: string } | { readonly certPem: string; readonly path: string },
  options: RevokeOptions = {},
): Promise<CrlResult> {
  const ca = await loadCaStore(
    dir,
    options.passphrase === undefined ? {} : { passphrase: options.passphrase },
  );
  const serial =
    "serial" in target
      ? normalizeSerial(target.serial)
      : serialOfCertificate(ca, target.certPem, target.path);
  if (serial === undefined) {
    throw new MtlsError(
      ErrorCode.PKI_BAD_INPUT,
      `Cannot revoke '${"serial" in target ? target.serial : ""}': not a serial in hex and not a certificate file`,
      { hint: "pass the serial `mtls pki list` shows, or the certificate file" },
    );
  }
  return withStoreLock(
    dir,
    async () => {
      const index = readIndex(dir);
      const at = index.certificates.findIndex((c) => c.serial === serial);
      const found = index.certificates[at];
      if (found === undefined) {
        throw new MtlsError(
          ErrorCode.PKI_BAD_INPUT,
          `Cannot revoke serial ${serial}: not in ${join(dir, StoreFile.INDEX)} (${index.certificates.length} certificates issued)`,
          { hint: `list them with \`mtls pki list --ca ${dir}\``, details: { serial } },
        );
      }
      if (found.status === "revoked") {
        throw new MtlsError(
          ErrorCode.PKI_POLICY,
          `Cannot revoke serial ${serial}: already revoked at ${found.revokedAt}${found.reason ? ` (${found.reason})` : ""}`,
          {
            hint: `republish the CRL with \`mtls pki crl --ca ${dir}\``,
            details: { serial },
          },
        );
      }
      const entry: IndexEntry = {
        ...found,
        status: "revoked",
        revokedAt: new Date(
          Math.floor((options.now ?? new Date()).getTime() / 1000) * 1000,
        ).toISOString(),
        ...(options.reason === undefined ? {} : { reason: options.reason }),
      };
      const certificates = index.certificates.map((c, i) => (i === at ? entry : c));
      const { crl, files } = crlCommit(dir, ca, { ...index, certificates }, options);
      commitFiles(files);
      return { crl, files: files.slice(1).map((f) => f.path), entry };
    },
    options,
  );
}
