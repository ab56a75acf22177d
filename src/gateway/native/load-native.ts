/**
 * Reads a native YAML configuration file all the way to a startable gateway: parse,
 * validate against the schema, convert, then load and check the certificate files.
 * @module
 */

import { readRegularFile } from "../../files.ts";
import { ConfigError, hasErrors } from "../diagnostic.ts";
import type { LoadedGateway } from "../nginx/load.ts";
import { readConfigText } from "../read-config-text.ts";
import { loadTlsMaterial } from "../tls-material.ts";
import { parseNativeConfig } from "./native-config.ts";

/**
 * Loads `mtls gateway --config FILE`.
 * @param file path of the YAML file
 * @param options `readFile` (injectable for tests)
 * @returns `{ config, material, diagnostics }` (diagnostics are warnings)
 * @throws {ConfigError} with every problem (`MTLS_CONFIG_SYNTAX`, `MTLS_CONFIG_INVALID`,
 *   `MTLS_FILE`, `MTLS_PKI_KEY_MISMATCH`...), each with its path and `file:line:col`
 * @example
 * ```ts
 * const { config, material } = loadNativeGateway("gateway.yaml");
 * const gw = await startGateway(config, { material });
 * ```
 */
export function loadNativeGateway(
  file: string,
  options: { readonly readFile?: (path: string) => Buffer } = {},
): LoadedGateway {
  const readFile = options.readFile ?? ((p: string) => readRegularFile(p));
  const text = readConfigText(file, { readFile, what: "YAML configuration" });
  const parsed = parseNativeConfig(text, { file });
  if (!parsed.config || hasErrors(parsed.diagnostics)) throw new ConfigError(parsed.diagnostics);
  const loaded = loadTlsMaterial(parsed.config, { readFile });
  const diagnostics = [...parsed.diagnostics, ...loaded.diagnostics];
  if (!loaded.material || hasErrors(diagnostics)) throw new ConfigError(diagnostics);
  return { config: parsed.config, material: loaded.material, diagnostics };
}
