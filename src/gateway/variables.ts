/**
 * nginx variables and the strings that use them (`proxy_set_header X-Client $ssl_client_s_dn;`,
 * later `log_format`): compiling a value into literal parts and variable references once,
 * checking that every variable exists (nginx: `unknown "foo" variable`), and rendering it
 * for one request from plain facts about the connection and the request.
 *
 * A variable that has no value renders as the empty string, as in nginx; for
 * `proxy_set_header`, an empty result means the header is not sent at all.
 *
 * Source: nginx `ngx_http_script.c` (`ngx_http_script_compile`), `ngx_http_variables.c`,
 * the "Embedded Variables" sections of `ngx_http_core_module`, `ngx_http_ssl_module`,
 * `ngx_http_proxy_module` (1.22).
 * @module
 */
import type { ClientCertificateVariables } from "./client-certificate.ts";
import type { FrontFacts } from "./connection-front.ts";
import { FRONT_VARIABLES, frontVariable } from "./front-variables.ts";
import { normalizeUri } from "./normalize-uri.ts";

/** One part of a compiled value: literal text or a variable reference. */
export type TemplatePart =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "variable"; readonly name: string };

/** A compiled value. */
export interface Template {
  /** The value as written (unescaped). */
  readonly source: string;
  readonly parts: readonly TemplatePart[];
}

/** A problem in a value, with the character offset of the `$`. */
export interface TemplateProblem {
  readonly message: string;
  readonly offset: number;
}

/** Variables with fixed names that the gateway can compute. */
export const KNOWN_VARIABLES: ReadonlySet<string> = new Set([
  "ssl_client_verify",
  "pid",
  "ssl_client_s_dn",
  "ssl_client_i_dn",
  "ssl_client_s_dn_legacy",
  "ssl_client_i_dn_legacy",
  "ssl_client_serial",
  "ssl_client_fingerprint",
  "ssl_client_raw_cert",
  "ssl_client_cert",
  "ssl_client_escaped_cert",
  "ssl_client_v_start",
  "ssl_client_v_end",
  "ssl_client_v_remain",
  "ssl_protocol",
  "ssl_cipher",
  "ssl_session_reused",
  "ssl_session_id",
  "ssl_server_name",
  "ssl_alpn_protocol",
  "remote_addr",
  "remote_port",
  "server_addr",
  "server_port",
  "server_name",
  "server_protocol",
  "host",
  "scheme",
  "https",
  "request",
  "request_method",
  "request_uri",
  "uri",
  "document_uri",
  "args",
  "query_string",
  "is_args",
  "content_length",
  "content_type",
  "proxy_host",
  "proxy_port",
  "proxy_add_x_forwarded_for",
  "connection",
  "connection_requests",
  "status",
  "body_bytes_sent",
  "bytes_sent",
  "request_time",
  "upstream_addr",
  "upstream_status",
  "upstream_response_time",
  "time_local",
  "time_iso8601",
  "msec",
  "remote_user",
  "request_length",
  ...FRONT_VARIABLES,
]);

/** Prefixes of variable families: `$http_x_foo`, `$arg_id`, `$cookie_session`... */
export const VARIABLE_PREFIXES: readonly string[] = ["http_", "arg_", "cookie_", "sent_http_"];

/** True when the gateway knows the variable. */
export function isKnownVariable(name: string): boolean {
  return (
    KNOWN_VARIABLES.has(name) ||
    VARIABLE_PREFIXES.some((p) => name.startsWith(p) && name.length > p.length)
  );
}

const NAME_CHAR = /[A-Za-z0-9_]/;

/**
 * Compiles a value the way `ngx_http_script_compile` reads it: `$name` takes the longest
 * run of `[A-Za-z0-9_]`, `${name}` may be followed by anything.
 * @param source the value, unescaped
 * @returns the template, or the problems (unknown variable, `$` without a name, unclosed `{`)
 * @example
 * ```ts
 * compileTemplate("$ssl_client_s_dn/${ssl_client_serial}x").template?.parts.length; // 3
 * ```
 */
