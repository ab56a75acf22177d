/**
 * `mtls gateway --print-config`: the native YAML equivalent of a configuration (usually
 * one imported from nginx). Everything nginx mode decided is written out explicitly —
 * `upstreamTls.verify: false` included — so the native file behaves the same while
 * showing what the nginx configuration left weak.
 * @module
 */
import { stringify } from "yaml";
import type { AuthorizeRule, GatewayConfig, LocationConfig, ServerConfig } from "../config.ts";
import { msText } from "./duration-text.ts";
import { NATIVE_ERROR_LOG_DEFAULT } from "./native-config.ts";
import { printOcsp } from "./native-ocsp.ts";
import { printUpstreamTls } from "./native-upstream-tls.ts";
import { streamListener } from "./print-stream.ts";

/** A rule as native YAML: the same keys, without its source location. */
function rule(r: AuthorizeRule): Record<string, unknown> {
  const { location: _, ...rest } = r;
  return rest;
}

function listenText(l: ServerConfig["listen"][number]): string {
  return `${l.ipv6 ? `[${l.host}]` : l.host}:${l.port}`;
}

function route(l: LocationConfig): Record<string, unknown> {
  const u = l.upstreamTls;
  const pass = l.proxyPass;
  return {
    path: l.path,
    ...(l.match !== "prefix" ? { match: l.match } : {}),
    ...(pass ? { upstream: pass.upstream ? `${pass.protocol}://${pass.upstream}` : pass.url } : {}),
    ...(l.return
      ? {
          return: {
            status: l.return.status,
            ...(l.return.text !== undefined ? { text: l.return.text } : {}),
          },
        }
      : {}),
    ...(pass?.protocol === "https"
      ? {
          upstreamTls: {
            ...printUpstreamTls(u),
            ...(u.verifyDepth !== undefined ? { verifyDepth: u.verifyDepth } : {}),
            // Native mode allows TLS 1.2 and 1.3 only (OpenSSL 3 refuses older ones anyway).
            ...(u.protocols?.some((p) => p === "TLSv1.2" || p === "TLSv1.3")
              ? { protocols: u.protocols.filter((p) => p === "TLSv1.2" || p === "TLSv1.3") }
              : {}),
            ...(u.ciphers ? { ciphers: u.ciphers } : {}),
          },
        }
      : {}),
    ...(l.proxySetHeaders && l.proxySetHeaders.length > 0
      ? { setHeaders: Object.fromEntries(l.proxySetHeaders.map((h) => [h.name, h.value])) }
      : {}),
    ...(l.identityHeaders && l.identityHeaders !== "off"
      ? { identityHeaders: l.identityHeaders }
      : {}),
    ...(l.clientMaxBodySize !== undefined ? { maxBodySize: String(l.clientMaxBodySize) } : {}),
    ...(l.authorize
      ? {
          authorize: {
            ...(l.authorize.allow.length > 0 ? { allow: l.authorize.allow.map(rule) } : {}),
            ...(l.authorize.deny.length > 0 ? { deny: l.authorize.deny.map(rule) } : {}),
          },
        }
      : {}),
    ...(l.proxy?.connectTimeoutMs || l.proxy?.readTimeoutMs
      ? {
          timeouts: {
            ...(l.proxy.connectTimeoutMs ? { connect: `${l.proxy.connectTimeoutMs}ms` } : {}),
            ...(l.proxy.readTimeoutMs ? { read: `${l.proxy.readTimeoutMs}ms` } : {}),
          },
        }
      : {}),
  };
}

/** The lists that have entries. */
function nonEmpty(lists: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(lists).filter(([, v]) => v.length > 0));
}

