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

import type { Command } from "commander";
import { registerExport } from "./pki/export.ts";
import { registerInit } from "./pki/init.ts";
import { registerInspection } from "./pki/inspect.ts";
import { registerIssuing } from "./pki/issue.ts";
import { registerRevocation } from "./pki/revoke.ts";
import { applyCommonOptions } from "./run.ts";

/** Registers `mtls pki` and its subcommands. */
export function registerPki(program: Command): void {
  const pki = applyCommonOptions(
    program.command("pki").description("a small CA for mutual TLS: keys, CSRs, certificates"),
  );
  registerInit(pki);
  registerIssuing(pki);
  registerRevocation(pki);
  registerInspection(pki);
  registerExport(pki);
}
