/**
 * `mtls pki inspect`, `verify` and `lint`: reading certificates and judging them.
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { ErrorCode, MtlsError } from "../../errors.ts";
import { readFileChecked } from "../../files.ts";
import { type CertificateInfo, inspectObject, type PkiInfo } from "../../pki/inspect.ts";
import { renderInspection } from "../../pki/inspect-text.ts";
import { type LintFinding, lintCertificate, renderLint } from "../../pki/lint.ts";
import { loadX509 } from "../../pki/load-x509.ts";
import { readPkiObjects } from "../../pki/pki-file.ts";
import { readIndex, StoreFile } from "../../pki/store.ts";
import { type StoreRevocation, verifyCertificate } from "../../pki/verify.ts";
import { applyCommonOptions } from "../run.ts";
import { collect, parseAt, print } from "./shared.ts";

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

/**
 * What the `--ca` CA store directories know about the leaf's revocation: the CRL
 * (`crl.der`, else `crl.pem`) and the revocations in `index.json` of each store whose CA
 * issued the leaf. Files and other stores add nothing (a CRL from another CA would only
 * make verify say "no CRL from the issuer").
 */
async function storeRevocationsFor(
  leaf: Uint8Array,
  cas: readonly string[],
): Promise<{ crls: Uint8Array[]; revocations: StoreRevocation[] }> {
  const crls: Uint8Array[] = [];
  const revocations: StoreRevocation[] = [];
  const stores = cas.filter((p) => existsSync(join(p, StoreFile.CERT)));
  if (stores.length === 0) return { crls, revocations };
  const leafInfo = await describeDer(leaf);
  for (const dir of stores) {
    const caFile = join(dir, StoreFile.CERT);
    const caDer = certificatesIn([caFile], "CA certificate")[0] as Uint8Array;
    const caInfo = await describeDer(caDer);
    if (caInfo.subject !== leafInfo.issuer) continue;
    const crlFile = [StoreFile.CRL_DER, StoreFile.CRL_PEM]
      .map((f) => join(dir, f))
      .find((f) => existsSync(f));
    if (crlFile) {
      crls.push(
        ...readPkiObjects(readFileChecked(crlFile, "CRL"), crlFile)
          .filter((o) => o.kind === "crl")
          .map((o) => o.raw),
      );
    }
    for (const e of readIndex(dir).certificates) {
      if (e.status !== "revoked" || e.revokedAt === undefined) continue;
      revocations.push({
        issuer: caInfo.subject,
        serial: e.serial,
        revokedAt: e.revokedAt,
        ...(e.reason === undefined ? {} : { reason: e.reason }),
        source: `the index of CA store ${dir}`,
      });
    }
  }
  return { crls, revocations };
}

async function describeDer(der: Uint8Array): Promise<CertificateInfo> {
  return (await inspectObject({
    kind: "certificate",
    raw: der,
    label: "DER",
    line: 0,
  })) as CertificateInfo;
}

/** Registers `mtls pki inspect`, `verify` and `lint`. */
export function registerInspection(pki: Command): void {
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
      const fromStores = await storeRevocationsFor(leaf as Uint8Array, opts.ca ?? []);
      const result = await verifyCertificate(leaf as Uint8Array, {
        ca: certificatesIn(opts.ca ?? [], "CA certificate"),
        chain: [...extra, ...certificatesIn(opts.chain ?? [], "chain")],
        crls: [...crls, ...fromStores.crls],
        revocations: fromStores.revocations,
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
        // The problems are on stdout (text or JSON); stderr gets one closing line that
        // counts them rather than repeating the first.
        const n = result.problems.length;
        throw new MtlsError(
          ErrorCode.PKI_VERIFY,
          `${certPath} does not verify: ${n} ${n === 1 ? "problem" : "problems"}${opts.json ? " in the JSON output" : " listed above"}`,
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
        // The findings are on stdout; stderr only counts the errors, as verify does.
        const n = errors.length;
        throw new MtlsError(
          ErrorCode.PKI_POLICY,
          `Lint found ${n} ${n === 1 ? "error" : "errors"}${opts.json ? " in the JSON output" : " listed above"}`,
          { details: { results } },
        );
      }
    });
}
