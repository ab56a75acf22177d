/**
 * The native YAML's `tls.ocsp` block: its schema and its mapping to {@link OcspConfig}
 * both ways (read, and print for `--print-config`).
 *
 * ```yaml
 * tls:
 *   ocsp:
 *     mode: leaf          # leaf | chain | off (required)
 *     responder: http://ocsp.example.test   # default: the certificate's AIA URL
 *     failure: hard       # soft: accept with a warning when the responder gives no answer
 *     cacheSize: 10000    # answers kept until their nextUpdate; 0: no cache
 *     cacheTtl: 1h        # lifetime of an answer without nextUpdate
 *     timeout: 5s         # the responder exchange
 *     nonce: true         # send a nonce (RFC 8954)
 *     clockSkew: 5m       # allowed difference with the responder's clock
 * ```
 *
 * Source: nginx `ssl_ocsp`, `ssl_ocsp_responder`, `ssl_ocsp_cache` (ngx_http_ssl_module)
 * for the meaning; RFC 6960.
 * @module
 */
import type { SourceLocation } from "../../errors.ts";
import type { OcspConfig } from "../config.ts";
import type { Schema } from "./schema.ts";

/** Answers cached by default in native mode (nginx mode: none unless `ssl_ocsp_cache`). */
export const DEFAULT_NATIVE_OCSP_CACHE_SIZE = 10_000;

/** The schema of `tls.ocsp`. */
export const OCSP_SCHEMA: Schema = {
  kind: "object",
  fields: {
    mode: { schema: { kind: "enum", values: ["leaf", "chain", "off"] }, required: true },
    responder: {
      schema: {
        kind: "string",
        expected: "an http:// or https:// URL",
        pattern: /^https?:\/\/[^/\s?#]+(\/\S*)?$/i,
      },
    },
    failure: { schema: { kind: "enum", values: ["soft", "hard"] } },
    cacheSize: { schema: { kind: "integer", min: 0 } },
    cacheTtl: { schema: { kind: "duration" } },
    timeout: { schema: { kind: "duration" } },
    nonce: { schema: { kind: "boolean" } },
    clockSkew: { schema: { kind: "duration" } },
  },
};

/** The validated `tls.ocsp` value (durations in ms). */
export interface RawOcsp {
  mode: "leaf" | "chain" | "off";
  responder?: string;
  failure?: "soft" | "hard";
  cacheSize?: number;
  cacheTtl?: number;
  timeout?: number;
  nonce?: boolean;
  clockSkew?: number;
}

/**
 * Maps `tls.ocsp` to the model.
 * @param raw the validated block, or undefined when absent
 * @param location where the block is, for diagnostics later
 * @returns the OCSP configuration; undefined when absent or `mode: off`
 */
export function nativeOcsp(
  raw: RawOcsp | undefined,
  location: SourceLocation | undefined,
): OcspConfig | undefined {
  if (!raw || raw.mode === "off") return undefined;
  return {
    mode: raw.mode,
    ...(raw.responder ? { responder: raw.responder } : {}),
    failure: raw.failure ?? "hard",
    cacheEntries: raw.cacheSize ?? DEFAULT_NATIVE_OCSP_CACHE_SIZE,
    ...(raw.timeout !== undefined ? { timeoutMs: raw.timeout } : {}),
    ...(raw.cacheTtl !== undefined ? { defaultTtlMs: raw.cacheTtl } : {}),
    ...(raw.nonce !== undefined ? { nonce: raw.nonce } : {}),
    ...(raw.clockSkew !== undefined ? { clockSkewMs: raw.clockSkew } : {}),
    ...(location ? { location } : {}),
  };
}

/**
 * The `tls.ocsp` block printing the same behaviour as `config`.
 * @param config the OCSP configuration (from nginx or YAML)
 * @returns plain data for the YAML printer
 */
export function printOcsp(config: OcspConfig): Record<string, unknown> {
  return {
    mode: config.mode,
    ...(config.responder ? { responder: config.responder } : {}),
    failure: config.failure,
    cacheSize: config.cacheEntries,
    ...(config.defaultTtlMs !== undefined ? { cacheTtl: `${config.defaultTtlMs}ms` } : {}),
    ...(config.timeoutMs !== undefined ? { timeout: `${config.timeoutMs}ms` } : {}),
    ...(config.nonce !== undefined ? { nonce: config.nonce } : {}),
    ...(config.clockSkewMs !== undefined ? { clockSkew: `${config.clockSkewMs}ms` } : {}),
  };
}