export function compileTemplate(source: string): {
  readonly template?: Template;
  readonly problems: readonly TemplateProblem[];
} {
  const parts: TemplatePart[] = [];
  const problems: TemplateProblem[] = [];
  let text = "";
  let i = 0;
  while (i < source.length) {
    const ch = source[i] as string;
    if (ch !== "$") {
      text += ch;
      i++;
      continue;
    }
    const at = i;
    let name = "";
    if (source[i + 1] === "{") {
      const close = source.indexOf("}", i + 2);
      if (close < 0) {
        problems.push({
          message: 'The closing bracket in variable name is missing: "}"',
          offset: at,
        });
        break;
      }
      name = source.slice(i + 2, close);
      i = close + 1;
    } else {
      i++;
      while (i < source.length && NAME_CHAR.test(source[i] as string)) name += source[i++];
    }
    if (name === "" || ![...name].every((c) => NAME_CHAR.test(c))) {
      problems.push({ message: `Invalid variable name "${name}"`, offset: at });
      continue;
    }
    if (!isKnownVariable(name)) {
      problems.push({ message: `Unknown "${name}" variable`, offset: at });
      continue;
    }
    if (text) parts.push({ kind: "text", text });
    text = "";
    parts.push({ kind: "variable", name });
  }
  if (text) parts.push({ kind: "text", text });
  return problems.length > 0 ? { problems } : { template: { source, parts }, problems };
}

/** Looks a variable up: its value, or undefined when it has none (renders as ""). */
export type VariableLookup = (name: string) => string | undefined;

/**
 * Renders a compiled value.
 * @param template from {@link compileTemplate}
 * @param lookup the request's variables
 * @returns the text
 */
export function renderTemplate(template: Template, lookup: VariableLookup): string {
  let out = "";
  for (const p of template.parts) out += p.kind === "text" ? p.text : (lookup(p.name) ?? "");
  return out;
}

/** TLS facts of one connection. */
export interface TlsFacts {
  /** `TLSv1.2`, `TLSv1.3`. */
  readonly protocol: string;
  /** OpenSSL cipher name, e.g. `ECDHE-ECDSA-AES256-GCM-SHA384`. */
  readonly cipher: string;
  readonly sessionReused: boolean;
  /** Session ID in lowercase hex, or "". */
  readonly sessionId: string;
  /** SNI host name sent by the client, or "". */
  readonly serverName: string;
  /** Negotiated ALPN protocol, or "". */
  readonly alpnProtocol: string;
  readonly client: ClientCertificateVariables;
}

/** Everything the request-phase variables are computed from. */
export interface RequestFacts {
  readonly tls: TlsFacts;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** `server_name`'s first name for this server block. */
  readonly serverName: string;
  readonly method: string;
  /** The request target as sent (`/path?query`). */
  readonly url: string;
  /** `1.1`, `1.0`, `2.0`. */
  readonly httpVersion: string;
  /** Request headers, lower-case names. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** nginx connection serial number. */
  readonly connection: number;
  /** `$proxy_host` and `$proxy_port` of the location's `proxy_pass`, if any. */
  readonly proxyHost?: string;
  readonly proxyPort?: number;
  /** What the listener's front read before TLS (PROXY header, fingerprints), if it has one. */
  readonly front?: FrontFacts;
  /** Values known later (response phase): `status`, `body_bytes_sent`... */
  readonly extra?: Readonly<Record<string, string>>;
}

function headerValue(v: string | readonly string[] | undefined, sep = ", "): string | undefined {
  if (v === undefined) return undefined;
  return typeof v === "string" ? v : v.join(sep);
}

/**
 * The variables of one request, computed lazily.
 * @param facts the connection and request
 * @returns a lookup for {@link renderTemplate}
 */
