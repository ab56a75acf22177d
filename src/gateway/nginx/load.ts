/**
 * Reads an nginx configuration file all the way to a startable gateway: parse, import,
 * then load and check the certificate and key files — the checks `nginx -t` does.
 * @module
 */
import { isIP } from "node:net";
import { ErrorCode } from "../../errors.ts";
import { readRegularFile } from "../../files.ts";
import type { GatewayConfig } from "../config.ts";
import { ConfigError, type Diagnostic, hasErrors } from "../diagnostic.ts";
import { readConfigText } from "../read-config-text.ts";
import { type GatewayMaterial, loadTlsMaterial } from "../tls-material.ts";
import { importNginx } from "./import.ts";
import { expandIncludes } from "./include.ts";
import { parseNginx } from "./parser.ts";

/** A configuration ready for `startGateway`, with the warnings found on the way. */
export interface LoadedGateway {
  readonly config: GatewayConfig;
  readonly material: GatewayMaterial;
  /** Warnings only (any error throws). */
  readonly diagnostics: readonly Diagnostic[];
}

/** Options of {@link loadNginxGateway}. */
export interface LoadNginxOptions {
  /** Reads a file; default `readRegularFile` (regular files up to 16 MiB). */
  readonly readFile?: (path: string) => Buffer;
  /** Directory relative paths resolve against; default: the file's directory. */
  readonly prefix?: string;
}

/**
 * Parses, imports and checks an nginx configuration file.
 * Structure errors (syntax, directives, values) are all reported together; files are only
 * read once the structure is valid, so a typo does not also produce "file not found"s.
 * @param file path of the configuration file
 * @param options `readFile`, `prefix`
 * @returns `{ config, material, diagnostics }` (diagnostics are warnings)
 * @throws {ConfigError} with every diagnostic (`MTLS_CONFIG_SYNTAX`, `MTLS_CONFIG_INVALID`,
 *   `MTLS_FILE`, `MTLS_PKI_KEY_MISMATCH`...) when anything is an error
 *   (`MTLS_FILE` alone when the configuration file itself cannot be read)
 * @example
 * ```ts
 * const { config, material } = loadNginxGateway("gateway.conf");
 * const gw = await startGateway(config, { material });
 * ```
 */
export function loadNginxGateway(file: string, options: LoadNginxOptions = {}): LoadedGateway {
  const readFile = options.readFile ?? ((p: string) => readRegularFile(p));
  const text = readConfigText(file, { readFile });
  const parsed = expandIncludes(parseNginx(text, { file }), {
    readFile,
    ...(options.prefix ? { prefix: options.prefix } : {}),
  });
  const imported = importNginx(parsed, options.prefix ? { prefix: options.prefix } : {});
  if (!imported.config || hasErrors(imported.diagnostics))
    throw new ConfigError(imported.diagnostics);
  const loaded = loadTlsMaterial(imported.config, { readFile });
  const diagnostics = [
    ...imported.diagnostics,
    ...checkUpstreamHosts(imported.config),
    ...loaded.diagnostics,
  ];
  if (!loaded.material || hasErrors(diagnostics)) throw new ConfigError(diagnostics);
  return { config: imported.config, material: loaded.material, diagnostics };
}

const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

/** An upstream host must be an address or a DNS name (nginx: "host not found in upstream"). */
function checkUpstreamHosts(config: GatewayConfig): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const s of config.servers) {
    for (const l of s.locations) {
      const p = l.proxyPass;
      if (!p || isIP(p.host) !== 0 || HOST_NAME.test(p.host)) continue;
      out.push({
        severity: "error",
        code: ErrorCode.CONFIG_INVALID,
        message: `Host not found in upstream "${p.proxyHost}": "${p.host}" is not a host name or address`,
        hint: "write the upstream's host name or IP address, e.g. proxy_pass https://127.0.0.1:8080",
        ...(p.location ? { location: p.location } : {}),
      });
    }
  }
  return out;
}
