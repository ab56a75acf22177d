/**
 * `mtls pki csr`, `sign` and `issue`: keys, CSRs and the certificates the CA signs.
 * @module
 */
import { dirname, join } from "node:path";
import type { Command } from "commander";
import { ErrorCode, MtlsError } from "../../errors.ts";
import { readFileChecked } from "../../files.ts";
import { commitFiles } from "../../pki/commit-files.ts";
import { createCsr, readCsr } from "../../pki/csr.ts";
import { KeyType, parseKeyType } from "../../pki/keys.ts";
import { getProfile } from "../../pki/profiles.ts";
import { formatSan, type SubjectAltName } from "../../pki/san.ts";
import { parseSanPolicy } from "../../pki/san-policy.ts";
import type { IssuedCertificate } from "../../pki/sign.ts";
import { issueIntoStore, signIntoStore } from "../../pki/store-sign.ts";
import { applyCommonOptions } from "../run.ts";
import { PASSPHRASE_HELP, type PassphraseOptions, storePassphrase } from "./passphrase.ts";
import { requireCaStore } from "./require-ca-store.ts";
import {
  ALLOW_SAN_HELP,
  checkSubjectOption,
  collect,
  collectSans,
  DAYS_HELP,
  PROFILE_NAMES,
  parseDays,
  print,
  SUBJECT_ORDER,
} from "./shared.ts";

interface CsrOptions {
  out: string;
  subject: string;
  san?: SubjectAltName[];
  force?: boolean;
  keyType?: KeyType;
}
interface SignOptions extends PassphraseOptions {
  allowSan?: string[];
  ca: string;
  profile: string;
  out?: string;
  days?: number;
  force?: boolean;
  allowLongValidity?: boolean;
}
interface IssueOptions extends PassphraseOptions {
  allowSan?: string[];
  ca: string;
  subject?: string;
  san?: SubjectAltName[];
  outDir?: string;
  days?: number;
  force?: boolean;
  keyType?: KeyType;
  allowLongValidity?: boolean;
}

function summary(action: string, issued: IssuedCertificate, files: readonly string[]): string {
  const rows = [
    `${action} ${issued.profile} certificate`,
    `  subject   ${issued.subject}`,
    `  SANs      ${issued.sans.length > 0 ? issued.sans.join(", ") : "(none)"}`,
    `  serial    ${issued.serialHex}`,
    `  notAfter  ${issued.notAfter.toISOString()}`,
    `  files     ${files.join(", ")}`,
  ];
  return `${rows.join("\n")}\n`;
}

