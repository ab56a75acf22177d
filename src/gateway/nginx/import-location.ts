/**
 * The location-level part of the nginx importer: `location` blocks (prefix, `^~`, `=`,
 * `~`, `~*`), `return`, `proxy_pass`, the `proxy_ssl_*`, `proxy_set_header`,
 * `proxy_http_version`, `proxy_*_timeout` and `client_max_body_size` directives, with
 * nginx's inheritance from the server block (a location's own value wins; a location's
 * own `proxy_set_header` list replaces the server's).
 *
 * Source: nginx 1.22 docs of `ngx_http_core_module` (`location`, `client_max_body_size`),
 * `ngx_http_rewrite_module` (`return`), `ngx_http_proxy_module`.
 * @module
 */
import type { SourceLocation } from "../../errors.ts";
import type {
  AuthorizeConfig,
  FileRef,
  IdentityHeadersConfig,
  LocationConfig,
  LocationMatch,
  ProxySetHeader,
  ProxyTuning,
  ReturnConfig,
  UpstreamTlsConfig,
} from "../config.ts";
import { compileTemplate } from "../variables.ts";
import { collect, one } from "./check.ts";
import { authorizeRules } from "./import-authorize.ts";
import { proxySslTuning } from "./import-proxy-ssl.ts";
import type { Token } from "./lexer.ts";
import type { Directive } from "./parser.ts";
import { parseNginxFlag, parseNginxSize, parseNginxTime } from "./units.ts";
import { parseProxyPass, type ValueContext } from "./values.ts";

/** What a location inherits from its server block. */
export interface LocationDefaults {
  readonly upstreamTls: UpstreamTlsConfig;
  readonly setHeaders: readonly ProxySetHeader[];
  readonly identity: IdentityHeadersConfig;
  readonly proxy: ProxyTuning;
  readonly clientMaxBodySize?: number;
  /** The server's `mtls_allow`/`mtls_deny` rules. */
  readonly authorize?: AuthorizeConfig;
  /**
   * The server block was cut off by the end of the file: what a location inherits may be
   * missing too, so nothing is reported as absent.
   */
  readonly truncated?: boolean;
}

function loc(file: string, t: Token): SourceLocation {
  return { file, line: t.line, column: t.column };
}

/** `on`/`off` of a directive, reporting anything else. */
export function flag(cx: ValueContext, d: Directive, fallback: boolean): boolean {
  const a = d.args[0];
  const v = a ? parseNginxFlag(a.value) : undefined;
  if (v === undefined && a) {
    cx.report(
      "error",
      `Invalid value for "${d.name}": "${a.raw}", expecting "on" or "off"`,
      undefined,
      a,
    );
  }
  return v ?? fallback;
}

/** The `proxy_ssl_*` settings of a block over the inherited ones. */
export function upstreamTls(
  cx: ValueContext,
  byName: Map<string, Directive[]>,
  inherited: UpstreamTlsConfig | undefined,
): UpstreamTlsConfig {
  const file = (name: string, parent: FileRef | undefined) => {
    const a = one(byName, name)?.args[0];
    return a ? cx.path(a) : parent;
  };
  const verifyD = one(byName, "proxy_ssl_verify");
  const reuseD = one(byName, "proxy_ssl_session_reuse");
  const sniD = one(byName, "proxy_ssl_server_name");
  const nameA = one(byName, "proxy_ssl_name")?.args[0];
  const certificate = file("proxy_ssl_certificate", inherited?.certificate);
  const certificateKey = file("proxy_ssl_certificate_key", inherited?.certificateKey);
  const trustedCertificate = file("proxy_ssl_trusted_certificate", inherited?.trustedCertificate);
  const serverName = sniD ? flag(cx, sniD, false) : inherited?.serverName;
  let name = inherited?.name;
  if (nameA) {
    // `$proxy_host` is the default; other variables are not resolved per request yet.
    if (nameA.value === "$proxy_host") name = undefined;
    else if (nameA.value.includes("$")) {
      cx.report(
        "error",
        `Variables in "proxy_ssl_name" are not supported yet: "${nameA.raw}"`,
        "write the name the upstream certificate carries, e.g. `proxy_ssl_name backend.internal;`",
        nameA,
      );
    } else name = nameA.value;
  }
  return {
    ...(certificate ? { certificate } : {}),
    ...(certificateKey ? { certificateKey } : {}),
    ...(trustedCertificate ? { trustedCertificate } : {}),
    verify: verifyD ? flag(cx, verifyD, false) : (inherited?.verify ?? false),
    sessionReuse: reuseD ? flag(cx, reuseD, true) : (inherited?.sessionReuse ?? true),
    ...(serverName !== undefined ? { serverName } : {}),
    ...(name !== undefined ? { name } : {}),
    ...proxySslTuning(cx, byName, inherited),
  };
}

