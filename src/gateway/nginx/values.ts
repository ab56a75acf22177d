/**
 * Value parsers for the directives of the nginx importer: each reads a directive's
 * arguments into the native model and reports bad values at the argument's column.
 * Source: nginx 1.22 docs of `listen`, `ssl_verify_client`, `ssl_session_cache`,
 * `ssl_session_timeout`, `ssl_protocols`, `error_log`, `proxy_pass`.
 * @module
 */
import { isIP } from "node:net";
import {
  DEFAULT_BUILTIN_CACHE_SESSIONS,
  DEFAULT_SESSION_TIMEOUT_SECONDS,
  type ErrorLogConfig,
  type FileRef,
  type ListenConfig,
  LOG_LEVELS,
  type LogLevel,
  type ProxyPassConfig,
  type SessionCacheConfig,
  TlsProtocol,
  type VerifyClient,
} from "../config.ts";
import type { Severity } from "../diagnostic.ts";
import type { Token } from "./lexer.ts";
import type { Directive } from "./parser.ts";
import { parseNginxSize, parseNginxTime } from "./units.ts";

/** What value parsers need from the importer. */
export interface ValueContext {
  readonly file: string;
  report(
    severity: Severity,
    message: string,
    hint: string | undefined,
    at: { readonly line: number; readonly column: number },
  ): void;
  /** Resolves a path argument against the prefix. */
  path(t: Token): FileRef;
}

function bad(cx: ValueContext, d: Directive, a: Token, expected: string, hint?: string): void {
  cx.report("error", `Invalid value for "${d.name}": "${a.raw}", expecting ${expected}`, hint, a);
}

/** `listen ADDRESS[:PORT] | PORT [ssl] [default_server] [proxy_protocol] [ipv6only=on|off]`. */
export function parseListen(cx: ValueContext, d: Directive): ListenConfig | undefined {
  const [first, ...params] = d.args;
  if (!first) return undefined;
  const v = first.value;
  let host = "0.0.0.0";
  let portText: string | undefined = v;
  let ipv6 = false;
  if (v.startsWith("unix:")) {
    cx.report("error", "Listening on a UNIX socket is not supported yet", undefined, first);
    return undefined;
  }
  const bracket = /^\[([^\]]*)\](?::(.*))?$/.exec(v);
  if (bracket) {
    host = bracket[1] ?? "";
    portText = bracket[2] ?? "80";
    ipv6 = true;
    if (isIP(host) !== 6) {
      bad(cx, d, first, "an IPv6 address in brackets, e.g. [::]:8000");
      return undefined;
    }
  } else if (!/^[0-9]+$/.test(v)) {
    const colon = v.lastIndexOf(":");
    host = colon >= 0 ? v.slice(0, colon) : v;
    portText = colon >= 0 ? v.slice(colon + 1) : "80";
    if (host === "*") host = "0.0.0.0";
  }
  const port = /^[0-9]+$/.test(portText) ? Number(portText) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) {
    bad(cx, d, first, "a port from 0 to 65535, e.g. 8000 or 127.0.0.1:8000");
    return undefined;
  }
  let ssl = false;
  let defaultServer = false;
  let proxyProtocol = false;
  for (const p of params) {
    if (p.value === "ssl") ssl = true;
    else if (p.value === "proxy_protocol") proxyProtocol = true;
    else if (p.value === "default_server" || p.value === "default") defaultServer = true;
    else if (p.value === "ipv6only=on") {
      // Node's ipv6Only is what the server uses for [::] already.
    } else {
      cx.report(
        "error",
        `Listen parameter "${p.raw}" is not supported yet`,
        'supported: "ssl", "default_server", "proxy_protocol", "ipv6only=on"',
        p,
      );
    }
  }
  return {
    host,
    port,
    ipv6,
    ssl,
    ...(defaultServer ? { defaultServer } : {}),
    ...(proxyProtocol ? { proxyProtocol } : {}),
    location: { file: d.location.file, line: d.location.line, column: d.location.column },
  };
}

/** `ssl_verify_client on | off | optional`. */
export function parseVerifyClient(cx: ValueContext, d: Directive): VerifyClient {
  const a = d.args[0] as Token;
  const v = a.value;
  if (v === "on" || v === "off" || v === "optional" || v === "optional_no_ca") return v;
  bad(cx, d, a, '"on", "off", "optional" or "optional_no_ca"');
  return "on";
}

/** Smallest shared zone nginx accepts: 8 pages of 4 KiB. */
const MIN_SHARED_ZONE_BYTES = 8 * 4096;

/** `ssl_session_cache off | none | [builtin[:size]] [shared:name:size]`. */
export function parseSessionCache(cx: ValueContext, d: Directive): SessionCacheConfig {
  let result: SessionCacheConfig = { kind: "none" };
  for (const a of d.args) {
    const v = a.value;
    if (v === "off" || v === "none") {
      if (d.args.length > 1) bad(cx, d, a, `"${v}" alone`);
      result = { kind: v };
    } else if (v === "builtin" || v.startsWith("builtin:")) {
      const n = v === "builtin" ? DEFAULT_BUILTIN_CACHE_SESSIONS : Number(v.slice(8));
      if (!Number.isSafeInteger(n) || n <= 0 || !/^builtin(:[0-9]+)?$/.test(v)) {
        bad(cx, d, a, "builtin or builtin:NUMBER (sessions)");
      } else if (result.kind !== "shared") {
        result = { kind: "builtin", sessions: n };
      }
    } else if (v.startsWith("shared:")) {
      const m = /^shared:([^:]+):(.+)$/.exec(v);
      const bytes = m ? parseNginxSize(m[2] ?? "") : undefined;
      if (!m || bytes === undefined) {
        bad(cx, d, a, "shared:NAME:SIZE, e.g. shared:SSL:1m");
      } else if (bytes < MIN_SHARED_ZONE_BYTES) {
        bad(cx, d, a, `a zone size of at least 32k (got ${bytes} bytes)`);
      } else {
        result = { kind: "shared", name: m[1] ?? "", bytes };
      }
    } else {
      bad(cx, d, a, '"off", "none", "builtin[:size]" or "shared:NAME:SIZE"');
    }
  }
  return result;
}

