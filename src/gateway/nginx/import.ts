/**
 * The nginx importer: a parsed nginx configuration to the native {@link GatewayConfig}.
 * It checks every directive it meets (known, allowed here, argument count, value) and
 * collects every problem with its `file:line:col` and a hint; an unsupported directive is
 * an error naming it, never silently ignored. It reads no files: file contents are
 * checked by `loadTlsMaterial` once the structure is valid.
 *
 * Relative paths resolve against `prefix` (default: the configuration file's directory).
 * nginx resolves `ssl_*` paths against its configuration prefix (the directory of the
 * main file) and `error_log` against its install prefix; mtlskit uses the configuration
 * directory for both, which is what nginx does when run with `-p DIR -c DIR/nginx.conf`.
 *
 * Choices made where nginx 1.22 only warns:
 * - `ssl on|off` is refused (deprecated in 1.15.0, removed in 1.25.1): `listen ... ssl`
 *   is the one way to enable TLS, and a config that relies on `ssl on` breaks on current
 *   nginx. The hint says whether the `listen` lines already carry `ssl`.
 * - `server_name` with a port or a `*` that is not a whole first/last label gives a warning
 *   (nginx accepts it; it can never match a Host header).
 * - `proxy_ssl_verify off` (nginx's default) with an `https` upstream gives a warning.
 *
 * Source: nginx docs for `ngx_http_core_module`, `ngx_http_ssl_module`,
 * `ngx_http_proxy_module` (1.22).
 * @module
 */
import { dirname, isAbsolute, resolve } from "node:path";
import { ErrorCode, type SourceLocation } from "../../errors.ts";
import {
  DEFAULT_CIPHERS,
  DEFAULT_PROTOCOLS,
  DEFAULT_SESSION_TIMEOUT_SECONDS,
  DEFAULT_VERIFY_DEPTH,
  type ErrorLogConfig,
  type FileRef,
  type GatewayConfig,
  type LocationConfig,
  type ServerConfig,
  type ShutdownConfig,
  type UpstreamBlockConfig,
} from "../config.ts";
import type { Diagnostic } from "../diagnostic.ts";
import type { StreamServerConfig } from "../l4/stream-config.ts";
import { checkDirective, collect, listSupportedOnce, one } from "./check.ts";
import { DIRECTIVES } from "./directives.ts";
import { authorizeRules, rejectInHandshake } from "./import-authorize.ts";
import { pairCertificates } from "./import-certificates.ts";
import { importFingerprints } from "./import-fingerprints.ts";
import {
  flag,
  identityPreset,
  importLocation,
  type LocationDefaults,
  maxBodySize,
  parseReturn,
  proxySetHeaders,
  proxyTuning,
  upstreamTls,
} from "./import-location.ts";
import { type LogEscape, parseLogFormat, resolveAccessLog } from "./import-log.ts";
import { importOcsp } from "./import-ocsp.ts";
import { importShutdownTimeout } from "./import-process.ts";
import { importClientHeaderTimeout, importSslExtras } from "./import-ssl-extras.ts";
import { importStream } from "./import-stream.ts";
import { importUpstream } from "./import-upstream.ts";
import type { Token } from "./lexer.ts";
import type { Directive, ParseResult } from "./parser.ts";
import {
  parseErrorLog,
  parseListen,
  parseProtocols,
  parseSessionCache,
  parseSessionTimeout,
  parseVerifyClient,
  type ValueContext,
} from "./values.ts";

/** Options of {@link importNginx}. */
export interface ImportOptions {
  /** Directory relative paths resolve against; default: the directory of `parsed.file`. */
  readonly prefix?: string;
}