/** Hop-by-hop headers `proxy_set_header` cannot set: the connection to the upstream is ours. */
const UNSETTABLE = new Set([
  "connection",
  "keep-alive",
  "te",
  "transfer-encoding",
  "upgrade",
  "content-length",
]);

/** `proxy_set_header NAME VALUE` list of a block, or undefined when it has none (nginx inheritance). */
export function proxySetHeaders(
  cx: ValueContext,
  byName: Map<string, Directive[]>,
): ProxySetHeader[] | undefined {
  const list = byName.get("proxy_set_header");
  if (!list) return undefined;
  const out: ProxySetHeader[] = [];
  for (const d of list) {
    const [nameT, valueT] = d.args;
    if (!nameT || !valueT) continue;
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(nameT.value)) {
      cx.report(
        "error",
        `Invalid header name "${nameT.raw}" in "proxy_set_header"`,
        "use letters, digits and dashes",
        nameT,
      );
      continue;
    }
    if (UNSETTABLE.has(nameT.value.toLowerCase())) {
      cx.report(
        "warning",
        `Header "${nameT.value}" is hop-by-hop: mtlskit manages the upstream connection and ignores this proxy_set_header`,
        "remove it; mtlskit keeps upstream connections alive with HTTP/1.1",
        nameT,
      );
      continue;
    }
    checkTemplate(cx, valueT);
    out.push({
      name: nameT.value,
      value: valueT.value,
      location: loc(d.location.file, d.nameToken),
    });
  }
  return out;
}

/** Reports unknown variables of a value at their column. */
function checkTemplate(cx: ValueContext, t: Token): void {
  const compiled = compileTemplate(t.value);
  for (const p of compiled.problems) {
    // Offsets are in the unescaped value; quoted values shift by the opening quote.
    const shift = t.raw.length > t.value.length ? 1 : 0;
    cx.report("error", p.message, undefined, { line: t.line, column: t.column + p.offset + shift });
  }
}

