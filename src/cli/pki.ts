/**
 * `mtls pki`: a small CA for mutual TLS (the seed's certificate steps).
 *
 * ```
 * mtls pki init  --dir DIR [--subject S] [--days N] [--key-type T] [--encrypt] [--force]
 *                [--intermediate --parent DIR [--path-len N] [--permit-dns D] [--permit-ip CIDR] [--permit-uri H]]
 * mtls pki csr   --out NAME --subject S [--san LIST] [--force]
 * mtls pki sign  NAME.csr --ca DIR --profile server|client|server-client|ca [--allow-san P] [--out FILE] [--days N] [--force]
 * mtls pki issue server|client|server-client NAME --ca DIR [--subject S] [--san LIST] [--key-type T] [--allow-san P]
 *                [--out-dir D] [--days N] [--allow-long-validity] [--force]
 * mtls pki revoke SERIAL|CERT --ca DIR [--reason R] [--crl-days N]
 * mtls pki crl   --ca DIR [--days N]
 * mtls pki list  --ca DIR [--json]
 * mtls pki inspect FILE... [--json] [--at DATE]
 * mtls pki lint  CERT... [--profile server|client] [--json]
 * mtls pki export NAME|CERT (--p12 [--legacy] | --pem-bundle | --der) [--ca DIR] [--key F] [--out F] [--with-root]
 * mtls pki verify CERT --ca F [--chain F] [--crl F] [--purpose server|client] [--host NAME] [--at DATE] [--json]
 * ```
 *
 * Subjects are written in DER order, most specific last, as openssl's `-subj` reads them:
 * `O=Example,CN=localhost` or `/O=Example/CN=localhost` (not RFC 4514's reversed order).
 * @module
 */

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Command } from "commander";
import { ErrorCode, MtlsError } from "../errors.ts";
import { readFileChecked } from "../files.ts";
import { commitFiles } from "../pki/commit-files.ts";
import { type Crl, DEFAULT_CRL_DAYS, parseRevocationReason, RevocationReason } from "../pki/crl.ts";
import { createCsr, readCsr } from "../pki/csr.ts";
import { type ExportFormat, exportCredentials } from "../pki/export.ts";
import { formatIndexTable, indexStatusAt } from "../pki/index-text.ts";
import { inspectObject, type PkiInfo } from "../pki/inspect.ts";
import { renderInspection } from "../pki/inspect-text.ts";
import { KeyType, parseKeyType } from "../pki/keys.ts";
import { type LintFinding, lintCertificate, renderLint } from "../pki/lint.ts";
import { loadX509 } from "../pki/load-x509.ts";
import { parseHostConstraint, parseIpRange } from "../pki/name-constraints.ts";
import { readPkiObjects } from "../pki/pki-file.ts";
import { getProfile } from "../pki/profiles.ts";
import { formatSan, parseSanList, type SubjectAltName } from "../pki/san.ts";
import { parseSanPolicy } from "../pki/san-policy.ts";
import type { IssuedCertificate } from "../pki/sign.ts";
import { initCaStore, readIndex } from "../pki/store.ts";
import { initIntermediateStore } from "../pki/store-intermediate.ts";
import { publishCrl, revokeInStore } from "../pki/store-revoke.ts";
import { issueIntoStore, signIntoStore } from "../pki/store-sign.ts";
import { MAX_DAYS } from "../pki/validity.ts";
import { verifyCertificate } from "../pki/verify.ts";
import { applyCommonOptions } from "./run.ts";

/** `--days` help for leaf certificates. */
const DAYS_HELP = "validity in days (default 397; at most 825 without --allow-long-validity)";

/** How subjects are ordered, for `--help`. */
const SUBJECT_ORDER =
  'attributes in DER order, most specific last, as openssl -subj: "O=Example,CN=localhost" or "/O=Example/CN=localhost" (RFC 4514 strings list them the other way round)';

/** Writes to the stdout that `runProgram` configured on the root command. */
function print(cmd: Command, text: string): void {
  let root = cmd;
  while (root.parent) root = root.parent;
  const out = root.configureOutput().writeOut;
  if (out) out(text);
  else process.stdout.write(text);
}