/** Result of {@link importNginx}: the config when there is no error, and all diagnostics. */
export interface ImportResult {
  readonly config?: GatewayConfig;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Converts a parsed nginx configuration (one or more top-level `server` blocks; only one
 * is supported for now) into the native model, collecting every problem.
 * @param parsed the output of `parseNginx` (its diagnostics are carried over)
 * @param options `prefix` for relative paths
 * @returns `{ config, diagnostics }`; `config` is absent when any diagnostic is an error
 * @example
 * ```ts
 * const parsed = parseNginx(readFileSync("gw.conf", "utf8"), { file: "gw.conf" });
 * const { config, diagnostics } = importNginx(parsed);
 * ```
 */
export function importNginx(parsed: ParseResult, options: ImportOptions = {}): ImportResult {
  const diagnostics: Diagnostic[] = [...parsed.diagnostics];
  const prefix = options.prefix ?? dirname(resolve(parsed.file));
  const cx: ValueContext = {
    file: parsed.file,
    report(severity, message, hint, at) {
      diagnostics.push({
        severity,
        code: ErrorCode.CONFIG_INVALID,
        message,
        ...(hint ? { hint } : {}),
        location: {
          file: (at as { readonly file?: string }).file ?? parsed.file,
          line: at.line,
          column: at.column,
        },
      });
    },
    path(t: Token): FileRef {
      const path = isAbsolute(t.value) ? t.value : resolve(prefix, t.value);
      return { path, location: loc(t.file ?? parsed.file, t) };
    },
  };
  const servers: ServerConfig[] = [];
  const streams: StreamServerConfig[] = [];
  const serverBlocks: Directive[] = [];
  const upstreams: UpstreamBlockConfig[] = [];
  const formats = new Map<string, { format: string; escape: LogEscape; at: Directive }>();
  let outerAccessLog: Directive | undefined;
  let httpSeen = false;
  let shutdown: ShutdownConfig | undefined;
  const visit = (directives: readonly Directive[], context: "main" | "http") => {
    for (const d of directives) {
      if (!checkDirective(cx, d, context, [...DIRECTIVES.keys()])) continue;
      switch (d.name) {
        case "http":
          if (httpSeen) {
            cx.report("error", 'Directive "http" is duplicate', "keep one http block", d.nameToken);
          } else {
            httpSeen = true;
            visit(d.block ?? [], "http");
          }
          break;
        case "stream":
          streams.push(...importStream(cx, d, importServer));
          break;
        case "load_module":
          cx.report(
            "warning",
            `Directive "load_module" is ignored: mtlskit's stream mode is built in`,
            undefined,
            d.nameToken,
          );
          break;
        case "types":
        case "default_type":
          // mime.types and the like: harmless to a proxy, which serves no files.
          cx.report(
            "warning",
            `Directive "${d.name}" is ignored: the gateway proxies and serves no files, so MIME types are unused`,
            undefined,
            d.nameToken,
          );
          break;
        case "events":
        case "user":
        case "worker_processes":
        case "pid":
          cx.report(
            "warning",
            `Directive "${d.name}" is ignored: mtlskit runs one process and needs no event settings`,
            d.name === "worker_processes"
              ? "worker processes are a command-line choice: mtls gateway --workers N|auto"
              : undefined,
            d.nameToken,
          );
          break;
        case "worker_shutdown_timeout":
          shutdown = importShutdownTimeout(cx, d) ?? shutdown;
          break;
        case "upstream": {
          const u = importUpstream(cx, d);
          const twin = u && upstreams.find((x) => x.name === u.name);
          if (twin) {
            cx.report(
              "error",
              `Duplicate upstream "${u.name}": first defined at line ${twin.location?.line}`,
              "rename or merge the blocks",
              d.nameToken,
            );
          } else if (u) upstreams.push(u);
          break;
        }
        case "server": {
          const s = importServer(cx, d);
          if (s) {
            servers.push(s);
            serverBlocks.push(d);
          }
          break;
        }
        case "log_format": {
          const f = parseLogFormat(cx, d);
          if (f && formats.has(f.name)) {
            cx.report(
              "error",
              `Duplicate "log_format" name "${f.name}"`,
              undefined,
              d.args[0] ?? d.nameToken,
            );
          } else if (f) formats.set(f.name, { format: f.format, escape: f.escape, at: d });
          break;
        }
        case "access_log":
          outerAccessLog = d;
          break;
        default:
          break;
      }
    }
  };
  visit(parsed.directives, "main");
  const withLogs = servers.map((srv, i) => {
    const own = serverBlocks[i]?.block?.find((x) => x.name === "access_log");
    const accessLog = resolveAccessLog(cx, own ?? outerAccessLog, formats);
    return accessLog ? { ...srv, accessLog } : srv;
  });
  if (
    parsed.directives.length > 0 &&
    servers.length === 0 &&
    streams.length === 0 &&
    !hasError(diagnostics)
  ) {
    cx.report("error", "Configuration has no server block", "add a server { ... } block", {
      line: 1,
      column: 1,
    });
  }
  diagnostics.sort(byPosition);
  const printed = listSupportedOnce(diagnostics, [...DIRECTIVES.keys()]);
  if (hasError(printed)) return { diagnostics: printed };
  return {
    config: {
      source: parsed.file,
      servers: withLogs.map((srv) => linkUpstreams(srv, upstreams)),
      ...(upstreams.length > 0 ? { upstreams } : {}),
      ...(streams.length > 0 ? { streams } : {}),
      ...(shutdown ? { shutdown } : {}),
    },
    diagnostics: printed,
  };
}

/** Orders diagnostics by line, then column (those without a location first). */
function byPosition(a: Diagnostic, b: Diagnostic): number {
  const la = a.location;
  const lb = b.location;
  return (la?.line ?? 0) - (lb?.line ?? 0) || (la?.column ?? 0) - (lb?.column ?? 0);
}

function hasError(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === "error");
}