function listener(s: ServerConfig): Record<string, unknown> {
  const t = s.tls;
  const cache = t.sessionCache;
  // proxyProtocol for the whole listener when every address has it; per address otherwise
  // (`listen 1.2.3.4:443 ssl; listen 1.2.3.4:444 ssl proxy_protocol;` keeps both meanings).
  const allProxied = s.listen.length > 0 && s.listen.every((l) => l.proxyProtocol);
  return {
    listen: s.listen.map((l) =>
      l.proxyProtocol && !allProxied
        ? { address: listenText(l), proxyProtocol: true }
        : listenText(l),
    ),
    ...(s.serverNames.length > 0 ? { serverNames: [...s.serverNames] } : {}),
    ...(allProxied ? { proxyProtocol: true } : {}),
    ...(s.fingerprints
      ? {
          fingerprints: nonEmpty({
            allow: [...s.fingerprints.ja3Allow, ...s.fingerprints.ja4Allow],
            deny: [...s.fingerprints.ja3Deny, ...s.fingerprints.ja4Deny],
          }),
        }
      : {}),
    tls: {
      certificate: t.certificate.path,
      key: t.certificateKey.path,
      clientAuth: t.verifyClient === "on" ? "require" : t.verifyClient,
      ...(t.clientCertificate ? { clientCa: t.clientCertificate.path } : {}),
      ...(t.trustedCertificate ? { trustedCa: t.trustedCertificate.path } : {}),
      ...(t.crl ? { crl: t.crl.path } : {}),
      ...(t.ocsp ? { ocsp: printOcsp(t.ocsp) } : {}),
      ...(t.verifyDepth !== undefined && t.verifyDepth !== 1 ? { verifyDepth: t.verifyDepth } : {}),
      // Native mode allows TLS 1.2 and 1.3 only.
      protocols: t.protocols.filter((p) => p === "TLSv1.2" || p === "TLSv1.3"),
      ciphers: t.ciphers,
      ...(t.preferServerCiphers ? { preferServerCiphers: true } : {}),
      sessionCache: cache.kind,
      ...(cache.kind === "builtin" ? { sessionCacheSize: cache.sessions } : {}),
      ...(cache.kind === "shared"
        ? { sessionCacheZone: cache.name, sessionCacheBytes: String(cache.bytes) }
        : {}),
      sessionTimeout: `${t.sessionTimeoutSeconds}s`,
      ...(t.passwordFile ? { passwordFile: t.passwordFile.path } : {}),
      ...(t.ciphersuites ? { ciphersuites: t.ciphersuites } : {}),
      ...(t.sessionTickets === false ? { sessionTickets: false } : {}),
      ...(t.handshakeTimeoutMs ? { handshakeTimeout: `${t.handshakeTimeoutMs}ms` } : {}),
      ...(t.sessionTicketKeys && t.sessionTicketKeys.length > 0
        ? { sessionTicketKeys: t.sessionTicketKeys.map((k) => k.path) }
        : {}),
      ...(t.ecdhCurve && t.ecdhCurve !== "auto" ? { ecdhCurve: t.ecdhCurve } : {}),
      ...(t.extraCertificates && t.extraCertificates.length > 0
        ? {
            extraCertificates: t.extraCertificates.map((x) => ({
              certificate: x.certificate.path,
              key: x.certificateKey.path,
            })),
          }
        : {}),
      ...(t.rejectInHandshake ? { rejectInHandshake: true } : {}),
    },
    // Written out either way: without error_log nginx mode logs nothing; the native
    // default (NATIVE_ERROR_LOG_DEFAULT) is stderr at warn, shown here.
    errorLog: s.errorLog
      ? { file: s.errorLog.file, level: s.errorLog.level }
      : { ...NATIVE_ERROR_LOG_DEFAULT },
    ...(s.accessLog
      ? {
          accessLog: {
            file: s.accessLog.file,
            format: s.accessLog.format,
            ...(s.accessLog.escape ? { escape: s.accessLog.escape } : {}),
          },
        }
      : {}),
    ...(s.clientHeaderTimeoutMs ? { clientHeaderTimeout: `${s.clientHeaderTimeoutMs}ms` } : {}),
    ...(s.underscoresInHeaders ? { underscoresInHeaders: true } : {}),
    routes: s.return
      ? [
          {
            path: "/",
            return: {
              status: s.return.status,
              ...(s.return.text !== undefined ? { text: s.return.text } : {}),
            },
          },
        ]
      : s.locations.map(route),
  };
}

/**
 * Prints a configuration as native YAML.
 * @param config the configuration (from the nginx importer or the native parser)
 * @returns YAML text that `mtls gateway --config` reads back to the same behaviour
 * @example
 * ```ts
 * process.stdout.write(printNativeConfig(loadNginxGateway("gw.conf").config));
 * ```
 */
export function printNativeConfig(config: GatewayConfig): string {
  const doc = {
    ...(config.shutdown
      ? { shutdown: { drainTimeout: msText(config.shutdown.drainTimeoutMs) } }
      : {}),
    ...(config.upstreams && config.upstreams.length > 0
      ? {
          upstreams: Object.fromEntries(
            config.upstreams.map((u) => [
              u.name,
              {
                servers: u.servers.flatMap((s) =>
                  Array.from(
                    { length: s.weight },
                    () => `${s.host.includes(":") ? `[${s.host}]` : s.host}:${s.port}`,
                  ),
                ),
              },
            ]),
          ),
        }
      : {}),
    listeners: [
      ...config.servers.map(listener),
      ...(config.streams ?? []).map((st) => streamListener(st, listener)),
    ],
  };
  return stringify(doc, { lineWidth: 0 });
}
