/**
 * `mtls pki revoke`, `crl` and `list`: revocation and the CA's index.
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { ErrorCode, MtlsError } from "../../errors.ts";
import { readFileChecked } from "../../files.ts";
import {
  type Crl,
  DEFAULT_CRL_DAYS,
  parseRevocationReason,
  RevocationReason,
} from "../../pki/crl.ts";
import { formatIndexTable, indexStatusAt } from "../../pki/index-text.ts";
import { readIndex } from "../../pki/store.ts";
import { publishCrl, revokeInStore } from "../../pki/store-revoke.ts";
import { applyCommonOptions } from "../run.ts";
import { PASSPHRASE_HELP, type PassphraseOptions, storePassphrase } from "./passphrase.ts";
import { requireCaStore } from "./require-ca-store.ts";
import { print } from "./shared.ts";

interface RevokeCliOptions extends PassphraseOptions {
  ca: string;
  reason?: string;
  crlDays?: number;
}
interface CrlCliOptions extends PassphraseOptions {
  ca: string;
  days?: number;
}
interface ListCliOptions {
  ca: string;
  json?: boolean;
}

function parseCrlDays(value: string): number {
  const days = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new MtlsError(
      ErrorCode.USAGE,
      `Bad --days '${value}': expected an integer from 1 to 3650`,
    );
  }
  return days;
}

function crlSummary(crl: Crl, files: readonly string[]): string {
  return [
    `  CRL       number ${crl.crlNumber}, thisUpdate ${crl.thisUpdate.toISOString()}, nextUpdate ${crl.nextUpdate.toISOString()}`,
    `  files     ${files.join(", ")}`,
    "",
  ].join("\n");
}

/** Registers `mtls pki revoke`, `crl` and `list`. */
export function registerRevocation(pki: Command): void {
  applyCommonOptions(pki.command("revoke"))
    .description(
      "revoke a certificate this CA issued and publish a new CRL (DIR/crl.pem, DIR/crl.der)",
    )
    .argument(
      "<serial-or-cert>",
      "the serial in hex (as `mtls pki list` shows it) or the certificate file",
    )
    .requiredOption("--ca <dir>", "CA store directory")
    .option(
      "--reason <reason>",
      `RFC 5280 CRLReason: ${Object.keys(RevocationReason).join(", ")} (default: none given)`,
    )
    .option(
      "--crl-days <n>",
      `days until the CRL's nextUpdate (default ${DEFAULT_CRL_DAYS}); republish before then with \`mtls pki crl\``,
      parseCrlDays,
    )
    .option("--passphrase-file <file>", PASSPHRASE_HELP)
    .action(async function (this: Command, target: string, opts: RevokeCliOptions) {
      const reason = opts.reason === undefined ? undefined : parseRevocationReason(opts.reason);
      requireCaStore(opts.ca);
      const byFile = existsSync(target);
      const { crl, files, entry } = await revokeInStore(
        opts.ca,
        byFile
          ? { certPem: readFileChecked(target, "certificate").toString("utf8"), path: target }
          : { serial: target },
        {
          ...(reason === undefined ? {} : { reason }),
          ...(opts.crlDays === undefined ? {} : { days: opts.crlDays }),
          ...(await storePassphrase(opts.ca, opts)),
        },
      );
      print(
        this,
        [
          `Revoked ${entry?.profile} certificate`,
          `  subject   ${entry?.subject}`,
          `  serial    ${entry?.serial}`,
          `  reason    ${entry?.reason ?? "(none given)"}`,
          crlSummary(crl, files),
        ].join("\n"),
      );
    });

  applyCommonOptions(pki.command("crl"))
    .description(
      "publish a new CRL of the revoked certificates: DIR/crl.pem (X509 CRL) and DIR/crl.der",
    )
    .requiredOption("--ca <dir>", "CA store directory")
    .option(
      "--days <n>",
      `days until nextUpdate (default ${DEFAULT_CRL_DAYS}); past it, nginx and openssl refuse every client ("CRL has expired")`,
      parseCrlDays,
    )
    .option("--passphrase-file <file>", PASSPHRASE_HELP)
    .action(async function (this: Command, opts: CrlCliOptions) {
      requireCaStore(opts.ca);
      const { crl, files } = await publishCrl(opts.ca, {
        ...(opts.days === undefined ? {} : { days: opts.days }),
        ...(await storePassphrase(opts.ca, opts)),
      });
      print(this, `Published CRL\n${crlSummary(crl, files)}`);
    });

  applyCommonOptions(pki.command("list"))
    .description(
      "list the certificates the CA issued: serial, status, profile, notAfter, subject, SANs",
    )
    .requiredOption("--ca <dir>", "CA store directory")
    .option("--json", "print index.json's entries as JSON, with the status at this moment")
    .action(function (this: Command, opts: ListCliOptions) {
      requireCaStore(opts.ca, { keys: false });
      if (!existsSync(join(opts.ca, "index.json"))) {
        throw new MtlsError(ErrorCode.FILE, `Cannot list ${opts.ca}: no index.json there`, {
          hint: `create a CA with \`mtls pki init --dir ${opts.ca}\``,
          details: { path: opts.ca },
        });
      }
      const now = new Date();
      const entries = readIndex(opts.ca).certificates;
      print(
        this,
        opts.json
          ? `${JSON.stringify(
              entries.map((e) => ({ ...e, status: indexStatusAt(e, now) })),
              null,
              2,
            )}\n`
          : formatIndexTable(entries, now),
      );
    });
}
