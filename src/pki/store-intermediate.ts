/**
 * An intermediate CA store: `mtls pki init --intermediate --parent DIR`. The parent signs
 * under its index lock and records the new CA in its index; the new store's files and the
 * parent's index are written in one all-or-nothing commit.
 * @module
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { CaMaterial } from "./ca.ts";
import { commitFiles } from "./commit-files.ts";
import { type CreateIntermediateOptions, createIntermediateCa } from "./intermediate.ts";
import { randomSerial } from "./serial.ts";
import {
  assertNoCa,
  formatIndex,
  loadCaStore,
  readIndex,
  recordFiles,
  StoreFile,
  type StoreLockOptions,
  withStoreLock,
} from "./store.ts";

/** Options of {@link initIntermediateStore}. */
export interface InitIntermediateStoreOptions
  extends Omit<CreateIntermediateOptions, "serial">,
    StoreLockOptions {
  /** Passphrase of the parent's encrypted `ca.key`. */
  readonly parentPassphrase?: string;
  /** Replace an existing CA in `dir`; default false. */
  readonly force?: boolean;
}

/**
 * Creates an intermediate CA store in `dir`, signed by the CA store in `parentDir`:
 * `ca.key` (0600), `ca.crt`, `chain.pem` (to append to leaves), `root.crt`, an empty
 * `index.json` and `certs/`; the parent's index records the new CA (profile `ca`).
 * @returns the new CA
 * @throws {MtlsError} `MTLS_EXISTS` when `dir` holds a CA and `force` is false; as
 *   `loadCaStore` for the parent; `MTLS_PKI_POLICY` when the parent may not sign CAs or
 *   expires first
 * @example
 * ```ts
 * await initIntermediateStore("./issuing", "./root", { nameConstraints: { dns: ["example.com"], ip: [], uri: [] } });
 * ```
 */
export async function initIntermediateStore(
  dir: string,
  parentDir: string,
  options: InitIntermediateStoreOptions = {},
): Promise<CaMaterial> {
  const force = options.force ?? false;
  if (!force) {
    assertNoCa(dir, [
      StoreFile.KEY,
      StoreFile.CERT,
      StoreFile.CHAIN,
      StoreFile.ROOT,
      StoreFile.INDEX,
    ]);
  }
  const parent = await loadCaStore(
    parentDir,
    options.parentPassphrase === undefined ? {} : { passphrase: options.parentPassphrase },
  );
  const { parentPassphrase: _p, force: _f, lock: _l, ...create } = options;
  return withStoreLock(
    parentDir,
    async () => {
      const index = readIndex(parentDir);
      const serial = randomSerial({
        taken: new Set(index.certificates.map((c) => c.serial)),
        ...(options.random ? { random: options.random } : {}),
      });
      const { ca, issued } = await createIntermediateCa(parent, { ...create, serial });
      mkdirSync(join(dir, StoreFile.CERTS), { recursive: true });
      commitFiles([
        { path: join(dir, StoreFile.KEY), data: ca.keyPem, mode: 0o600, force },
        { path: join(dir, StoreFile.CERT), data: ca.certPem, force },
        { path: join(dir, StoreFile.CHAIN), data: ca.chainPem, force },
        { path: join(dir, StoreFile.ROOT), data: ca.rootPem, force },
        {
          path: join(dir, StoreFile.INDEX),
          data: formatIndex({ version: 1, certificates: [] }),
          force,
        },
        ...recordFiles(parentDir, index, issued),
      ]);
      return ca;
    },
    options.lock === undefined ? {} : { lock: options.lock },
  );
}
