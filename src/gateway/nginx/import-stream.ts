/**
 * The nginx importer's `stream { server { ... } }` part: L4 servers that terminate TLS
 * (`listen ... ssl`, the `ssl_*` directives, checked exactly as in `http`) and relay
 * bytes to `proxy_pass host:port`, plain or with `proxy_ssl on` (`proxy_ssl_certificate`,
 * `proxy_ssl_trusted_certificate`, `proxy_ssl_verify`, `proxy_ssl_name`,
 * `proxy_ssl_server_name`, `proxy_ssl_session_reuse`), optionally preceded by
 * `proxy_protocol on` (v1, as nginx sends it). mtlskit extension:
 * `mtls_proxy_protocol v1|v2|off [crc32c];` selects the version (v2 with the TLS TLVs).
 *
 * nginx 1.22 stream semantics kept: `proxy_ssl_verify off` and no SNI by default;
 * `proxy_connect_timeout 60s`, `proxy_timeout 10m`, `proxy_half_close off`; `ssl_verify_client on` checks the
 * certificate after the handshake and closes the connection before anything is relayed.
 *
 * Source: nginx docs `ngx_stream_core_module`, `ngx_stream_ssl_module`,
 * `ngx_stream_proxy_module` (1.22).
 * @module
 */
import { isIP } from "node:net";
import type { SourceLocation } from "../../errors.ts";
import type { ServerConfig } from "../config.ts";
import {
  DEFAULT_STREAM_CONNECT_TIMEOUT_MS,
  DEFAULT_STREAM_IDLE_TIMEOUT_MS,
  type ProxyProtocolVersion,
  type StreamServerConfig,
} from "../l4/stream-config.ts";
import { closestName, collectChecked, one } from "./check.ts";
import { flag, upstreamTls } from "./import-location.ts";
import type { Directive } from "./parser.ts";
import {
  SHARED_WITH_HTTP,
  STREAM_DIRECTIVES,
  STREAM_UNSUPPORTED,
  type StreamContext,
} from "./stream-directives.ts";
import { parseNginxTime } from "./units.ts";
import type { ValueContext } from "./values.ts";

/** Imports an HTTP-style server block (listen, ssl_*, error_log): import.ts's importer. */
export type ServerImporter = (cx: ValueContext, server: Directive) => ServerConfig | undefined;

/**
 * Imports one `stream { }` block.
 * @param cx the importer's context (reports, paths)
 * @param stream the `stream` directive
 * @param importServer the HTTP server importer, applied to the TLS directives of each server
 * @returns the stream servers that imported without error
 */
export function importStream(
  cx: ValueContext,
  stream: Directive,
  importServer: ServerImporter,
): StreamServerConfig[] {
  const out: StreamServerConfig[] = [];
  for (const d of stream.block ?? []) {
    if (!check(cx, d, "stream")) continue;
    if (d.name === "server") {
      const s = importStreamServer(cx, d, importServer);
      if (s) out.push(s);
    } else {
      cx.report(
        "warning",
        `Directive "${d.name}" is ignored in stream: stream access logs are not supported yet`,
        "connections are logged to error_log at level info",
        d.nameToken,
      );
    }
  }
  return out;
}

