/**
 * The CA store on disk: one directory per CA.
 *
 * ```
 * DIR/ca.crt            the CA certificate (PEM)
 * DIR/ca.key            its private key (PKCS#8 PEM, mode 0600)
 * DIR/index.json        every certificate issued: serial, subject, SANs, profile, validity, status
 * DIR/index.json.lock   present while an issuer updates the index
 * DIR/certs/SERIAL.pem  a copy of each issued certificate (like openssl ca's new_certs_dir)
 * DIR/crl.pem, crl.der  the current CRL (written by `mtls pki revoke` and `mtls pki crl`)
 * DIR/chain.pem         intermediates only: this CA and the CAs above it, without the root
 * DIR/root.crt          intermediates only: the root, what relying parties trust
 * ```
 *
 * Writes are atomic and all-or-nothing; nothing is overwritten without `force` (the
 * store's own index and CRL files are replaced as they change).
 * @module
 */
import { existsSync, mkdirSync, readdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { ErrorCode, isErrno, MtlsError } from "../errors.ts";
import { describeReadError, readFileChecked, readRegularFile } from "../files.ts";
import { type CaMaterial, type CreateRootCaOptions, caFromPem, createRootCa } from "./ca.ts";
import { commitFiles, type FileToCommit } from "./commit-files.ts";
import type { RevocationReason } from "./crl.ts";
import type { ProfileName } from "./profiles.ts";
import type { IssuedCertificate } from "./sign.ts";
import { type FileLockOptions, withFileLock } from "./store-lock.ts";

/** File names inside a store directory. */
export const StoreFile = {
  CERT: "ca.crt",
  KEY: "ca.key",
  INDEX: "index.json",
  LOCK: "index.json.lock",
  CERTS: "certs",
  CRL_PEM: "crl.pem",
  CRL_DER: "crl.der",
  CHAIN: "chain.pem",
  ROOT: "root.crt",
} as const;

/** Status of an issued certificate: `revoked` ones are listed in the CRL (`store-revoke.ts`). */
export type IssuedStatus = "valid" | "revoked";

/** One entry of `index.json`. */
export interface IndexEntry {
  /** Serial, lower-case hex (see `serialHexOf`). */
  readonly serial: string;
  readonly subject: string;
  /** SANs in openssl's text form (`DNS:localhost`). */
  readonly sans: readonly string[];
  readonly profile: ProfileName;
  /** ISO 8601. */
  readonly notBefore: string;
  /** ISO 8601. */
  readonly notAfter: string;
  readonly status: IssuedStatus;
  /** When it was revoked, ISO 8601 (revoked entries only). */
  readonly revokedAt?: string;
  /** Why (RFC 5280 §5.3.1 CRLReason name), when given (revoked entries only). */
  readonly reason?: RevocationReason;
  /** The stored copy, relative to the store directory: `certs/SERIAL.pem`. */
  readonly file: string;
}

/** The content of `index.json`. */
export interface CaIndex {
  readonly version: 1;
  readonly certificates: readonly IndexEntry[];
  /** The cRLNumber of the last CRL published (RFC 5280 §5.2.3); absent before the first. */
  readonly crlNumber?: number;
}

const EMPTY_INDEX: CaIndex = { version: 1, certificates: [] };

/** Serializes an index as `index.json` text. */
export function formatIndex(index: CaIndex): string {
  return `${JSON.stringify(index, null, 2)}\n`;
}

/**
 * Refuses to create a CA where one already is.
 * @param dir the store directory
 * @param files the store files that must not exist yet (names from {@link StoreFile})
 * @throws {MtlsError} `MTLS_EXISTS` naming the first that exists
 */
export function assertNoCa(dir: string, files: readonly string[]): void {
  const taken = files.map((f) => join(dir, f)).find((p) => existsSync(p));
  if (taken) {
    throw new MtlsError(
      ErrorCode.EXISTS,
      `Refusing to overwrite ${taken}: ${dir} already holds a CA`,
      {
        hint: "pass --force to replace the CA (certificates it issued will no longer verify)",
        details: { path: taken },
      },
    );
  }
}

/** Options of {@link initCaStore}. */
export interface InitCaStoreOptions extends CreateRootCaOptions {
  /** Replace an existing CA in `dir`; default false. */
  readonly force?: boolean;
}

/**
 * Creates a CA store: a new root CA (see `createRootCa`), `ca.key` at mode 0600, `ca.crt`,
 * an empty `index.json` and `certs/`.
 * @param dir the store directory (created when missing)
 * @returns the new CA
 * @throws {MtlsError} `MTLS_EXISTS` when `dir` already holds a CA and `force` is false,
 *   `MTLS_FILE` when it cannot be written (the directory is then as it was),
 *   `MTLS_PKI_BAD_INPUT` for a bad subject
 * @example
 * ```ts
 * await initCaStore("./pki", { subject: "CN=Dev CA" });
 * const ca = await loadCaStore("./pki");
 * ```
 */
export async function initCaStore(
  dir: string,
  options: InitCaStoreOptions = {},
): Promise<CaMaterial> {
  const force = options.force ?? false;
  if (!force) assertNoCa(dir, [StoreFile.KEY, StoreFile.CERT, StoreFile.INDEX]);
  const ca = await createRootCa(options);
  const created = !existsSync(dir);
  try {
    mkdirSync(join(dir, StoreFile.CERTS), { recursive: true });
    commitFiles([
      { path: join(dir, StoreFile.KEY), data: ca.keyPem, mode: 0o600, force },
      { path: join(dir, StoreFile.CERT), data: ca.certPem, force },
      { path: join(dir, StoreFile.INDEX), data: formatIndex(EMPTY_INDEX), force },
    ]);
  } catch (e) {
    if (created) removeEmptyDirs(dir);
    if (e instanceof MtlsError) throw e;
    throw new MtlsError(ErrorCode.FILE, `Cannot create CA store ${dir}: ${(e as Error).message}`, {
      cause: e,
      hint: "check that the parent directory exists and is writable",
      details: { path: dir },
    });
  }
  return ca;
}

function removeEmptyDirs(dir: string): void {
  try {
    const certs = join(dir, StoreFile.CERTS);
    if (existsSync(certs) && readdirSync(certs).length === 0) rmdirSync(certs);
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // best effort: leave what cannot be removed
  }
}

/**
 * Loads the CA of a store and checks its key matches its certificate; an encrypted
 * `ca.key` needs `passphrase`.
 * @throws {MtlsError} `MTLS_FILE` when `ca.crt` or `ca.key` is missing or unreadable,
 *   `MTLS_PKI_BAD_INPUT` when unreadable as PEM, `MTLS_PKI_KEY_MISMATCH` when the key is
 *   not the certificate's, `MTLS_PKI_POLICY` when the certificate is not a CA
 */
export async function loadCaStore(
  dir: string,
  options: { readonly passphrase?: string } = {},
): Promise<CaMaterial> {
  const certPath = join(dir, StoreFile.CERT);
  const keyPath = join(dir, StoreFile.KEY);
  if (!existsSync(certPath) && !existsSync(keyPath)) {
    throw new MtlsError(
      ErrorCode.FILE,
      `Cannot read CA store ${dir}: no ${StoreFile.CERT} or ${StoreFile.KEY}`,
      {
        hint: `create one with \`mtls pki init --dir ${dir}\``,
        details: { path: dir },
      },
    );
  }
  const certPem = readFileChecked(certPath, "CA certificate").toString("utf8");
  const keyPem = readFileChecked(keyPath, "CA key").toString("utf8");
  const optional = (name: string) =>
    existsSync(join(dir, name))
      ? readFileChecked(join(dir, name), name).toString("utf8")
      : undefined;
  const chainPem = optional(StoreFile.CHAIN);
  const rootPem = optional(StoreFile.ROOT);
  return caFromPem(certPem, keyPem, {
    certPath,
    keyPath,
    ...(chainPem === undefined ? {} : { chainPem }),
    ...(rootPem === undefined ? {} : { rootPem }),
    ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }),
  });
}

