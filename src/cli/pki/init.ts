/**
 * `mtls pki init`: a root CA, or an intermediate signed by a parent store.
 * @module
 */
import { join } from "node:path";
import type { Command } from "commander";
import { ErrorCode, MtlsError } from "../../errors.ts";
import { KeyType, parseKeyType } from "../../pki/keys.ts";
import { parseHostConstraint, parseIpRange } from "../../pki/name-constraints.ts";
import { initCaStore } from "../../pki/store.ts";
import { initIntermediateStore } from "../../pki/store-intermediate.ts";
import { applyCommonOptions } from "../run.ts";
import {
  PASSPHRASE_ENV,
  PASSPHRASE_HELP,
  type PassphraseOptions,
  passphraseFor,
  storePassphrase,
} from "./passphrase.ts";
import { requireCaStore } from "./require-ca-store.ts";
import {
  checkSubjectOption,
  collect,
  parseDays,
  parsePathLen,
  print,
  SUBJECT_ORDER,
} from "./shared.ts";

interface InitOptions extends PassphraseOptions {
  intermediate?: boolean;
  parent?: string;
  parentPassphraseFile?: string;
  pathLen?: number;
  permitDns?: string[];
  permitIp?: string[];
  permitUri?: string[];
  dir: string;
  subject?: string;
  days?: number;
  force?: boolean;
  keyType?: KeyType;
  encrypt?: boolean;
}

/** Registers `mtls pki init`. */
export function registerInit(pki: Command): void {
  applyCommonOptions(pki.command("init"))
    .description(
      "create a root CA, or with --intermediate --parent DIR an issuing CA: DIR/ca.key (0600), DIR/ca.crt, DIR/index.json",
    )
    .requiredOption("--dir <dir>", "store directory (created when missing)")
    .option(
      "--subject <dn>",
      `CA subject (default "CN=mtlskit CA", or "CN=mtlskit Issuing CA" with --intermediate); ${SUBJECT_ORDER}`,
      checkSubjectOption,
    )
    .option("--days <n>", "validity in days (default 3650, or 1825 with --intermediate)", parseDays)
    .option(
      "--intermediate",
      "create an issuing CA signed by --parent (pathLen 0, keyCertSign + cRLSign)",
    )
    .option("--parent <dir>", "the signing CA's store directory (with --intermediate)")
    .option(
      "--parent-passphrase-file <file>",
      `file holding the parent key's passphrase (else env ${PASSPHRASE_ENV}, else a prompt)`,
    )
    .option(
      "--path-len <n>",
      "pathLenConstraint of the intermediate (default 0: it issues leaves only)",
      parsePathLen,
    )
    .option(
      "--permit-dns <domain>",
      "name constraint: permitted DNS domain (repeatable; .example.com = below only)",
      collect,
    )
    .option(
      "--permit-ip <cidr>",
      "name constraint: permitted IP range, e.g. 10.0.0.0/8 (repeatable)",
      collect,
    )
    .option(
      "--permit-uri <host>",
      "name constraint: permitted URI host, e.g. a SPIFFE trust domain (repeatable)",
      collect,
    )
    .option(
      "--key-type <type>",
      `${Object.values(KeyType).join(", ")} (default ec-p256)`,
      parseKeyType,
    )
    .option("--encrypt", "store ca.key as encrypted PKCS#8 (AES-256-CBC, PBKDF2)")
    .option("--passphrase-file <file>", PASSPHRASE_HELP)
    .option("--force", "replace an existing CA in DIR")
    .action(async function (this: Command, opts: InitOptions) {
      let passphrase: string | undefined;
      if (opts.encrypt) {
        passphrase = await passphraseFor(opts, true);
        if (passphrase === undefined || passphrase.length < 8) {
          throw new MtlsError(
            ErrorCode.USAGE,
            `Cannot encrypt the CA key: ${passphrase === undefined ? "no passphrase given" : `the passphrase is ${passphrase.length} characters, at least 8 expected`}`,
            { hint: `give it with --passphrase-file FILE or ${PASSPHRASE_ENV}` },
          );
        }
      }
      const common = {
        ...(opts.subject === undefined ? {} : { subject: opts.subject }),
        ...(opts.days === undefined ? {} : { days: opts.days }),
        ...(opts.keyType === undefined ? {} : { keyType: opts.keyType }),
        ...(passphrase === undefined ? {} : { passphrase }),
        force: opts.force ?? false,
      };
      const constraints = {
        dns: (opts.permitDns ?? []).map((d) => parseHostConstraint("dns", d)),
        ip: (opts.permitIp ?? []).map(parseIpRange),
        uri: (opts.permitUri ?? []).map((u) => parseHostConstraint("uri", u)),
      };
      const constrained =
        constraints.dns.length + constraints.ip.length + constraints.uri.length > 0;
      if (
        !opts.intermediate &&
        (opts.parent !== undefined || constrained || opts.pathLen !== undefined)
      ) {
        throw new MtlsError(
          ErrorCode.USAGE,
          "--parent, --path-len and --permit-* need --intermediate",
          {
            hint: "a root CA has no parent; create an issuing CA with --intermediate --parent DIR",
          },
        );
      }
      if (opts.intermediate && opts.parent === undefined) {
        throw new MtlsError(
          ErrorCode.USAGE,
          "--intermediate needs --parent DIR: the CA that signs it",
        );
      }
      let parentPassphrase: { parentPassphrase?: string } = {};
      if (opts.parent !== undefined) {
        requireCaStore(opts.parent, { option: "--parent" });
        const p = await storePassphrase(opts.parent, {
          ...(opts.parentPassphraseFile === undefined
            ? {}
            : { passphraseFile: opts.parentPassphraseFile }),
        });
        parentPassphrase = p.passphrase === undefined ? {} : { parentPassphrase: p.passphrase };
      }
      const ca =
        opts.parent === undefined
          ? await initCaStore(opts.dir, common)
          : await initIntermediateStore(opts.dir, opts.parent, {
              ...common,
              ...parentPassphrase,
              ...(opts.pathLen === undefined ? {} : { pathLen: opts.pathLen }),
              ...(constrained ? { nameConstraints: constraints } : {}),
            });
      print(
        this,
        [
          opts.parent === undefined
            ? "Created CA"
            : `Created intermediate CA signed by ${opts.parent}`,
          `  subject   ${ca.cert.subject}`,
          `  serial    ${ca.cert.serialNumber.toLowerCase()}`,
          `  notAfter  ${ca.cert.notAfter.toISOString()}`,
          `  key       ${opts.keyType ?? "ec-p256"}${passphrase === undefined ? "" : ", encrypted (PKCS#8, AES-256-CBC)"}`,
          `  files     ${(opts.parent === undefined ? ["ca.crt", "ca.key", "index.json"] : ["ca.crt", "ca.key", "chain.pem", "root.crt", "index.json"]).map((f) => join(opts.dir, f)).join(", ")}`,
          "",
        ].join("\n"),
      );
    });
}
