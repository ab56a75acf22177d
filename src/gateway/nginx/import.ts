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
import type {
  FileRef,
  GatewayConfig,
  ServerConfig,
  ShutdownConfig,
  UpstreamBlockConfig,
} from "../config.ts";
import type { Diagnostic } from "../diagnostic.ts";
import type { StreamServerConfig } from "../l4/stream-config.ts";
import { checkDirective, listSupportedOnce } from "./check.ts";
import { DIRECTIVES } from "./directives.ts";
import { inheritedAt, inheritInto } from "./http-inheritance.ts";
import { type LogEscape, parseLogFormat, resolveAccessLog } from "./import-log.ts";
import { importShutdownTimeout } from "./import-process.ts";
import { importServer } from "./import-server.ts";
import { importStream } from "./import-stream.ts";
import { importUpstream } from "./import-upstream.ts";
import type { Token } from "./lexer.ts";
import type { Directive, ParseResult } from "./parser.ts";
import type { ValueContext } from "./values.ts";

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
  const visit = (
    directives: readonly Directive[],
    context: "main" | "http",
    outer: readonly Directive[] = [],
  ) => {
    const inherited = inheritedAt(outer, directives);
    for (const d of directives) {
      if (!checkDirective(cx, d, context, [...DIRECTIVES.keys()])) continue;
      switch (d.name) {
        case "http":
          if (httpSeen) {
            cx.report("error", 'Directive "http" is duplicate', "keep one http block", d.nameToken);
          } else {
            httpSeen = true;
            visit(d.block ?? [], "http", inherited);
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
            "worker processes are a command-line choice: mtls gateway --workers N|auto",
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
          const s = importServer(cx, inheritInto(d, inherited));
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