/** Registers `mtls pki csr`, `sign` and `issue`. */
export function registerIssuing(pki: Command): void {
  applyCommonOptions(pki.command("csr"))
    .description("create a key (NAME.key, 0600) and a certificate signing request (NAME.csr)")
    .requiredOption("--out <name>", "base name of the files")
    .requiredOption(
      "--subject <dn>",
      `subject, e.g. "CN=localhost"; ${SUBJECT_ORDER}`,
      checkSubjectOption,
    )
    .option("--san <list>", "SANs, e.g. DNS:localhost,IP:127.0.0.1 (repeatable)", collectSans)
    .option(
      "--key-type <type>",
      `${Object.values(KeyType).join(", ")} (default ec-p256)`,
      parseKeyType,
    )
    .option("--force", "replace existing files")
    .action(async function (this: Command, opts: CsrOptions) {
      const { csrPem, keyPem } = await createCsr({
        subject: opts.subject,
        sans: opts.san ?? [],
        ...(opts.keyType === undefined ? {} : { keyType: opts.keyType }),
      });
      const force = opts.force ?? false;
      const keyPath = `${opts.out}.key`;
      const csrPath = `${opts.out}.csr`;
      commitFiles([
        { path: keyPath, data: keyPem, mode: 0o600, force },
        { path: csrPath, data: csrPem, force },
      ]);
      print(this, `Created CSR\n  subject   ${opts.subject}\n  files     ${csrPath}, ${keyPath}\n`);
    });

  applyCommonOptions(pki.command("sign"))
    .description("sign a CSR with the CA: writes NAME.crt next to the CSR")
    .argument("<csr>", "the CSR (PEM)")
    .requiredOption("--ca <dir>", "CA store directory")
    .requiredOption("--profile <profile>", PROFILE_NAMES)
    .option("--out <file>", "certificate file (default: the CSR's name with .crt)")
    .option("--days <n>", DAYS_HELP, parseDays)
    .option(
      "--allow-long-validity",
      "allow --days over 825 (Apple platforms refuse such TLS certificates)",
    )
    .option("--allow-san <pattern>", ALLOW_SAN_HELP, collect)
    .option("--passphrase-file <file>", PASSPHRASE_HELP)
    .option("--force", "replace an existing certificate file")
    .action(async function (this: Command, csrPath: string, opts: SignOptions) {
      const profile = getProfile(opts.profile).name;
      const allowSans = opts.allowSan === undefined ? undefined : parseSanPolicy(opts.allowSan);
      requireCaStore(opts.ca);
      const csrPem = readFileChecked(csrPath, "CSR").toString("utf8");
      const request = await readCsr(csrPem, { path: csrPath });
      const requested = `CSR ${csrPath}\n  subject   ${request.subject || "(empty)"}\n  requested ${request.sans.length > 0 ? request.sans.map(formatSan).join(", ") : "(no SANs)"}\n  signature verifies\n`;
      const certPath =
        opts.out ??
        join(
          dirname(csrPath),
          `${csrPath.replace(/^.*\//, "").replace(/\.(csr|req|pem)$/i, "")}.crt`,
        );
      const { issued, files } = await signIntoStore(opts.ca, csrPem, {
        profile,
        certPath,
        csrPath,
        force: opts.force ?? false,
        ...(opts.days === undefined ? {} : { days: opts.days }),
        ...(opts.allowLongValidity ? { allowLongValidity: true } : {}),
        ...(allowSans === undefined ? {} : { allowSans }),
        ...(await storePassphrase(opts.ca, opts)),
      });
      print(this, requested + summary("Signed", issued, files));
    });

  applyCommonOptions(pki.command("issue"))
    .description("create a key and its certificate in one go: NAME.key (0600) and NAME.crt")
    .argument("<profile>", "server, client or server-client")
    .argument("<name>", "base name of the files; the default subject is CN=NAME")
    .requiredOption("--ca <dir>", "CA store directory")
    .option("--subject <dn>", `subject (default CN=NAME); ${SUBJECT_ORDER}`, checkSubjectOption)
    .option("--san <list>", "SANs, e.g. DNS:localhost,IP:127.0.0.1 (repeatable)", collectSans)
    .option("--out-dir <dir>", "directory for NAME.key and NAME.crt (default: the CA directory)")
    .option("--days <n>", DAYS_HELP, parseDays)
    .option(
      "--allow-long-validity",
      "allow --days over 825 (Apple platforms refuse such TLS certificates)",
    )
    .option(
      "--key-type <type>",
      `${Object.values(KeyType).join(", ")} (default ec-p256)`,
      parseKeyType,
    )
    .option("--allow-san <pattern>", ALLOW_SAN_HELP, collect)
    .option("--passphrase-file <file>", PASSPHRASE_HELP)
    .option("--force", "replace existing files")
    .action(async function (this: Command, profileName: string, name: string, opts: IssueOptions) {
      const profile = getProfile(profileName).name;
      if (profile === "ca") {
        throw new MtlsError(
          ErrorCode.USAGE,
          "Cannot issue a CA with `pki issue`: it makes leaf certificates",
          {
            hint: "create an issuing CA with `mtls pki init --intermediate --parent DIR`",
          },
        );
      }
      if (name === "" || /[/\\]/.test(name)) {
        throw new MtlsError(
          ErrorCode.USAGE,
          `Bad name '${name}': expected a file base name without '/'`,
          {
            hint: "use --out-dir to choose the directory",
          },
        );
      }
      requireCaStore(opts.ca);
      const { issued, files } = await issueIntoStore(opts.ca, name, {
        profile,
        ...(opts.subject === undefined ? {} : { subject: opts.subject }),
        ...(opts.san === undefined ? {} : { sans: opts.san }),
        ...(opts.outDir === undefined ? {} : { outDir: opts.outDir }),
        ...(opts.days === undefined ? {} : { days: opts.days }),
        ...(opts.keyType === undefined ? {} : { keyType: opts.keyType }),
        ...(opts.allowLongValidity ? { allowLongValidity: true } : {}),
        ...(opts.allowSan === undefined ? {} : { allowSans: parseSanPolicy(opts.allowSan) }),
        ...(await storePassphrase(opts.ca, opts)),
        force: opts.force ?? false,
      });
      print(this, summary("Issued", issued, files));
    });
}
