/**
 * Issuing from a CA store: sign under the index lock with a serial not yet in the index,
 * then write the certificate (and key), its copy in the store and the new index all or
 * nothing. What `mtls pki sign` and `mtls pki issue` run.
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { CaMaterial } from "./ca.ts";
import { commitFiles, type FileToCommit } from "./commit-files.ts";
import { requestForNewKey } from "./issue.ts";
import type { KeyType } from "./keys.ts";
import type { ProfileName } from "./profiles.ts";
import type { SubjectAltName } from "./san.ts";
import type { SanPolicy } from "./san-policy.ts";
import { type RandomBytes, randomSerial } from "./serial.ts";
import { type IssuedCertificate, type IssueTermsOptions, signCsr, signPublicKey } from "./sign.ts";
import {
  loadCaStore,
  readIndex,
  recordFiles,
  type StoreLockOptions,
  withStoreLock,
} from "./store.ts";

/** Options of {@link signIntoStore}. */
export interface SignIntoStoreOptions extends StoreLockOptions {
  readonly profile: ProfileName;
  /** Where to write the certificate (PEM). */
  readonly certPath: string;
  /** A private key to write beside it (PEM, mode 0600); default none. */
  readonly key?: { readonly pem: string; readonly path: string };
  /** Validity in days; default the profile's. */
  readonly days?: number;
  /** Replace existing output files; default false. */
  readonly force?: boolean;
  /** Issuance time; default `new Date()`. */
  readonly now?: Date;
  /** Random source for the serial; default `crypto.randomBytes`. */
  readonly random?: RandomBytes;
  /** Where the CSR came from, for messages. */
  readonly csrPath?: string;
  /** Allow a leaf validity over 825 days; default false. */
  readonly allowLongValidity?: boolean;
  /** Passphrase of an encrypted `ca.key`. */
  readonly passphrase?: string;
  /** pathLenConstraint for the `ca` profile; default 0. */
  readonly pathLen?: number;
  /** SAN policy (`--allow-san`); default any SAN. */
  readonly allowSans?: SanPolicy;
}

/** What {@link signIntoStore} wrote. */
export interface StoreIssueResult {
  readonly issued: IssuedCertificate;
  /** Files written outside the store, in order: certificate, then key when given. */
  readonly files: readonly string[];
}

/**
 * Signs a CSR with the CA in `dir` and records it: serial unique in the index, output
 * files, `certs/SERIAL.pem` and `index.json` written all or nothing under the lock. From
 * an intermediate CA the certificate file holds the leaf followed by `chain.pem`.
 * @param dir the CA store
 * @param csrPem PEM `CERTIFICATE REQUEST`
 * @throws {MtlsError} as `loadCaStore` and `signCsr`; `MTLS_EXISTS` when an output exists
 *   and `force` is false (nothing written)
 * @example
 * ```ts
 * const { issued } = await signIntoStore("./pki", csrPem, { profile: "server", certPath: "server.crt" });
 * ```
 */
export async function signIntoStore(
  dir: string,
  csrPem: string,
  options: SignIntoStoreOptions,
): Promise<StoreIssueResult> {
  const { csrPath, ...rest } = options;
  return issueUnderLock(dir, rest, (ca, terms) =>
    signCsr(ca, csrPem, { ...terms, ...(csrPath === undefined ? {} : { csrPath }) }),
  );
}

/**
 * Checks the outputs are free, loads the CA, then under the lock draws a serial not in the
 * index, has `sign` issue, and commits the outputs, `certs/SERIAL.pem` and `index.json`.
 */
async function issueUnderLock(
  dir: string,
  options: Omit<SignIntoStoreOptions, "csrPath">,
  sign: (
    ca: CaMaterial,
    terms: IssueTermsOptions,
  ) => Promise<IssuedCertificate> | IssuedCertificate,
): Promise<StoreIssueResult> {
  const outputs = [options.certPath, ...(options.key ? [options.key.path] : [])];
  const existing = options.force ? undefined : outputs.find((p) => existsSync(p));
  if (existing !== undefined) commitFiles([{ path: existing, data: "" }]); // throws MTLS_EXISTS
  const ca = await loadCaStore(
    dir,
    options.passphrase === undefined ? {} : { passphrase: options.passphrase },
  );
  return withStoreLock(
    dir,
    async () => {
      const index = readIndex(dir);
      const taken = new Set(index.certificates.map((c) => c.serial));
      const issued = await sign(ca, {
        profile: options.profile,
        serial: randomSerial({ taken, ...(options.random ? { random: options.random } : {}) }),
        ...(options.days === undefined ? {} : { days: options.days }),
        ...(options.now === undefined ? {} : { now: options.now }),
        ...(options.allowLongValidity ? { allowLongValidity: true } : {}),
        ...(options.pathLen === undefined ? {} : { pathLen: options.pathLen }),
        ...(options.allowSans === undefined ? {} : { allowSans: options.allowSans }),
      });
      const force = options.force ?? false;
      // From an intermediate, the file carries the chain too (leaf first, root left out):
      // servers and clients send what the file holds, and a missing intermediate breaks peers.
      const files: FileToCommit[] = [
        { path: options.certPath, data: issued.certPem + ca.chainPem, force },
      ];
      if (options.key) {
        files.push({ path: options.key.path, data: options.key.pem, mode: 0o600, force });
      }
      commitFiles([...files, ...recordFiles(dir, index, issued)]);
      return { issued, files: files.map((o) => o.path) };
    },
    options,
  );
}

/** Options of {@link issueIntoStore}. */
export interface IssueIntoStoreOptions extends StoreLockOptions {
  readonly profile: ProfileName;
  /** Subject; default `CN=<name>`. */
  readonly subject?: string;
  /** SANs, parsed or as text; default none (a server gets its CN). */
  readonly sans?: readonly SubjectAltName[] | string;
  /** Directory for `<name>.key` and `<name>.crt`; default the store directory. */
  readonly outDir?: string;
  readonly keyType?: KeyType;
  readonly days?: number;
  readonly force?: boolean;
  readonly now?: Date;
  readonly random?: RandomBytes;
  /** Allow a leaf validity over 825 days; default false. */
  readonly allowLongValidity?: boolean;
  /** Passphrase of an encrypted `ca.key`. */
  readonly passphrase?: string;
  /** SAN policy (`--allow-san`); default any SAN. */
  readonly allowSans?: SanPolicy;
}

/**
 * Generates a key for `name` and has the CA in `dir` sign it (seed steps 1–3):
 * writes `<outDir>/<name>.key` (0600) and `<outDir>/<name>.crt`, and records it.
 * @param dir the CA store
 * @param name base name of the files, and the default CN
 * @throws {MtlsError} as {@link signIntoStore} and `createCsr`
 */
export async function issueIntoStore(
  dir: string,
  name: string,
  options: IssueIntoStoreOptions,
): Promise<StoreIssueResult> {
  const { request, keyPem } = await requestForNewKey(
    options.subject ?? `CN=${name.replace(/([\\,=/])/g, "\\$1")}`,
    {
      ...(options.sans === undefined ? {} : { sans: options.sans }),
      ...(options.keyType === undefined ? {} : { keyType: options.keyType }),
    },
  );
  const outDir = options.outDir ?? dir;
  const { subject: _s, sans: _a, outDir: _o, keyType: _k, ...rest } = options;
  return issueUnderLock(
    dir,
    {
      ...rest,
      certPath: join(outDir, `${name}.crt`),
      key: { pem: keyPem, path: join(outDir, `${name}.key`) },
    },
    (ca, terms) => signPublicKey(ca, request, terms),
  );
}