/** `mtls_identity_headers off | nginx | xfcc`. */
export function identityPreset(
  cx: ValueContext,
  byName: Map<string, Directive[]>,
): IdentityHeadersConfig | undefined {
  const a = one(byName, "mtls_identity_headers")?.args[0];
  if (!a) return undefined;
  if (a.value === "off" || a.value === "nginx" || a.value === "xfcc") return a.value;
  cx.report(
    "error",
    `Invalid value for "mtls_identity_headers": "${a.raw}", expecting "off", "nginx" or "xfcc"`,
    undefined,
    a,
  );
  return undefined;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** `return CODE [TEXT|URL]` or `return URL` (ngx_http_rewrite_return). */
export function parseReturn(cx: ValueContext, d: Directive): ReturnConfig | undefined {
  const [first, second] = d.args;
  if (!first) return undefined;
  const at = loc(d.location.file, d.nameToken);
  if (/^[0-9]+$/.test(first.value)) {
    const status = Number(first.value);
    if (status > 999) {
      cx.report(
        "error",
        `Invalid return code "${first.raw}"`,
        "use a status from 100 to 999",
        first,
      );
      return undefined;
    }
    if (second) checkTemplate(cx, second);
    return { status, ...(second ? { text: second.value } : {}), location: at };
  }
  if (second || !/^(https?:\/\/|\$scheme)/.test(first.value)) {
    cx.report(
      "error",
      `Invalid return code "${first.raw}"`,
      "write `return 403;`, `return 200 text;` or `return 301 https://example.com$request_uri;`",
      first,
    );
    return undefined;
  }
  checkTemplate(cx, first);
  return { status: 302, text: first.value, location: at };
}

/** True when `status` makes `return`'s second argument a redirect target. */
export function isRedirect(status: number): boolean {
  return REDIRECTS.has(status);
}

function time(cx: ValueContext, d: Directive | undefined, inherited: number | undefined) {
  const a = d?.args[0];
  if (!d || !a) return inherited;
  const ms = parseNginxTime(a.value);
  if (ms === undefined || ms <= 0) {
    cx.report(
      "error",
      `Invalid value for "${d.name}": "${a.raw}", expecting a time such as 30s or 1m`,
      undefined,
      a,
    );
    return inherited;
  }
  return ms;
}

/** `proxy_http_version`, `proxy_*_timeout` of a block over the inherited ones. */
export function proxyTuning(
  cx: ValueContext,
  byName: Map<string, Directive[]>,
  inherited: ProxyTuning,
): ProxyTuning {
  const versionD = one(byName, "proxy_http_version");
  let httpVersion = inherited.httpVersion;
  const v = versionD?.args[0];
  if (v) {
    if (v.value === "1.0" || v.value === "1.1") httpVersion = v.value;
    else
      cx.report(
        "error",
        `Invalid value for "proxy_http_version": "${v.raw}", expecting "1.0" or "1.1"`,
        undefined,
        v,
      );
  }
  const connect = time(cx, one(byName, "proxy_connect_timeout"), inherited.connectTimeoutMs);
  const read = time(cx, one(byName, "proxy_read_timeout"), inherited.readTimeoutMs);
  const send = time(cx, one(byName, "proxy_send_timeout"), inherited.sendTimeoutMs);
  return {
    ...(httpVersion ? { httpVersion } : {}),
    ...(connect !== undefined ? { connectTimeoutMs: connect } : {}),
    ...(read !== undefined ? { readTimeoutMs: read } : {}),
    ...(send !== undefined ? { sendTimeoutMs: send } : {}),
  };
}

/** `client_max_body_size SIZE` (0 disables the check). */
export function maxBodySize(
  cx: ValueContext,
  byName: Map<string, Directive[]>,
  inherited: number | undefined,
): number | undefined {
  const d = one(byName, "client_max_body_size");
  const a = d?.args[0];
  if (!d || !a) return inherited;
  const bytes = parseNginxSize(a.value);
  if (bytes === undefined) {
    cx.report(
      "error",
      `Invalid value for "client_max_body_size": "${a.raw}", expecting a size such as 1m or 512k`,
      undefined,
      a,
    );
    return inherited;
  }
  return bytes;
}

const MODIFIERS: Readonly<Record<string, LocationMatch>> = {
  "=": "exact",
  "~": "regex",
  "~*": "regex_i",
  "^~": "prefix_no_regex",
};

/** One `location [=|~|~*|^~] PATH { ... }` block. */
export function importLocation(
  cx: ValueContext,
  d: Directive,
  defaults: LocationDefaults,
): LocationConfig | undefined {
  let match: LocationMatch = "prefix";
  let pathT = d.args[0];
  if (d.args.length === 2) {
    const m = MODIFIERS[d.args[0]?.value ?? ""];
    if (!m) {
      cx.report(
        "error",
        `Invalid location modifier "${d.args[0]?.raw}"`,
        'use "=", "~", "~*" or "^~"',
        d.args[0] ?? d.nameToken,
      );
      return undefined;
    }
    match = m;
    pathT = d.args[1];
  }
  const path = pathT?.value ?? "/";
  if ((match === "regex" || match === "regex_i") && pathT) {
    try {
      new RegExp(path, match === "regex_i" ? "i" : "");
    } catch (e) {
      cx.report(
        "error",
        `Invalid regular expression "${path}" in location: ${(e as Error).message}`,
        "mtlskit uses JavaScript regular expressions (close to PCRE for common patterns)",
        pathT,
      );
      return undefined;
    }
  }
  if (match !== "regex" && match !== "regex_i" && pathT && !/^[/@]/.test(path)) {
    // nginx -t accepts it, but a normalized request URI always starts with "/".
    cx.report(
      "warning",
      `Location "${path}" never matches: request paths start with "/"`,
      `did you mean "location /${path}"? (nginx accepts it silently; requests fall through to other locations)`,
      pathT,
    );
  }
  const byName = collect(cx, d.block ?? [], "location");
  const upstream = upstreamTls(cx, byName, defaults.upstreamTls);
  const passD = one(byName, "proxy_pass");
  const proxyPass = passD ? parseProxyPass(cx, passD) : undefined;
  const returnD = one(byName, "return");
  const ret = returnD ? parseReturn(cx, returnD) : undefined;
  // A block cut off by the end of the file may have lost anything: nothing is "missing".
  const whole = !d.truncated && !defaults.truncated;
  if (whole && !passD && !returnD) {
    cx.report(
      "error",
      `Location "${path}" has no proxy_pass or return: the gateway only proxies or answers`,
      "add `proxy_pass https://upstream:8080;` or `return 404;`",
      d.nameToken,
    );
  }
  const verifyD = one(byName, "proxy_ssl_verify");
  if (whole && upstream.verify && !upstream.trustedCertificate) {
    cx.report(
      "error",
      'Directive "proxy_ssl_verify on" needs "proxy_ssl_trusted_certificate": no CA to verify the upstream against',
      "add `proxy_ssl_trusted_certificate ca.crt;`",
      verifyD?.nameToken ?? d.nameToken,
    );
  }
  if (whole && proxyPass?.protocol === "https" && !upstream.verify) {
    cx.report(
      "warning",
      `Upstream certificate is NOT verified: proxy_ssl_verify is off (the nginx default), so anyone on the path to ${proxyPass.url} can impersonate the upstream`,
      "add `proxy_ssl_verify on;` and `proxy_ssl_trusted_certificate ca.crt;`",
      verifyD?.nameToken ?? passD?.nameToken ?? d.nameToken,
    );
  }
  if (whole && !!upstream.certificate !== !!upstream.certificateKey) {
    const which = upstream.certificate ? "proxy_ssl_certificate_key" : "proxy_ssl_certificate";
    cx.report(
      "error",
      `Upstream client certificate is incomplete: "${which}" is missing`,
      "set both proxy_ssl_certificate and proxy_ssl_certificate_key",
      d.nameToken,
    );
  }
  const proxy = proxyTuning(cx, byName, defaults.proxy);
  const bodySize = maxBodySize(cx, byName, defaults.clientMaxBodySize);
  const authorize = authorizeRules(cx, byName, defaults.authorize);
  return {
    match,
    path,
    ...(proxyPass ? { proxyPass } : {}),
    ...(ret ? { return: ret } : {}),
    upstreamTls: upstream,
    proxySetHeaders: proxySetHeaders(cx, byName) ?? defaults.setHeaders,
    identityHeaders: identityPreset(cx, byName) ?? defaults.identity,
    ...(Object.keys(proxy).length > 0 ? { proxy } : {}),
    ...(bodySize !== undefined ? { clientMaxBodySize: bodySize } : {}),
    ...(authorize ? { authorize } : {}),
    location: d.location,
  };
}
