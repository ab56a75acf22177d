/**
 * The native YAML configuration (`mtls gateway --config FILE`): its schema, and the
 * conversion to the {@link GatewayConfig} model. Safer defaults than nginx mode: client
 * certificates required (`clientAuth: require`), TLS 1.2 and 1.3 only, a session cache,
 * and upstream TLS verified (`upstreamTls.verify: true`, against `ca` or the system roots)
 * with SNI sent. A listener without `errorLog` logs to stderr at `warn`
 * ({@link NATIVE_ERROR_LOG_DEFAULT}); `--print-config` writes that default out. A listen
 * entry is `"host:port"` or `{ address: "host:port", proxyProtocol: true }` (its own
 * `proxyProtocol` wins over the listener's). Prefix and exact route paths start with `/`.
 *
 * @example
 * ```yaml
 * listeners:
 *   - listen: ["127.0.0.1:8443"]
 *     serverNames: [gw.example.test]
 *     tls: { certificate: server.crt, key: server.key, clientCa: ca.crt }
 *     routes:
 *       - path: /
 *         upstream: https://backend.internal:8443
 *         upstreamTls: { ca: ca.crt, certificate: gw.crt, key: gw.key }
 *         identityHeaders: xfcc
 * ```
 * @module
 */
import { dirname, isAbsolute, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { ErrorCode, type SourceLocation } from "../../errors.ts";
import { COMBINED_FORMAT } from "../access-log.ts";
import {
  DEFAULT_BUILTIN_CACHE_SESSIONS,
  DEFAULT_CIPHERS,
  type FileRef,
  type GatewayConfig,
  type LocationConfig,
  type ProxyPassConfig,
  type ServerConfig,
  type UpstreamBlockConfig,
} from "../config.ts";
import type { Diagnostic } from "../diagnostic.ts";
import { JA3_HASH_RE } from "../fingerprint-rules.ts";
import { compileTemplate } from "../variables.ts";
import { nativeAuthorize } from "./native-authorize.ts";
import { nativeOcsp } from "./native-ocsp.ts";
import { NATIVE_SCHEMA, type RawConfig, URL_RE } from "./native-schema.ts";
import { streamServerOf } from "./native-stream.ts";
import { tlsGroups } from "./native-tls-extras.ts";
import { upstreamTlsOf } from "./native-upstream-tls.ts";
import { validate } from "./schema.ts";

/** `sessionCache: shared` without `sessionCacheBytes`: 1 MiB (nginx's example `shared:SSL:1m`). */
const DEFAULT_SHARED_CACHE_BYTES = 1024 * 1024;

/**
 * A listener's error log when the native YAML has no `errorLog`: stderr at `warn`, so OCSP
 * soft failures and authorization denials are seen somewhere (nginx's default is its
 * compiled-in `logs/error.log` at `error`; mtlskit has no install prefix to write in).
 */
export const NATIVE_ERROR_LOG_DEFAULT = { file: "stderr", level: "warn" } as const;

export interface NativeResult {
  readonly config?: GatewayConfig;
  readonly diagnostics: readonly Diagnostic[];
}

function splitHostPort(v: string): { host: string; port: number } {
  const i = v.lastIndexOf(":");
  const host = v.slice(0, i);
  return { host: host.startsWith("[") ? host.slice(1, -1) : host, port: Number(v.slice(i + 1)) };
}

/** A directive block (`server {`) or a `;`-terminated directive at the start of a line. */
const NGINX_LINE =
  /^\s*(?:[a-z_]+(?:\s+[^\s{};#:][^{};#]*)?\s*\{|[a-z_]+\s+[^:{};#][^{};]*;\s*(?:#.*)?$)/m;

/**
 * Whether a configuration given as YAML reads like nginx syntax (the first non-comment line
 * opens a block or is a `;`-terminated directive), so the error can point at `--nginx`.
 * @param text the file's text
 * @returns true when it looks like an nginx configuration
 */
export function looksLikeNginx(text: string): boolean {
  const first = text.split(/\r?\n/).find((l) => l.trim() !== "" && !l.trim().startsWith("#"));
  return first !== undefined && NGINX_LINE.test(first);
}

/** Adds the `--nginx` hint to the first error when the text looks like nginx syntax. */
function withNginxHint(text: string, diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const out = [...diagnostics];
  const i = out.findIndex((d) => d.severity === "error");
  const first = out[i];
  if (first && !first.hint && looksLikeNginx(text)) {
    out[i] = { ...first, hint: "this looks like an nginx configuration: use --nginx FILE" };
  }
  return out;
}

/**
 * Parses and validates native YAML into the gateway model (files are not read yet).
 * @param text the YAML
 * @param options `file` (for locations and relative paths)
 * @returns `{ config, diagnostics }`; `config` absent when anything is an error
 */
export function parseNativeConfig(text: string, options: { readonly file: string }): NativeResult {
  const file = options.file;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      diagnostics: withNginxHint(
        text,
        doc.errors.map((e) => {
          const pos = lineCounter.linePos(e.pos[0]);
          return {
            severity: "error" as const,
            code: ErrorCode.CONFIG_SYNTAX,
            message: `YAML syntax error: ${e.message.split("\n")[0]}`,
            location: { file, line: pos.line, column: pos.col },
          };
        }),
      ),
    };
  }
  const v = validate(doc.contents as never, NATIVE_SCHEMA, { file, lineCounter });
  if (!v.value) return { diagnostics: withNginxHint(text, v.diagnostics) };
  const raw = v.value as RawConfig;
  const diagnostics: Diagnostic[] = [];
  const dir = dirname(resolve(file));
  // A missing key has no location: point at the closest enclosing value.
  const where = (path: string): SourceLocation | undefined => {
    let p = path;
    for (;;) {
      const hit = v.locations.get(p);
      if (hit) return hit;
      const up = p.replace(/(\.[^.[]*|\[\d+\])$/, "");
      if (up === p) return v.locations.get("");
      p = up;
    }
  };
  const ref = (p: string, path: string): FileRef => {
    const location = where(path);
    return {
      path: isAbsolute(p) ? p : resolve(dir, p),
      ...(location ? { location } : {}),
      setting: path,
    };
  };
  const error = (path: string, message: string, hint?: string) => {
    const location = where(path);
    diagnostics.push({
      severity: "error",
      code: ErrorCode.CONFIG_INVALID,
      message: `${path}: ${message}`,
      ...(hint ? { hint } : {}),
      ...(location ? { location } : {}),
    });
  };
  const upstreams: UpstreamBlockConfig[] = Object.entries(raw.upstreams ?? {}).map(([name, u]) => ({
    name,
    servers: u.servers.map((s) => ({ ...splitHostPort(s), weight: 1 })),
  }));
  const built = raw.listeners.map((l, li): ServerConfig => {
    const p = `listeners[${li}]`;
    const t = l.tls;
    const clientAuth = t.clientAuth ?? "require";
    const verifyClient = clientAuth === "require" ? "on" : clientAuth;
    if ((verifyClient === "on" || verifyClient === "optional") && !t.clientCa && !t.trustedCa) {
      error(
        `${p}.tls.clientCa`,
        `required when clientAuth is "${clientAuth}"`,
        "name the CA that issues client certificates",
      );
    }
    const ocsp = nativeOcsp(t.ocsp, where(`${p}.tls.ocsp`));
    if (ocsp && verifyClient === "optional_no_ca") {
      error(
        `${p}.tls.ocsp`,
        'is incompatible with clientAuth "optional_no_ca" (as nginx\'s ssl_ocsp)',
        'use clientAuth "optional", or drop ocsp',
      );
    }
    if (t.rejectInHandshake && clientAuth !== "require") {
      error(
        `${p}.tls.rejectInHandshake`,
        `needs clientAuth "require", got "${clientAuth}"`,
        "strict mode refuses clients without a valid certificate, which only clientAuth: require asks for",
      );
    }
    const protocols = [...(t.protocols ?? ["TLSv1.2", "TLSv1.3"])].sort();
    if (l.mode === "tcp" && l.routes) {
      error(`${p}.routes`, 'not used with mode "tcp"', "describe the upstream in the tcp block");
    }
    if (l.mode === "tcp" && !l.tcp) {
      error(
        `${p}.tcp`,
        'missing required key for mode "tcp"',
        'e.g. tcp: { upstream: "tls://host:port" }',
      );
    }
    if (l.mode !== "tcp" && l.tcp) {
      error(`${p}.mode`, 'must be "tcp" for a listener with a tcp block', "add mode: tcp");
    }
    if (l.mode !== "tcp" && !l.routes && !l.tcp) error(`${p}.routes`, "missing required key");
    const locations = (l.routes ?? []).map((r, ri): LocationConfig => {
      const rp = `${p}.routes[${ri}]`;
      if (!r.upstream && !r.return) error(rp, 'needs "upstream" or "return"');
      for (const [name, value] of Object.entries(r.setHeaders ?? {})) {
        for (const problem of compileTemplate(value).problems)
          error(`${rp}.setHeaders.${name}`, problem.message);
      }
      if (r.match !== "regex" && r.match !== "regex_i" && !r.path.startsWith("/")) {
        // A request path always starts with "/": this route would never match.
        error(
          `${rp}.path`,
          `must start with "/" unless match is regex or regex_i, got ${JSON.stringify(r.path)}`,
          `did you mean "/${r.path}"? (a path without "/" never matches a request)`,
        );
      }
      if (r.match === "regex" || r.match === "regex_i") {
        try {
          new RegExp(r.path);
        } catch (e) {
          error(`${rp}.path`, `invalid regular expression: ${(e as Error).message}`);
        }
      }
      const u = r.upstreamTls ?? {};
      if (!!u.certificate !== !!u.key)
        error(`${rp}.upstreamTls`, "certificate and key go together");
      const authorize = r.authorize
        ? nativeAuthorize(r.authorize, `${rp}.authorize`, { error, where })
        : undefined;
      const proxyPass = r.upstream
        ? proxyPassOf(r.upstream, where(`${rp}.upstream`), upstreams)
        : undefined;
      return {
        match: r.match ?? "prefix",
        path: r.path,
        ...(proxyPass ? { proxyPass } : {}),
        ...(r.return
          ? {
              return: {
                status: r.return.status,
                ...(r.return.text !== undefined ? { text: r.return.text } : {}),
              },
            }
          : {}),
        upstreamTls: {
          // Safer than nginx: verified and with SNI unless turned off.
          ...upstreamTlsOf(u, { path: `${rp}.upstreamTls`, ref }),
          ...(u.verifyDepth !== undefined ? { verifyDepth: u.verifyDepth } : {}),
          ...(u.protocols ? { protocols: [...u.protocols].sort() } : {}),
          ...(u.ciphers ? { ciphers: u.ciphers } : {}),
        },
        proxySetHeaders: Object.entries(r.setHeaders ?? {}).map(([name, value]) => ({
          name,
          value,
        })),
        identityHeaders: r.identityHeaders ?? "off",
        ...(r.timeouts
          ? {
              proxy: {
                httpVersion: "1.1" as const,
                ...(r.timeouts.connect ? { connectTimeoutMs: r.timeouts.connect } : {}),
                ...(r.timeouts.read ? { readTimeoutMs: r.timeouts.read } : {}),
              },
            }
          : {}),
        ...(r.maxBodySize !== undefined ? { clientMaxBodySize: r.maxBodySize } : {}),
        ...(authorize ? { authorize } : {}),
        ...(where(rp) ? { location: where(rp) as SourceLocation } : {}),
      };
    });
    return {
      listen: l.listen.map((entry, ai) => {
        const a = typeof entry === "string" ? entry : entry.address;
        // An entry's own proxyProtocol wins over the listener's.
        const proxied =
          typeof entry === "string" ? l.proxyProtocol : (entry.proxyProtocol ?? l.proxyProtocol);
        const { host, port } = splitHostPort(a);
        const location = where(`${p}.listen[${ai}]`);
        return {
          host,
          port,
          ipv6: a.startsWith("["),
          ssl: true,
          ...(proxied ? { proxyProtocol: true } : {}),
          ...(location ? { location } : {}),
        };
      }),
      serverNames: l.serverNames ?? [],
      tls: {
        certificate: ref(t.certificate, `${p}.tls.certificate`),
        certificateKey: ref(t.key, `${p}.tls.key`),
        ...(t.clientCa ? { clientCertificate: ref(t.clientCa, `${p}.tls.clientCa`) } : {}),
        ...(t.trustedCa ? { trustedCertificate: ref(t.trustedCa, `${p}.tls.trustedCa`) } : {}),
        ...(t.crl ? { crl: ref(t.crl, `${p}.tls.crl`) } : {}),
        ...(ocsp ? { ocsp } : {}),
        verifyClient,
        verifyDepth: t.verifyDepth ?? 1,
        sessionCache:
          t.sessionCache === "shared"
            ? {
                kind: "shared",
                name: t.sessionCacheZone ?? "native",
                bytes: t.sessionCacheBytes ?? DEFAULT_SHARED_CACHE_BYTES,
              }
            : (t.sessionCache ?? "builtin") === "builtin"
              ? { kind: "builtin", sessions: t.sessionCacheSize ?? DEFAULT_BUILTIN_CACHE_SESSIONS }
              : { kind: t.sessionCache === "off" ? "off" : "none" },
        sessionTimeoutSeconds: Math.round((t.sessionTimeout ?? 300_000) / 1000),
        protocols,
        ciphers: t.ciphers ?? DEFAULT_CIPHERS,
        preferServerCiphers: t.preferServerCiphers ?? false,
        ...(t.passwordFile ? { passwordFile: ref(t.passwordFile, `${p}.tls.passwordFile`) } : {}),
        ...tlsGroups(t, `${p}.tls`, error),
        ...(t.sessionTickets === false ? { sessionTickets: false } : {}),
        ...(t.handshakeTimeout ? { handshakeTimeoutMs: t.handshakeTimeout } : {}),
        ...(t.sessionTicketKeys
          ? {
              sessionTicketKeys: t.sessionTicketKeys.map((k, ki) =>
                ref(k, `${p}.tls.sessionTicketKeys[${ki}]`),
              ),
            }
          : {}),
        ...(t.extraCertificates && t.extraCertificates.length > 0
          ? {
              extraCertificates: t.extraCertificates.map((x, xi) => ({
                certificate: ref(x.certificate, `${p}.tls.extraCertificates[${xi}].certificate`),
                certificateKey: ref(x.key, `${p}.tls.extraCertificates[${xi}].key`),
              })),
            }
          : {}),
        ...(t.rejectInHandshake ? { rejectInHandshake: true } : {}),
      },
      locations,
      ...(l.clientHeaderTimeout ? { clientHeaderTimeoutMs: l.clientHeaderTimeout } : {}),
      ...(l.underscoresInHeaders ? { underscoresInHeaders: true } : {}),
      ...(l.fingerprints
        ? {
            fingerprints: {
              ja3Allow: (l.fingerprints.allow ?? []).filter((f) => JA3_HASH_RE.test(f)),
              ja3Deny: (l.fingerprints.deny ?? []).filter((f) => JA3_HASH_RE.test(f)),
              ja4Allow: (l.fingerprints.allow ?? []).filter((f) => !JA3_HASH_RE.test(f)),
              ja4Deny: (l.fingerprints.deny ?? []).filter((f) => !JA3_HASH_RE.test(f)),
              ...(where(`${p}.fingerprints`)
                ? { location: where(`${p}.fingerprints`) as SourceLocation }
                : {}),
            },
          }
        : {}),
      // Without errorLog: stderr at warn (NATIVE_ERROR_LOG_DEFAULT), never nowhere.
      errorLog: l.errorLog
        ? {
            file:
              l.errorLog.file === "stderr"
                ? "stderr"
                : ref(l.errorLog.file, `${p}.errorLog.file`).path,
            level: l.errorLog.level ?? "error",
          }
        : NATIVE_ERROR_LOG_DEFAULT,
      ...(l.accessLog
        ? {
            accessLog: {
              file: ["stderr", "stdout"].includes(l.accessLog.file)
                ? l.accessLog.file
                : ref(l.accessLog.file, `${p}.accessLog.file`).path,
              formatName: l.accessLog.format ? "custom" : "combined",
              format: l.accessLog.format ?? COMBINED_FORMAT,
              ...(l.accessLog.escape && l.accessLog.escape !== "default"
                ? { escape: l.accessLog.escape }
                : {}),
            },
          }
        : {}),
    };
  });
  const helpers = { ref, error, where };
  const streams = raw.listeners.flatMap((l, li) => {
    const server = built[li];
    return l.mode === "tcp" && l.tcp && server
      ? [
          streamServerOf(server, l.tcp, {
            path: `listeners[${li}]`,
            helpers,
            rejectInHandshake: l.tls.rejectInHandshake,
          }),
        ]
      : [];
  });
  const servers = built.filter((_, li) => raw.listeners[li]?.mode !== "tcp");
  if (diagnostics.length > 0) return { diagnostics };
  return {
    config: {
      source: file,
      servers,
      ...(streams.length > 0 ? { streams } : {}),
      ...(upstreams.length > 0 ? { upstreams } : {}),
      ...(raw.shutdown
        ? {
            shutdown: {
              drainTimeoutMs: raw.shutdown.drainTimeout,
              ...(where("shutdown.drainTimeout")
                ? { location: where("shutdown.drainTimeout") as SourceLocation }
                : {}),
            },
          }
        : {}),
    },
    diagnostics,
  };
}

function proxyPassOf(
  url: string,
  location: SourceLocation | undefined,
  upstreams: readonly UpstreamBlockConfig[],
): ProxyPassConfig {
  const m = URL_RE.exec(url) as RegExpExecArray;
  const protocol = m[1] as "http" | "https";
  const rawHost = m[2] ?? "";
  const host = rawHost.startsWith("[") ? rawHost.slice(1, -1) : rawHost;
  const defaultPort = protocol === "https" ? 443 : 80;
  const port = m[3] ? Number(m[3]) : defaultPort;
  const block = !m[3] ? upstreams.find((u) => u.name === host) : undefined;
  return {
    url: `${protocol}://${rawHost}:${port}`,
    protocol,
    host,
    port,
    proxyHost: port === defaultPort ? rawHost : `${rawHost}:${port}`,
    ...(block ? { upstream: block.name } : {}),
    ...(location ? { location } : {}),
  };
}