function loc(file: string, t: Token): SourceLocation {
  return { file, line: t.line, column: t.column };
}

function importServer(cx: ValueContext, server: Directive): ServerConfig | undefined {
  const byName = collect(cx, server.block ?? [], "server");
  // Names written in the block, valid or not: a malformed directive is not also "missing".
  const written = new Set((server.block ?? []).map((d) => d.name));
  // A block cut off by the end of the file may have lost anything: nothing is "missing".
  const whole = !server.truncated;
  const listen = (byName.get("listen") ?? []).flatMap((d) => parseListen(cx, d) ?? []);
  const ssl = one(byName, "ssl");
  if (ssl) {
    const withSsl = listen.find((l) => l.ssl);
    cx.report(
      "error",
      `Directive "ssl" is refused: deprecated since nginx 1.15.0 and removed in 1.25.1`,
      withSsl
        ? `remove it: \`listen ${withSsl.ipv6 ? `[${withSsl.host}]:` : ""}${withSsl.port} ssl\` on line ${withSsl.location?.line} already enables TLS`
        : 'remove it and add the "ssl" parameter to each listen, e.g. `listen 8000 ssl;`',
      ssl.nameToken,
    );
  }
  if (whole && listen.length === 0 && !written.has("listen")) {
    cx.report(
      "error",
      "Server has no listen directive",
      "add e.g. `listen 8000 ssl;`",
      server.nameToken,
    );
  }
  for (const l of listen) {
    if (!l.ssl && l.location) {
      cx.report(
        "error",
        `Listen ${l.host}:${l.port} has no "ssl" parameter: the gateway serves TLS only`,
        `add "ssl": \`listen ${l.ipv6 ? `[${l.host}]:` : ""}${l.port} ssl;\``,
        l.location,
      );
    }
  }
  const serverNames: string[] = [];
  for (const d of byName.get("server_name") ?? []) {
    for (const a of d.args) {
      serverNames.push(a.value);
      checkServerName(cx, a);
    }
  }
  const fileOf = (name: string) => {
    const d = one(byName, name);
    return d?.args[0] ? cx.path(d.args[0]) : undefined;
  };
  const pairs = pairCertificates(
    cx,
    byName.get("ssl_certificate") ?? [],
    byName.get("ssl_certificate_key") ?? [],
    { whole },
  );
  const certificate = pairs.first?.certificate;
  const certificateKey = pairs.first?.certificateKey;
  const clientCertificate = fileOf("ssl_client_certificate");
  if (whole && !certificate && !written.has("ssl_certificate")) {
    cx.report(
      "error",
      'Server has no "ssl_certificate": a TLS server needs one',
      "add `ssl_certificate server.crt;`",
      server.nameToken,
    );
  }
  if (whole && certificate && !certificateKey && !written.has("ssl_certificate_key")) {
    cx.report(
      "error",
      'Server has no "ssl_certificate_key" for its ssl_certificate',
      "add `ssl_certificate_key server.key;`",
      certificate.location ?? server.nameToken,
    );
  }
  const verifyDirective = one(byName, "ssl_verify_client");
  const verifyClient = verifyDirective ? parseVerifyClient(cx, verifyDirective) : "off";
  const trustedCertificate = fileOf("ssl_trusted_certificate");
  const crl = fileOf("ssl_crl");
  const ocsp = importOcsp(cx, byName, {
    mode: verifyClient,
    ...(verifyDirective ? { directive: verifyDirective } : {}),
  });
  const passwordFile = fileOf("ssl_password_file");
  const depthD = one(byName, "ssl_verify_depth");
  let verifyDepth = DEFAULT_VERIFY_DEPTH;
  const depthA = depthD?.args[0];
  if (depthD && depthA) {
    if (/^\d{1,9}$/.test(depthA.value)) verifyDepth = Number(depthA.value);
    else {
      cx.report(
        "error",
        `Invalid value for "ssl_verify_depth": "${depthA.raw}", expecting a number`,
        "e.g. `ssl_verify_depth 2;` for a chain with two intermediate CAs",
        depthA,
      );
    }
  }
  if (
    whole &&
    verifyDirective &&
    verifyClient !== "off" &&
    verifyClient !== "optional_no_ca" &&
    !clientCertificate &&
    !written.has("ssl_client_certificate")
  ) {
    cx.report(
      "error",
      `Directive "ssl_verify_client ${verifyClient}" needs "ssl_client_certificate": no CA to verify client certificates against`,
      "add `ssl_client_certificate ca.crt;` (nginx 1.22: no ssl_client_certificate for ssl_verify_client)",
      verifyDirective.nameToken,
    );
  }
  if (whole && (!verifyDirective || verifyClient === "off")) {
    cx.report(
      "warning",
      "Client certificates are not requested: ssl_verify_client is off, so this is not mutual TLS",
      "add `ssl_verify_client on;` and `ssl_client_certificate ca.crt;`",
      verifyDirective?.nameToken ?? server.nameToken,
    );
  }
  const cacheD = one(byName, "ssl_session_cache");
  const timeoutD = one(byName, "ssl_session_timeout");
  const protocolsD = one(byName, "ssl_protocols");
  const ciphersD = one(byName, "ssl_ciphers");
  const ciphers = ciphersD?.args[0]?.value ?? DEFAULT_CIPHERS;
  const protocols = protocolsD ? parseProtocols(cx, protocolsD, ciphers) : DEFAULT_PROTOCOLS;
  const preferD = one(byName, "ssl_prefer_server_ciphers");
  const errorLogD = byName.get("error_log") ?? [];
  let errorLog: ErrorLogConfig | undefined;
  for (const [i, d] of errorLogD.entries()) {
    if (i > 0) {
      cx.report(
        "error",
        "Several error_log directives are not supported yet",
        "keep one",
        d.nameToken,
      );
    } else {
      errorLog = parseErrorLog(cx, d);
    }
  }
  const bodySize = maxBodySize(cx, byName, undefined);
  const authorize = authorizeRules(cx, byName, undefined);
  const strict = rejectInHandshake(cx, byName, verifyClient);
  const defaults: LocationDefaults = {
    upstreamTls: upstreamTls(cx, byName, undefined),
    setHeaders: proxySetHeaders(cx, byName) ?? [],
    identity: identityPreset(cx, byName) ?? "off",
    proxy: proxyTuning(cx, byName, {}),
    ...(bodySize !== undefined ? { clientMaxBodySize: bodySize } : {}),
    ...(authorize ? { authorize } : {}),
    truncated: !whole,
  };
  const returnD = one(byName, "return");
  const ret = returnD ? parseReturn(cx, returnD) : undefined;
  const locations: LocationConfig[] = [];
  for (const d of byName.get("location") ?? []) {
    const l = importLocation(cx, d, defaults);
    const twin = l && locations.find((x) => x.path === l.path && x.match === l.match);
    if (twin) {
      cx.report(
        "error",
        `Duplicate location "${l.path}": first defined at line ${twin.location?.line}`,
        "merge the two blocks",
        d.nameToken,
      );
    } else if (l) {
      locations.push(l);
    }
  }
  const fingerprints = importFingerprints(cx, byName);
  if (!certificate || !certificateKey) return undefined;
  return {
    listen,
    serverNames,
    tls: {
      certificate,
      certificateKey,
      ...(clientCertificate ? { clientCertificate } : {}),
      verifyClient,
      ...(trustedCertificate ? { trustedCertificate } : {}),
      verifyDepth,
      ...(crl ? { crl } : {}),
      ...(ocsp ? { ocsp } : {}),
      sessionCache: cacheD ? parseSessionCache(cx, cacheD) : { kind: "none" },
      sessionTimeoutSeconds: timeoutD
        ? parseSessionTimeout(cx, timeoutD)
        : DEFAULT_SESSION_TIMEOUT_SECONDS,
      protocols,
      ciphers,
      preferServerCiphers: preferD ? flag(cx, preferD, false) : false,
      ...(pairs.extra.length > 0 ? { extraCertificates: pairs.extra } : {}),
      ...(passwordFile ? { passwordFile } : {}),
      ...importSslExtras(cx, byName),
      ...(strict ? { rejectInHandshake: true } : {}),
    },
    locations,
    ...importClientHeaderTimeout(cx, byName),
    ...(errorLog ? { errorLog } : {}),
    ...(ret ? { return: ret } : {}),
    ...(fingerprints ? { fingerprints } : {}),
    location: server.location,
  };
}

