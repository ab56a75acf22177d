/**
 * The schema of the native YAML configuration (`mtls gateway --config FILE`) and the
 * shapes of the values it validates. Durations use nginx's time syntax (`30s`, `5m`),
 * sizes nginx's size syntax (`1m`, `512k`).
 * @module
 */
import { LOG_LEVELS, type LocationConfig, type TlsProtocol } from "../config.ts";
import { JA3_HASH_RE, JA4_RE } from "../fingerprint-rules.ts";
import { OCSP_SCHEMA, type RawOcsp } from "./native-ocsp.ts";
import { type RawTcp, TCP_SCHEMA } from "./native-stream.ts";
import { type RawUpstreamTls, UPSTREAM_TLS_FIELDS } from "./native-upstream-tls.ts";
import type { Field, Schema } from "./schema.ts";

const str = (expected?: string, pattern?: RegExp): Schema => ({
  kind: "string",
  ...(expected ? { expected } : {}),
  ...(pattern ? { pattern } : {}),
});
const req = (schema: Schema): Field => ({ schema, required: true });
const opt = (schema: Schema): Field => ({ schema });
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/;
/** `upstream:` URLs: scheme, host (or upstream name), optional port. */
export const URL_RE = /^(https?):\/\/(\[[^\]]+\]|[^/:\s]+)(?::(\d{1,5}))?$/;

/** A fingerprint list entry: a JA3 hash or a JA4. */
const FINGERPRINT = str(
  "a JA3 hash (32 hex digits) or a JA4 fingerprint",
  new RegExp(`${JA3_HASH_RE.source}|${JA4_RE.source}`),
);

/** `verifyDepth`, `protocols`, `ciphers`: in `tls:` and in a route's `upstreamTls:`. */
const TLS_POLICY_FIELDS: Readonly<Record<string, Field>> = {
  verifyDepth: opt({ kind: "integer", min: 0, max: 100 }),
  protocols: opt({
    kind: "array",
    items: { kind: "enum", values: ["TLSv1.2", "TLSv1.3"] },
    minItems: 1,
  }),
  ciphers: opt(str("an OpenSSL cipher string")),
};

const TLS: Schema = {
  kind: "object",
  fields: {
    certificate: req(str("a file path")),
    key: req(str("a file path")),
    clientAuth: opt({ kind: "enum", values: ["require", "optional", "optional_no_ca", "off"] }),
    clientCa: opt(str("a file path")),
    trustedCa: opt(str("a file path")),
    crl: opt(str("a file path")),
    ocsp: opt(OCSP_SCHEMA),
    ...TLS_POLICY_FIELDS,
    preferServerCiphers: opt({ kind: "boolean" }),
    sessionCache: opt({ kind: "enum", values: ["off", "none", "builtin", "shared"] }),
    sessionCacheSize: opt({ kind: "integer", min: 1 }),
    // sessionCache: shared — nginx's shared:NAME:SIZE, the store capped in bytes.
    sessionCacheBytes: opt({ kind: "size" }),
    sessionCacheZone: opt(str("a zone name")),
    sessionTimeout: opt({ kind: "duration" }),
    passwordFile: opt(str("a file path")),
    ciphersuites: opt(str("TLS 1.3 suites, e.g. TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256")),
    ecdhCurve: opt(str('"auto" or groups, e.g. X25519:prime256v1')),
    sessionTickets: opt({ kind: "boolean" }),
    handshakeTimeout: opt({ kind: "duration" }),
    sessionTicketKeys: opt({ kind: "array", items: str("a file path"), minItems: 1 }),
    extraCertificates: opt({
      kind: "array",
      items: {
        kind: "object",
        fields: { certificate: req(str("a file path")), key: req(str("a file path")) },
      },
    }),
    rejectInHandshake: opt({ kind: "boolean" }),
  },
};

/** One `authorize.allow[]`/`deny[]` rule: every key given must match. */
const RULE: Schema = {
  kind: "object",
  fields: {
    cn: opt(str("a commonName")),
    ou: opt(str("an organizationalUnitName")),
    o: opt(str("an organizationName")),
    san: opt({
      kind: "object",
      fields: {
        dns: opt(str("a DNS name pattern such as *.example.org")),
        uri: opt(str("a URI pattern such as spiffe://example.org/ns/*/sa/web")),
        email: opt(str("an email pattern such as *@example.org")),
      },
    }),
    fingerprint: opt(str("a SHA-256 fingerprint in hex")),
  },
};

const ROUTE: Schema = {
  kind: "object",
  fields: {
    path: req(str("a path such as /api/")),
    match: opt({
      kind: "enum",
      values: ["prefix", "exact", "regex", "regex_i", "prefix_no_regex"],
    }),
    upstream: opt(
      str('"https://host:port", "http://host:port" or "https://NAME" of an upstream', URL_RE),
    ),
    return: opt({
      kind: "object",
      fields: { status: req({ kind: "integer", min: 100, max: 999 }), text: opt(str()) },
    }),
    upstreamTls: opt({
      kind: "object",
      fields: {
        ...UPSTREAM_TLS_FIELDS,
        ...TLS_POLICY_FIELDS,
      },
    }),
    setHeaders: opt({ kind: "map", values: str(), keyPattern: /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/ }),
    identityHeaders: opt({ kind: "enum", values: ["off", "nginx", "xfcc"] }),
    maxBodySize: opt({ kind: "size" }),
    authorize: opt({
      kind: "object",
      fields: {
        allow: opt({ kind: "array", items: RULE }),
        deny: opt({ kind: "array", items: RULE }),
      },
    }),
    timeouts: opt({
      kind: "object",
      fields: { connect: opt({ kind: "duration" }), read: opt({ kind: "duration" }) },
    }),
  },
};