function parseDays(value: string): number {
  const days = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    throw new MtlsError(
      ErrorCode.USAGE,
      `Bad --days '${value}': expected an integer from 1 to ${MAX_DAYS}`,
    );
  }
  return days;
}

function collectSans(value: string, previous: SubjectAltName[] = []): SubjectAltName[] {
  return [...previous, ...parseSanList(value)];
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

function parseAt(value: string): Date {
  const t = Date.parse(value);
  if (!/^\d{4}-\d\d-\d\d/.test(value) || Number.isNaN(t)) {
    throw new MtlsError(
      ErrorCode.USAGE,
      `Bad --at '${value}': expected an ISO 8601 date such as 2027-01-31 or 2027-01-31T12:00:00Z`,
    );
  }
  return new Date(t);
}

function parsePathLen(value: string): number {
  if (!/^\d{1,2}$/.test(value)) {
    throw new MtlsError(
      ErrorCode.USAGE,
      `Bad --path-len '${value}': expected an integer from 0 to 99`,
    );
  }
  return Number(value);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Every certificate (DER) in the given files, for --ca and --chain. */
function certificatesIn(paths: readonly string[], what: string): Uint8Array[] {
  return paths.flatMap((p) => {
    // A CA store directory: its root (an intermediate's store has root.crt) is the anchor.
    const file = existsSync(join(p, "root.crt"))
      ? join(p, "root.crt")
      : existsSync(join(p, "ca.crt"))
        ? join(p, "ca.crt")
        : p;
    const certs = readPkiObjects(readFileChecked(file, what), file).filter(
      (o) => o.kind === "certificate",
    );
    if (certs.length === 0) {
      throw new MtlsError(
        ErrorCode.PKI_BAD_INPUT,
        `Cannot read ${what} ${file}: no certificate in it`,
      );
    }
    return certs.map((o) => o.raw);
  });
}

interface ExportCliOptions {
  ca?: string;
  key?: string;
  out?: string;
  p12?: boolean;
  legacy?: boolean;
  pemBundle?: boolean;
  der?: boolean;
  withRoot?: boolean;
  passphraseFile?: string;
  force?: boolean;
}
interface LintCliOptions {
  profile?: string;
  json?: boolean;
}
interface InspectCliOptions {
  json?: boolean;
  at?: Date;
}
interface VerifyCliOptions {
  ca?: string[];
  chain?: string[];
  crl?: string[];
  purpose?: string;
  host?: string;
  at?: Date;
  json?: boolean;
}

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

interface PassphraseOptions {
  passphraseFile?: string;
}
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

const PASSPHRASE_ENV = "MTLS_CA_PASSPHRASE";
const P12_ENV = "MTLS_P12_PASSPHRASE";
const PASSPHRASE_HELP = `file holding the CA key's passphrase (else env ${PASSPHRASE_ENV}, else a prompt on a terminal)`;
const PROFILE_NAMES = "server, client, server-client or ca";
const ALLOW_SAN_HELP =
  "CA policy: allowed SANs, e.g. DNS:*.example.com, IP:10.0.0.0/8, URI:spiffe://example.org/* (repeatable); anything else is refused";

/** Reads a passphrase from the terminal without echo, or undefined without a terminal. */
async function promptHidden(question: string): Promise<string | undefined> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return undefined;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  let text = "";
  try {
    for await (const chunk of stdin) {
      for (const ch of String(chunk)) {
        if (ch === "\r" || ch === "\n") return text;
        if (ch === "\u0003")
          throw new MtlsError(ErrorCode.USAGE, "Cancelled at the passphrase prompt");
        if (ch === "\u007f") text = text.slice(0, -1);
        else text += ch;
      }
    }
    return text;
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write("\n");
  }
}

/**
 * The CA key's passphrase: `--passphrase-file`, else `MTLS_CA_PASSPHRASE`, else a no-echo
 * prompt when `needed` and stdin is a terminal.
 */
async function passphraseFor(
  opts: PassphraseOptions,
  needed: boolean,
): Promise<string | undefined> {
  if (opts.passphraseFile !== undefined) {
    return readFileChecked(opts.passphraseFile, "passphrase file")
      .toString("utf8")
      .replace(/\r?\n$/, "");
  }
  const env = process.env[PASSPHRASE_ENV];
  if (env !== undefined && env !== "") return env;
  return needed ? promptHidden("CA key passphrase: ") : undefined;
}

/** The passphrase to load the CA in `dir`: asked only when its ca.key is encrypted. */
async function storePassphrase(
  dir: string,
  opts: PassphraseOptions,
): Promise<{ passphrase?: string }> {
  let encrypted = false;
  try {
    encrypted = readFileSync(join(dir, "ca.key"), "utf8").includes("ENCRYPTED");
  } catch {
    // missing or unreadable: loadCaStore says so
  }
  const passphrase = await passphraseFor(opts, encrypted);
  return passphrase === undefined ? {} : { passphrase };
}

/** Registers `mtls pki` and its subcommands. */
export function registerPki(program: Command): void {
  const pki = applyCommonOptions(
    program.command("pki").description("a small CA for mutual TLS: keys, CSRs, certificates"),
  );

  applyCommonOptions(pki.command("init"))
    .description(
      "create a root CA, or with --intermediate --parent DIR an issuing CA: DIR/ca.key (0600), DIR/ca.crt, DIR/index.json",
    )
    .requiredOption("--dir <dir>", "store directory (created when missing)")
    .option(
      "--subject <dn>",
      `CA subject (default "CN=mtlskit CA", or "CN=mtlskit Issuing CA" with --intermediate); ${SUBJECT_ORDER}`,
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

  applyCommonOptions(pki.command("csr"))
    .description("create a key (NAME.key, 0600) and a certificate signing request (NAME.csr)")
    .requiredOption("--out <name>", "base name of the files")
    .requiredOption("--subject <dn>", `subject, e.g. "CN=localhost"; ${SUBJECT_ORDER}`)
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
    .option("--subject <dn>", `subject (default CN=NAME); ${SUBJECT_ORDER}`)
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

  applyCommonOptions(pki.command("inspect"))
    .description(
      "show what certificates, CSRs, CRLs, keys and PKCS#12 files say (PEM or DER; every block of a bundle)",
    )
    .argument("<files...>", "the files")
    .option("--json", "print the fields as JSON (an array, one object per block)")
    .option("--at <date>", "judge validity at this ISO 8601 time instead of now", parseAt)
    .action(async function (this: Command, files: string[], opts: InspectCliOptions) {
      const infos: { source: string; info: PkiInfo }[] = [];
      for (const path of files) {
        const objects = readPkiObjects(readFileChecked(path, "file"), path);
        for (const [i, o] of objects.entries()) {
          const info = await inspectObject(o, { path, ...(opts.at ? { now: opts.at } : {}) });
          infos.push({ source: objects.length > 1 ? `${path} #${i + 1}` : path, info });
        }
      }
      print(
        this,
        opts.json
          ? `${JSON.stringify(
              infos.map(({ source, info }) => ({ source, ...info })),
              null,
              2,
            )}\n`
          : infos.map(({ source, info }) => renderInspection(info, source)).join("\n"),
      );
    });

  applyCommonOptions(pki.command("verify"))
    .description("verify a certificate as a TLS peer would, and say in plain words what is wrong")
    .argument("<cert>", "the certificate (PEM or DER; further certificates in it count as --chain)")
    .option(
      "--ca <file>",
      "a trusted CA certificate file or CA store directory (repeatable)",
      collect,
    )
    .option("--chain <file>", "intermediate certificates (repeatable)", collect)
    .option("--crl <file>", "CRLs to check revocation against (repeatable)", collect)
    .option("--purpose <purpose>", "server or client: check extendedKeyUsage")
    .option("--host <name>", "check the certificate is valid for this DNS name or IP address")
    .option("--at <date>", "verify at this ISO 8601 time instead of now", parseAt)
    .option("--json", "print the result as JSON")
    .action(async function (this: Command, certPath: string, opts: VerifyCliOptions) {
      if (opts.purpose !== undefined && opts.purpose !== "server" && opts.purpose !== "client") {
        throw new MtlsError(
          ErrorCode.USAGE,
          `Bad --purpose '${opts.purpose}': expected server or client`,
        );
      }
      const [leaf, ...extra] = certificatesIn([certPath], "certificate");
      const crls = (opts.crl ?? []).flatMap((p) =>
        readPkiObjects(readFileChecked(p, "CRL"), p)
          .filter((o) => o.kind === "crl")
          .map((o) => o.raw),
      );
      const result = await verifyCertificate(leaf as Uint8Array, {
        ca: certificatesIn(opts.ca ?? [], "CA certificate"),
        chain: [...extra, ...certificatesIn(opts.chain ?? [], "chain")],
        crls,
        ...(opts.purpose === undefined ? {} : { purpose: opts.purpose }),
        ...(opts.host === undefined ? {} : { host: opts.host }),
        ...(opts.at === undefined ? {} : { at: opts.at }),
      });
      const pathText = result.path.map((s) => `'${s}'`).join(" <- ");
      if (opts.json) print(this, `${JSON.stringify(result, null, 2)}\n`);
      else if (result.ok) print(this, `${certPath}: OK\n  path  ${pathText}\n`);
      else {
        const lines = result.problems.map((p) => `  - ${p.message}`);
        print(this, `${certPath}: FAILED\n  path  ${pathText}\n${lines.join("\n")}\n`);
      }
      if (!result.ok) {
        const [first] = result.problems;
        throw new MtlsError(
          ErrorCode.PKI_VERIFY,
          `${certPath} does not verify: ${first?.message ?? "no path to a trusted CA"}${result.problems.length > 1 ? ` (and ${result.problems.length - 1} more problem(s))` : ""}`,
          { details: { problems: result.problems, path: result.path } },
        );
      }
    });

  applyCommonOptions(pki.command("lint"))
    .description(
      "check certificates for what peers refuse: SANs, validity, serials, algorithms, key sizes, usages, CA flags",
    )
    .argument("<certs...>", "certificate files (PEM or DER; every certificate of a bundle)")
    .option("--profile <profile>", "server or client: also check extendedKeyUsage fits")
    .option("--json", "print the findings as JSON")
    .action(async function (this: Command, files: string[], opts: LintCliOptions) {
      if (opts.profile !== undefined && opts.profile !== "server" && opts.profile !== "client") {
        throw new MtlsError(
          ErrorCode.USAGE,
          `Bad --profile '${opts.profile}': expected server or client`,
        );
      }
      const x509 = await loadX509();
      const results: { source: string; findings: LintFinding[] }[] = [];
      for (const path of files) {
        const certs = readPkiObjects(readFileChecked(path, "certificate"), path).filter(
          (o) => o.kind === "certificate",
        );
        if (certs.length === 0) {
          throw new MtlsError(ErrorCode.PKI_BAD_INPUT, `Cannot lint ${path}: no certificate in it`);
        }
        for (const [i, o] of certs.entries()) {
          const findings = await lintCertificate(
            new x509.X509Certificate(o.raw),
            opts.profile === undefined ? {} : { profile: opts.profile },
          );
          results.push({ source: certs.length > 1 ? `${path} #${i + 1}` : path, findings });
        }
      }
      print(
        this,
        opts.json
          ? `${JSON.stringify(results, null, 2)}\n`
          : results.map((r) => renderLint(r.findings, r.source)).join(""),
      );
      const errors = results.flatMap((r) => r.findings.filter((f) => f.severity === "error"));
      if (errors.length > 0) {
        throw new MtlsError(
          ErrorCode.PKI_POLICY,
          `Lint found ${errors.length} error(s): ${errors[0]?.rule}: ${errors[0]?.message}`,
          { details: { results } },
        );
      }
    });

  applyCommonOptions(pki.command("export"))
    .description("package an issued certificate: PKCS#12 with key and chain, a PEM bundle, or DER")
    .argument(
      "<name>",
      "the certificate file, or the NAME given to `pki issue` (NAME.crt in --ca DIR)",
    )
    .option("--ca <dir>", "CA store directory to find NAME.crt in, and the root for --with-root")
    .option("--key <file>", "the private key (default: NAME.key beside the certificate)")
    .option("--p12", "PKCS#12 (AES-256-CBC, PBKDF2-SHA256, SHA-256 MAC): NAME.p12, mode 0600")
    .option(
      "--legacy",
      "with --p12: 3DES bags and SHA-1 MAC, for macOS Keychain and older Java (never RC2-40)",
    )
    .option("--pem-bundle", "certificate and chain as PEM: NAME.bundle.pem")
    .option("--der", "the certificate in DER: NAME.der")
    .option("--with-root", "append the root certificate of --ca to the chain")
    .option("--out <file>", "output file (default from NAME and the format)")
    .option(
      "--passphrase-file <file>",
      `file holding the PKCS#12 passphrase (else env ${P12_ENV}, else a prompt)`,
    )
    .option("--force", "replace an existing output file")
    .action(async function (this: Command, name: string, opts: ExportCliOptions) {
      const formats = [opts.p12 && "p12", opts.pemBundle && "pem-bundle", opts.der && "der"].filter(
        (f): f is ExportFormat => typeof f === "string",
      );
      const [format] = formats;
      if (formats.length !== 1 || format === undefined) {
        throw new MtlsError(
          ErrorCode.USAGE,
          "Choose one export format: --p12, --pem-bundle or --der",
        );
      }
      if (opts.legacy && format !== "p12") {
        throw new MtlsError(ErrorCode.USAGE, "--legacy applies to --p12 only");
      }
      const candidates = [name, `${name}.crt`, ...(opts.ca ? [join(opts.ca, `${name}.crt`)] : [])];
      const certPath = candidates.find((c) => existsSync(c) && !c.endsWith("/")) ?? name;
      const certPem = readFileChecked(certPath, "certificate").toString("utf8");
      const base = certPath.replace(/\.(crt|pem|cer)$/i, "");
      const keyPath = opts.key ?? `${base}.key`;
      let passphrase: string | undefined;
      if (format === "p12") {
        passphrase = opts.passphraseFile
          ? readFileChecked(opts.passphraseFile, "passphrase file")
              .toString("utf8")
              .replace(/\r?\n$/, "")
          : process.env[P12_ENV] || (await promptHidden("PKCS#12 passphrase: "));
        if (!passphrase) {
          throw new MtlsError(ErrorCode.USAGE, "Cannot write PKCS#12: no passphrase given", {
            hint: `give it with --passphrase-file FILE or ${P12_ENV}`,
          });
        }
      }
      const rootPath =
        opts.ca &&
        (existsSync(join(opts.ca, "root.crt"))
          ? join(opts.ca, "root.crt")
          : join(opts.ca, "ca.crt"));
      if (opts.withRoot && !rootPath) {
        throw new MtlsError(ErrorCode.USAGE, "--with-root needs --ca DIR");
      }
      const bytes = exportCredentials(certPem, {
        format,
        certPath,
        ...(format === "p12"
          ? { keyPem: readFileChecked(keyPath, "private key").toString("utf8"), keyPath }
          : {}),
        ...(passphrase === undefined ? {} : { passphrase }),
        ...(opts.legacy ? { profile: "legacy" as const } : {}),
        ...(opts.withRoot && rootPath
          ? { rootPem: readFileChecked(rootPath, "root certificate").toString("utf8") }
          : {}),
      });
      const ext = { p12: ".p12", "pem-bundle": ".bundle.pem", der: ".der" }[format];
      const out = opts.out ?? `${base}${ext}`;
      commitFiles([
        {
          path: out,
          data: bytes,
          mode: format === "p12" ? 0o600 : 0o644,
          force: opts.force ?? false,
        },
      ]);
      print(
        this,
        `Exported ${format === "p12" ? `PKCS#12 (${opts.legacy ? "legacy: 3DES, SHA-1 MAC" : "AES-256-CBC, PBKDF2-SHA256, SHA-256 MAC"})` : format}\n  files     ${out}\n`,
      );
    });
}