export function requestVariables(facts: RequestFacts): VariableLookup {
  const q = facts.url.indexOf("?");
  const path = q < 0 ? facts.url : facts.url.slice(0, q);
  const args = q < 0 ? "" : facts.url.slice(q + 1);
  return (name) => {
    const extra = facts.extra?.[name];
    if (extra !== undefined) return extra;
    if (name.startsWith("ssl_client_")) {
      return (facts.tls.client as unknown as Record<string, string>)[name];
    }
    switch (name) {
      case "ssl_protocol":
        return facts.tls.protocol;
      case "ssl_cipher":
        return facts.tls.cipher;
      case "ssl_session_reused":
        return facts.tls.sessionReused ? "r" : ".";
      case "ssl_session_id":
        return facts.tls.sessionId;
      case "ssl_server_name":
        return facts.tls.serverName;
      case "ssl_alpn_protocol":
        return facts.tls.alpnProtocol;
      case "remote_addr":
        return facts.remoteAddress;
      case "remote_port":
        return String(facts.remotePort);
      case "server_addr":
        return facts.localAddress;
      case "server_port":
        return String(facts.localPort);
      case "server_name":
        return facts.serverName;
      case "server_protocol":
        return `HTTP/${facts.httpVersion}`;
      case "host":
        return hostVariable(headerValue(facts.headers.host), facts.serverName);
      case "scheme":
        return "https";
      case "https":
        return "on";
      case "request":
        return `${facts.method} ${facts.url} HTTP/${facts.httpVersion}`;
      case "request_method":
        return facts.method;
      case "request_uri":
        return facts.url;
      case "uri":
      case "document_uri":
        return decodePath(path);
      case "args":
      case "query_string":
        return args;
      case "is_args":
        return q < 0 ? "" : "?";
      case "content_length":
        return headerValue(facts.headers["content-length"]);
      case "content_type":
        return headerValue(facts.headers["content-type"]);
      case "proxy_host":
        return facts.proxyHost;
      case "proxy_port":
        return facts.proxyPort === undefined ? undefined : String(facts.proxyPort);
      case "proxy_add_x_forwarded_for": {
        const xff = headerValue(facts.headers["x-forwarded-for"]);
        return xff ? `${xff}, ${facts.remoteAddress}` : facts.remoteAddress;
      }
      case "connection":
        return String(facts.connection);
      case "pid":
        return String(process.pid);
      default:
        break;
    }
    if (FRONT_VARIABLES.has(name)) return frontVariable(facts.front, name);
    if (name.startsWith("http_")) {
      const header = name.slice(5).replaceAll("_", "-");
      return headerValue(facts.headers[header], header === "cookie" ? "; " : ", ");
    }
    if (name.startsWith("arg_")) return argument(args, name.slice(4));
    if (name.startsWith("cookie_")) {
      return cookie(headerValue(facts.headers.cookie, "; ") ?? "", name.slice(7));
    }
    return undefined;
  };
}

/** `$host`: the Host header's name, lower-cased, without port; else the server name. */
export function hostVariable(host: string | undefined, serverName: string): string {
  if (!host) return serverName;
  const h = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0];
  return (h ?? "").toLowerCase().replace(/\.$/, "");
}

/** `$uri`: the normalized path ({@link normalizeUri}); the path as sent when invalid. */
function decodePath(path: string): string {
  const normalized = normalizeUri(path);
  return normalized.kind === "ok" ? normalized.uri : path;
}

function argument(args: string, name: string): string | undefined {
  for (const pair of args.split("&")) {
    const eq = pair.indexOf("=");
    const k = eq < 0 ? pair : pair.slice(0, eq);
    if (k.toLowerCase() === name.toLowerCase()) return eq < 0 ? "" : pair.slice(eq + 1);
  }
  return undefined;
}

function cookie(header: string, name: string): string | undefined {
  for (const pair of header.split(/;\s*/)) {
    const eq = pair.indexOf("=");
    if (eq > 0 && pair.slice(0, eq).toLowerCase() === name.toLowerCase()) {
      return pair.slice(eq + 1);
    }
  }
  return undefined;
}