/** The whole native configuration. */
export const NATIVE_SCHEMA: Schema = {
  kind: "object",
  fields: {
    shutdown: opt({ kind: "object", fields: { drainTimeout: req({ kind: "duration" }) } }),
    upstreams: opt({
      kind: "map",
      values: {
        kind: "object",
        fields: {
          servers: req({ kind: "array", items: str('"host:port"', HOST_PORT), minItems: 1 }),
        },
      },
    }),
    listeners: req({
      kind: "array",
      minItems: 1,
      items: {
        kind: "object",
        fields: {
          listen: req({
            kind: "array",
            // "host:port", or { address: "host:port", proxyProtocol: true } for one address.
            items: {
              kind: "scalarOrObject",
              scalar: str('"host:port" or "[v6]:port"', HOST_PORT),
              object: {
                kind: "object",
                fields: {
                  address: req(str('"host:port" or "[v6]:port"', HOST_PORT)),
                  proxyProtocol: opt({ kind: "boolean" }),
                },
              },
            },
            minItems: 1,
          }),
          serverNames: opt({ kind: "array", items: str() }),
          clientHeaderTimeout: opt({ kind: "duration" }),
          underscoresInHeaders: opt({ kind: "boolean" }),
          proxyProtocol: opt({ kind: "boolean" }),
          fingerprints: opt({
            kind: "object",
            fields: {
              allow: opt({ kind: "array", items: FINGERPRINT }),
              deny: opt({ kind: "array", items: FINGERPRINT }),
            },
          }),
          tls: req(TLS),
          errorLog: opt({
            kind: "object",
            fields: { file: req(str()), level: opt({ kind: "enum", values: LOG_LEVELS }) },
          }),
          accessLog: opt({
            kind: "object",
            fields: {
              file: req(str()),
              format: opt(str()),
              escape: opt({ kind: "enum", values: ["default", "json", "none"] }),
            },
          }),
          // Required unless `mode: tcp` (checked in native-config.ts).
          routes: opt({ kind: "array", items: ROUTE, minItems: 1 }),
          mode: opt({ kind: "enum", values: ["http", "tcp"] }),
          tcp: opt(TCP_SCHEMA),
        },
      },
    }),
  },
};

// Shapes of the validated plain values (what `validate` returns for NATIVE_SCHEMA).
export interface RawTls {
  certificate: string;
  key: string;
  clientAuth?: "require" | "optional" | "optional_no_ca" | "off";
  clientCa?: string;
  trustedCa?: string;
  crl?: string;
  ocsp?: RawOcsp;
  verifyDepth?: number;
  protocols?: TlsProtocol[];
  ciphers?: string;
  preferServerCiphers?: boolean;
  sessionCache?: "off" | "none" | "builtin" | "shared";
  sessionCacheSize?: number;
  sessionCacheBytes?: number;
  sessionCacheZone?: string;
  sessionTimeout?: number;
  extraCertificates?: { certificate: string; key: string }[];
  passwordFile?: string;
  ciphersuites?: string;
  ecdhCurve?: string;
  sessionTickets?: boolean;
  handshakeTimeout?: number;
  sessionTicketKeys?: string[];
  rejectInHandshake?: boolean;
}
export interface RawRule {
  cn?: string;
  ou?: string;
  o?: string;
  san?: { dns?: string; uri?: string; email?: string };
  fingerprint?: string;
}
export interface RawRoute {
  path: string;
  match?: LocationConfig["match"];
  upstream?: string;
  return?: { status: number; text?: string };
  upstreamTls?: RawUpstreamTls & {
    verifyDepth?: number;
    protocols?: TlsProtocol[];
    ciphers?: string;
  };
  setHeaders?: Record<string, string>;
  identityHeaders?: "off" | "nginx" | "xfcc";
  maxBodySize?: number;
  authorize?: { allow?: RawRule[]; deny?: RawRule[] };
  timeouts?: { connect?: number; read?: number };
}
/** A `listen` entry: the short form, or the long form with its own `proxyProtocol`. */
export type RawListen = string | { address: string; proxyProtocol?: boolean };
export interface RawListener {
  listen: RawListen[];
  serverNames?: string[];
  clientHeaderTimeout?: number;
  underscoresInHeaders?: boolean;
  proxyProtocol?: boolean;
  fingerprints?: { allow?: string[]; deny?: string[] };
  tls: RawTls;
  errorLog?: { file: string; level?: (typeof LOG_LEVELS)[number] };
  accessLog?: { file: string; format?: string; escape?: "default" | "json" | "none" };
  routes?: RawRoute[];
  /** `tcp`: an L4 listener described by `tcp` (native-stream.ts); default `http`. */
  mode?: "http" | "tcp";
  tcp?: RawTcp;
}
export interface RawConfig {
  shutdown?: { drainTimeout: number };
  upstreams?: Record<string, { servers: string[] }>;
  listeners: RawListener[];
}

/** Result of {@link parseNativeConfig}. */