/**
 * Reads a store's `index.json` (an empty index when the file is missing).
 * @throws {MtlsError} `MTLS_PKI_BAD_INPUT` when the file is not an mtlskit index
 */
export function readIndex(dir: string): CaIndex {
  const path = join(dir, StoreFile.INDEX);
  let text: string;
  try {
    text = readRegularFile(path).toString("utf8");
  } catch (e) {
    if (isErrno(e, "ENOENT")) return EMPTY_INDEX;
    throw new MtlsError(ErrorCode.FILE, `Cannot read CA index ${path}: ${describeReadError(e)}`, {
      cause: e,
      details: { path },
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new MtlsError(
      ErrorCode.PKI_BAD_INPUT,
      `Cannot read CA index ${path}: ${(e as Error).message}`,
      {
        cause: e,
        hint: "restore index.json from a backup; it lists the certificates this CA issued",
        details: { path },
      },
    );
  }
  const index = parsed as Partial<CaIndex> | null;
  if (index?.version !== 1 || !Array.isArray(index.certificates)) {
    throw new MtlsError(
      ErrorCode.PKI_BAD_INPUT,
      `Cannot read CA index ${path}: expected {"version": 1, "certificates": [...]}`,
      { details: { path } },
    );
  }
  return index as CaIndex;
}

/** The index entry for an issued certificate. */
export function indexEntryOf(issued: IssuedCertificate): IndexEntry {
  return {
    serial: issued.serialHex,
    subject: issued.subject,
    sans: [...issued.sans],
    profile: issued.profile,
    notBefore: issued.notBefore.toISOString(),
    notAfter: issued.notAfter.toISOString(),
    status: "valid",
    file: `${StoreFile.CERTS}/${issued.serialHex}.pem`,
  };
}

/** Options of {@link recordIssued} and {@link withStoreLock}. */
export interface StoreLockOptions {
  /** Lock behaviour (timeout, staleness); see `withFileLock`. */
  readonly lock?: FileLockOptions;
}

/**
 * Runs `fn` holding the store's index lock (`index.json.lock`).
 * @throws {MtlsError} `MTLS_TIMEOUT` when another issuer holds the lock too long
 */
export function withStoreLock<T>(
  dir: string,
  fn: () => Promise<T>,
  options: StoreLockOptions = {},
): Promise<T> {
  return withFileLock(join(dir, StoreFile.LOCK), fn, options.lock ?? {});
}

/**
 * The files that record `issued` in a store: its copy in `certs/` and the new
 * `index.json` (last: the commit point). For `commitFiles` together with the caller's own.
 * @throws {MtlsError} `MTLS_PKI_POLICY` when the serial is already in the index
 */
export function recordFiles(
  dir: string,
  index: CaIndex,
  issued: IssuedCertificate,
): FileToCommit[] {
  if (index.certificates.some((c) => c.serial === issued.serialHex)) {
    throw new MtlsError(
      ErrorCode.PKI_POLICY,
      `Serial ${issued.serialHex} is already in ${join(dir, StoreFile.INDEX)}: serials must be unique`,
      { details: { serial: issued.serialHex } },
    );
  }
  const entry = indexEntryOf(issued);
  return [
    { path: join(dir, entry.file), data: issued.certPem },
    {
      path: join(dir, StoreFile.INDEX),
      data: formatIndex({ ...index, certificates: [...index.certificates, entry] }),
      force: true,
    },
  ];
}

/**
 * Records a certificate issued in memory (by `signCsr` / `issueCertificate`) in the
 * store's index, under the index lock.
 * @returns the new index entry
 * @throws {MtlsError} `MTLS_PKI_POLICY` for a serial already recorded, `MTLS_TIMEOUT` when
 *   the lock is held too long, `MTLS_FILE` when the store cannot be written
 */
export function recordIssued(
  dir: string,
  issued: IssuedCertificate,
  options: StoreLockOptions = {},
): Promise<IndexEntry> {
  return withStoreLock(
    dir,
    async () => {
      commitFiles(recordFiles(dir, readIndex(dir), issued));
      return indexEntryOf(issued);
    },
    options,
  );
}