function importStreamServer(
  cx: ValueContext,
  server: Directive,
  importServer: ServerImporter,
): StreamServerConfig | undefined {
  const block = server.block ?? [];
  // What a stream server shares with http (listen, ssl_*, error_log) goes to importServer.
  const shared = block.filter((d) => SHARED_WITH_HTTP.has(d.name));
  const byName = collectChecked(
    cx,
    block.filter((d) => !SHARED_WITH_HTTP.has(d.name)),
    {
      check: (d) => check(cx, d, "stream_server"),
      multiple: (name) => STREAM_DIRECTIVES.get(name)?.multiple === true,
    },
  );
  const base = importServer(cx, { ...server, block: shared });
  const passD = one(byName, "proxy_pass");
  if (!passD && !server.truncated) {
    cx.report(
      "error",
      'Stream server has no "proxy_pass": nothing to relay the connection to',
      "add e.g. `proxy_pass 127.0.0.1:5432;`",
      server.nameToken,
    );
  }
  const target = passD ? parseStreamProxyPass(cx, passD) : undefined;
  const sslD = one(byName, "proxy_ssl");
  const tls = sslD ? flag(cx, sslD, false) : false;
  const upTls = upstreamTls(cx, byName, undefined);
  const proxySslDirectives = [...byName.keys()].filter((n) => n.startsWith("proxy_ssl_"));
  if (!tls && proxySslDirectives.length > 0) {
    const d = one(byName, proxySslDirectives[0] as string);
    cx.report(
      "warning",
      `Directive "${d?.name}" has no effect without "proxy_ssl on": the upstream connection is plain TCP`,
      "add `proxy_ssl on;` to speak TLS to the upstream",
      d?.nameToken ?? server.nameToken,
    );
  }
  const verifyD = one(byName, "proxy_ssl_verify");
  if (tls && upTls.verify && !upTls.trustedCertificate) {
    cx.report(
      "error",
      '"proxy_ssl_verify on" needs "proxy_ssl_trusted_certificate": no CA to verify the upstream against',
      "add `proxy_ssl_trusted_certificate ca.crt;` (nginx 1.22: no proxy_ssl_trusted_certificate for proxy_ssl_verify)",
      verifyD?.nameToken ?? server.nameToken,
    );
  }
  if (tls && !upTls.verify) {
    cx.report(
      "warning",
      "The upstream's certificate is not verified: proxy_ssl_verify is off (nginx's default)",
      "add `proxy_ssl_verify on;` and `proxy_ssl_trusted_certificate ca.crt;`",
      verifyD?.nameToken ?? sslD?.nameToken ?? server.nameToken,
    );
  }
  if (!!upTls.certificate !== !!upTls.certificateKey) {
    const d = one(byName, "proxy_ssl_certificate") ?? one(byName, "proxy_ssl_certificate_key");
    cx.report(
      "error",
      '"proxy_ssl_certificate" and "proxy_ssl_certificate_key" go together',
      "name both the gateway's client certificate and its key",
      d?.nameToken ?? server.nameToken,
    );
  }
  const pp = proxyProtocol(cx, byName);
  const connectTimeoutMs =
    time(cx, one(byName, "proxy_connect_timeout")) ?? DEFAULT_STREAM_CONNECT_TIMEOUT_MS;
  const idleTimeoutMs = time(cx, one(byName, "proxy_timeout")) ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS;
  const halfD = one(byName, "proxy_half_close");
  if (!base || !target) return undefined;
  return {
    listen: base.listen,
    tls: base.tls,
    upstream: { protocol: tls ? "tls" : "tcp", ...target },
    upstreamTls: upTls,
    proxyProtocol: pp.version,
    ...(pp.crc32c ? { proxyProtocolCrc32c: true } : {}),
    connectTimeoutMs,
    idleTimeoutMs,
    // nginx 1.21.4+: proxy_half_close off by default.
    halfClose: halfD ? flag(cx, halfD, false) : false,
    ...(base.errorLog ? { errorLog: base.errorLog } : {}),
    location: server.location,
  };
}

/** `proxy_pass ADDRESS:PORT` (stream: no scheme, no URI). */
function parseStreamProxyPass(
  cx: ValueContext,
  d: Directive,
): { host: string; port: number; location: SourceLocation } | undefined {
  const a = d.args[0];
  if (!a) return undefined;
  const v = a.value;
  const bad = (expected: string, hint?: string) => {
    cx.report(
      "error",
      `Invalid value for "proxy_pass": "${a.raw}", expecting ${expected}`,
      hint,
      a,
    );
    return undefined;
  };
  if (/^[a-z]+:\/\//i.test(v)) {
    return bad(
      "ADDRESS:PORT (stream proxy_pass takes no scheme)",
      `write \`proxy_pass ${v.replace(/^[a-z]+:\/\//i, "")};\` and \`proxy_ssl on;\` for a TLS upstream`,
    );
  }
  if (v.startsWith("unix:")) return bad("ADDRESS:PORT", "UNIX sockets are not supported yet");
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(v);
  const port = Number(m?.[3]);
  const host = m?.[1] ?? m?.[2] ?? "";
  if (!m) {
    return bad(
      "ADDRESS:PORT, e.g. 127.0.0.1:5432 or [::1]:5432",
      /^[\w.-]+$/.test(v)
        ? "upstream blocks in stream are not supported yet: write the address and port"
        : undefined,
    );
  }
  if (port < 1 || port > 65535) return bad("a port from 1 to 65535");
  if (m[1] !== undefined && isIP(host) !== 6) return bad("an IPv6 address in brackets");
  return {
    host,
    port,
    location: { file: d.location.file, line: d.location.line, column: d.location.column },
  };
}