function checkServerName(cx: ValueContext, a: Token): void {
  const v = a.value;
  if (v === "" || v === "_" || v.startsWith("~")) return;
  const labels = v.split(".");
  const badStar = labels.some(
    (l, i) => l.includes("*") && (l !== "*" || (i !== 0 && i !== labels.length - 1)),
  );
  const stars = labels.filter((l) => l === "*").length;
  if (v.includes(":") || badStar || stars > 1) {
    cx.report(
      "warning",
      `Server name "${v}" is a placeholder, not a name: it can never match a Host header${v.includes(":") ? " (a port does not belong in server_name)" : ""}`,
      "write the host name clients use, e.g. `server_name gateway.example.com;` (the port goes in listen)",
      a,
    );
  }
}

/** Marks `proxy_pass` targets that name an `upstream` block. */
function linkUpstreams(
  server: ServerConfig,
  upstreams: readonly UpstreamBlockConfig[],
): ServerConfig {
  if (upstreams.length === 0) return server;
  return {
    ...server,
    locations: server.locations.map((l) => {
      const p = l.proxyPass;
      const u = p && upstreams.find((x) => x.name === p.host);
      // nginx: an upstream block matches `proxy_pass scheme://NAME` without a port.
      if (!p || !u || p.proxyHost !== p.host) return l;
      return { ...l, proxyPass: { ...p, upstream: u.name } };
    }),
  };
}
