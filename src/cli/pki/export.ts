/**
 * `mtls pki export`: PKCS#12, PEM bundle or DER from an issued certificate.
 * @module
 */
import { X509Certificate } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { ErrorCode, MtlsError } from "../../errors.ts";
import { readFileChecked, readRegularFile } from "../../files.ts";
import { commitFiles } from "../../pki/commit-files.ts";
import { type ExportFormat, exportCredentials } from "../../pki/export.ts";
import { serialHexOf } from "../../pki/serial.ts";
import { readIndex, StoreFile } from "../../pki/store.ts";
import { applyCommonOptions } from "../run.ts";
import { P12_ENV, promptHidden } from "./passphrase.ts";
import { print, printErr } from "./shared.ts";

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

/**
 * Warns on stderr when the CA store in `dir` (its `index.json`) marks the certificate
 * revoked: exporting it still works (a revoked certificate may be wanted for a test), but
 * peers checking the CRL will refuse it.
 */
function warnIfRevoked(cmd: Command, certPem: string, dir: string): void {
  const caFile = join(dir, StoreFile.CERT);
  if (!existsSync(caFile)) return;
  let cert: X509Certificate;
  let ca: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
    ca = new X509Certificate(readRegularFile(caFile));
  } catch {
    return; // exportCredentials names an unreadable certificate; the warning is a courtesy
  }
  if (!cert.checkIssued(ca)) return;
  const serial = serialHexOf(Buffer.from(cert.serialNumber, "hex"));
  const entry = readIndex(dir).certificates.find(
    (e) => e.serial === serial && e.status === "revoked",
  );
  if (!entry) return;
  const on = entry.revokedAt?.slice(0, 10) ?? "an unknown date";
  printErr(
    cmd,
    `warning: certificate ${serial} was revoked on ${on} (${entry.reason ?? "no reason given"}); exporting it anyway\n`,
  );
}

/** Registers `mtls pki export`. */
export function registerExport(pki: Command): void {
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
      if (opts.ca) warnIfRevoked(this, certPem, opts.ca);
      const bytes = await exportCredentials(certPem, {
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