/** `ssl_session_timeout TIME` (seconds granularity). */
export function parseSessionTimeout(cx: ValueContext, d: Directive): number {
  const a = d.args[0] as Token;
  const ms = parseNginxTime(a.value);
  if (ms === undefined || ms % 1000 !== 0) {
    bad(cx, d, a, "a time in seconds, e.g. 300, 300s, 5m, 1h");
    return DEFAULT_SESSION_TIMEOUT_SECONDS;
  }
  return ms / 1000;
}

const PROTOCOL_ORDER: readonly TlsProtocol[] = Object.values(TlsProtocol);

/** `ssl_protocols [TLSv1] [TLSv1.1] [TLSv1.2] [TLSv1.3]`: a contiguous range. */
export function parseProtocols(cx: ValueContext, d: Directive, ciphers: string): TlsProtocol[] {
  const seen = new Set<TlsProtocol>();
  for (const a of d.args) {
    const p = PROTOCOL_ORDER.find((x) => x === a.value);
    if (p) seen.add(p);
    else if (a.value === "SSLv2" || a.value === "SSLv3") {
      cx.report(
        "error",
        `Protocol "${a.value}" is not supported: Node.js has no ${a.value}`,
        "remove it",
        a,
      );
    } else bad(cx, d, a, "TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3");
  }
  const list = PROTOCOL_ORDER.filter((p) => seen.has(p));
  const lo = PROTOCOL_ORDER.indexOf(list[0] as TlsProtocol);
  const hi = PROTOCOL_ORDER.indexOf(list[list.length - 1] as TlsProtocol);
  if (list.length > 0 && hi - lo + 1 !== list.length) {
    cx.report(
      "error",
      `Protocols must form a contiguous range: got ${list.join(" ")}`,
      `enable every version from ${list[0]} to ${list[list.length - 1]}, or narrow the range`,
      d.nameToken,
    );
  }
  const old = list.filter((p) => p === "TLSv1" || p === "TLSv1.1");
  if (old.length > 0 && !/@SECLEVEL=0/.test(ciphers)) {
    cx.report(
      "warning",
      `Protocols ${old.join(" and ")} will not be negotiated: OpenSSL 3 allows them only at security level 0`,
      "remove them (recommended), or add :@SECLEVEL=0 to ssl_ciphers",
      d.nameToken,
    );
  }
  return list;
}

/** `error_log FILE [LEVEL]`; `stderr` is kept as is. */
export function parseErrorLog(cx: ValueContext, d: Directive): ErrorLogConfig | undefined {
  const [fileT, levelT] = d.args as [Token, Token | undefined];
  const f = fileT.value;
  if (f.startsWith("syslog:") || f.startsWith("memory:")) {
    cx.report(
      "error",
      `Error log target "${f}" is not supported yet`,
      "log to a file or stderr",
      fileT,
    );
    return undefined;
  }
  let level: LogLevel = "error";
  if (levelT) {
    const l = LOG_LEVELS.find((x) => x === levelT.value);
    if (l) level = l;
    else bad(cx, d, levelT, LOG_LEVELS.join(", "));
  }
  const file = f === "stderr" ? "stderr" : cx.path(fileT).path;
  return {
    file,
    level,
    location: { file: d.location.file, line: d.location.line, column: d.location.column },
  };
}

/** `proxy_pass http[s]://HOST[:PORT]` (no URI part yet). */
export function parseProxyPass(cx: ValueContext, d: Directive): ProxyPassConfig | undefined {
  const a = d.args[0] as Token;
  const m = /^(https?):\/\/(\[[^\]]*\]|[^/:]*)(?::([^/]*))?(\/.*)?$/.exec(a.value);
  if (!m) {
    bad(cx, d, a, "http://HOST[:PORT] or https://HOST[:PORT]");
    return undefined;
  }
  const protocol = m[1] as "http" | "https";
  const rawHost = m[2] ?? "";
  const host = rawHost.startsWith("[") ? rawHost.slice(1, -1) : rawHost;
  const defaultPort = protocol === "https" ? 443 : 80;
  const port = m[3] === undefined ? defaultPort : /^[0-9]+$/.test(m[3]) ? Number(m[3]) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) {
    bad(cx, d, a, "a port from 1 to 65535");
    return undefined;
  }
  if (m[4] !== undefined && m[4] !== "") {
    cx.report(
      "error",
      `proxy_pass with a URI part ("${m[4]}") is not supported yet`,
      "write the upstream without a path: the request URI is passed as is",
      a,
    );
    return undefined;
  }
  if (host === "") {
    bad(cx, d, a, "a host name or address");
    return undefined;
  }
  const proxyHost = m[3] === undefined || port === defaultPort ? rawHost : `${rawHost}:${port}`;
  return {
    url: `${protocol}://${rawHost}:${port}`,
    protocol,
    host,
    port,
    proxyHost,
    location: { file: d.location.file, line: a.line, column: a.column },
  };
}