/** `proxy_protocol on|off` (v1) and `mtls_proxy_protocol v1|v2|off [crc32c]`. */
function proxyProtocol(
  cx: ValueContext,
  byName: Map<string, Directive[]>,
): { version: ProxyProtocolVersion; crc32c: boolean } {
  const onD = one(byName, "proxy_protocol");
  const extD = one(byName, "mtls_proxy_protocol");
  const on = onD ? flag(cx, onD, false) : false;
  if (!extD) return { version: on ? "v1" : "off", crc32c: false };
  if (onD) {
    cx.report(
      "error",
      '"proxy_protocol" and "mtls_proxy_protocol" both set: keep one',
      "mtls_proxy_protocol v1 is proxy_protocol on; v2 adds the TLS TLVs",
      extD.nameToken,
    );
  }
  const [v, extra] = extD.args;
  const version = v?.value;
  if (version !== "v1" && version !== "v2" && version !== "off") {
    cx.report(
      "error",
      `Invalid value for "mtls_proxy_protocol": "${v?.raw}", expecting "v1", "v2" or "off"`,
      undefined,
      v ?? extD.nameToken,
    );
    return { version: "off", crc32c: false };
  }
  if (extra && (extra.value !== "crc32c" || version !== "v2")) {
    cx.report(
      "error",
      `Invalid parameter for "mtls_proxy_protocol": "${extra.raw}", expecting "crc32c" after "v2"`,
      undefined,
      extra,
    );
  }
  return { version, crc32c: extra?.value === "crc32c" && version === "v2" };
}

function time(cx: ValueContext, d: Directive | undefined): number | undefined {
  const a = d?.args[0];
  if (!d || !a) return undefined;
  const ms = parseNginxTime(a.value);
  if (ms === undefined || ms === 0) {
    cx.report(
      "error",
      `Invalid value for "${d.name}": "${a.raw}", expecting a time such as 5s or 10m`,
      undefined,
      a,
    );
    return undefined;
  }
  return ms;
}

/** Name, context, block and argument count of a stream directive. */
function check(cx: ValueContext, d: Directive, context: StreamContext): boolean {
  if (d.truncated && !d.block) return false;
  const where = context === "stream" ? "stream" : "a stream server";
  const spec = STREAM_DIRECTIVES.get(d.name);
  if (!spec) {
    if (STREAM_UNSUPPORTED.has(d.name)) {
      cx.report(
        "error",
        `Directive "${d.name}" is not supported yet in ${where}`,
        undefined,
        d.nameToken,
      );
      return false;
    }
    const known = [
      ...[...STREAM_DIRECTIVES.values()]
        .filter((s) => s.contexts.includes(context))
        .map((s) => s.name),
      ...(context === "stream_server" ? SHARED_WITH_HTTP : []),
    ];
    const near = closestName(d.name, known);
    cx.report(
      "error",
      `Unknown directive "${d.name}" in ${where}`,
      near ? `did you mean "${near}"?` : `supported here: ${known.join(", ")}`,
      d.nameToken,
    );
    return false;
  }
  if (!spec.contexts.includes(context)) {
    cx.report(
      "error",
      `Directive "${d.name}" is not allowed in ${where}`,
      spec.contexts.includes("stream")
        ? "move it into the stream block"
        : "move it into a stream server",
      d.nameToken,
    );
    return false;
  }
  if (!!spec.block !== !!d.block) {
    cx.report(
      "error",
      spec.block
        ? `Directive "${d.name}" has no block: expecting "{"`
        : `Directive "${d.name}" takes no block: expecting ";"`,
      undefined,
      d.nameToken,
    );
    return false;
  }
  const [min, max] = spec.args;
  if (d.args.length < min || d.args.length > max) {
    const expected =
      min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    cx.report(
      "error",
      `Directive "${d.name}" takes ${expected} argument${max === 1 ? "" : "s"}, got ${d.args.length}`,
      undefined,
      d.nameToken,
    );
    return false;
  }
  return true;
}
