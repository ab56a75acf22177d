/**
 * The nginx importer's `server` block: listen, server_name, the ssl_* directives and
 * the location defaults, for `importNginx` (`import.ts`) and `import-stream.ts`.
 * @module
 */
import {
  DEFAULT_CIPHERS,
  DEFAULT_PROTOCOLS,
  DEFAULT_SESSION_TIMEOUT_SECONDS,
  DEFAULT_VERIFY_DEPTH,
  type ErrorLogConfig,
  type LocationConfig,
  type ServerConfig,
} from "../config.ts";
import { collect, one } from "./check.ts";
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
import { importOcsp } from "./import-ocsp.ts";
import { importClientHeaderTimeout, importSslExtras } from "./import-ssl-extras.ts";
import type { Token } from "./lexer.ts";
import type { Directive } from "./parser.ts";
import {
  parseErrorLog,
  parseListen,
  parseProtocols,
  parseSessionCache,
  parseSessionTimeout,
  parseVerifyClient,
  type ValueContext,
} from "./values.ts";

/**
 * One nginx `server { ... }` block (in `http` or, through `importStream`, in `stream`) to
 * a {@link ServerConfig}: listen addresses, names, the `ssl_*` directives, the defaults
 * its locations inherit and the locations; every problem is reported through `cx`.
 * Source: nginx `ngx_http_core_module` ("server", "listen", "server_name"),
 * `ngx_http_ssl_module` (1.22).
 * @param cx where problems are reported and paths resolved
 * @param server the `server` directive with its block
 * @returns the server, or undefined when it has no usable certificate and key (reported)
 * @throws nothing: problems are diagnostics
 */
export function importServer(cx: ValueContext, server: Directive): ServerConfig | undefined {
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
  const underscoresD = one(byName, "underscores_in_headers");
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
    ...(underscoresD && flag(cx, underscoresD, false) ? { underscoresInHeaders: true } : {}),
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
