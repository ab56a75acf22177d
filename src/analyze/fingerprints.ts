/**
 * TLS client and server fingerprints: JA3 and JA3S (Salesforce, BSD-3-Clause) and JA4
 * (client only; FoxIO, BSD-3-Clause). JA4S, JA4X and the other JA4+ methods are under the
 * FoxIO License and deliberately not implemented. GREASE values (RFC 8701) are left out
 * everywhere, as both specifications say.
 *
 * Sources: https://github.com/salesforce/ja3 (README: field order and separators),
 * https://github.com/FoxIO-LLC/ja4/blob/main/technical_details/JA4.md.
 * @module
 */
import { createHash } from "node:crypto";
import type { Extension } from "../tls/extensions.ts";
import type { ClientHello, ServerHello } from "../tls/handshake.ts";
import { isGrease } from "../tls/names.ts";

const EXT_SERVER_NAME = 0x0000;
const EXT_SUPPORTED_GROUPS = 0x000a;
const EXT_EC_POINT_FORMATS = 0x000b;
const EXT_SIGNATURE_ALGORITHMS = 0x000d;
const EXT_ALPN = 0x0010;
const EXT_SUPPORTED_VERSIONS = 0x002b;

/** A fingerprint with the string it hashes (for `_r`-style raw output and debugging). */
export interface Fingerprint {
  /** The fingerprint as published (`JA3`: 32 hex digits, `JA4`: `t13d1516h2_…_…`). */
  readonly hash: string;
  /** The string that was hashed (JA3: `771,4865-…,0-23-…,29-23-24,0`; JA4: `JA4_r`). */
  readonly raw: string;
}

/** Hashes of recent fingerprint strings: the same clients recur in a capture. */
const HASH_CACHE_SIZE = 4096;
const hashes = new Map<string, string>();

function remember(key: string, value: string): string {
  if (hashes.size >= HASH_CACHE_SIZE) hashes.clear();
  hashes.set(key, value);
  return value;
}

function md5(s: string): string {
  const key = `md5 ${s}`;
  return hashes.get(key) ?? remember(key, createHash("md5").update(s).digest("hex"));
}

function sha12(s: string): string {
  const key = `sha ${s}`;
  return (
    hashes.get(key) ?? remember(key, createHash("sha256").update(s).digest("hex").slice(0, 12))
  );
}

/** Four-digit hex texts, made once each. */
const HEX4: string[] = [];

function hex4(v: number): string {
  let text = HEX4[v];
  if (text === undefined) {
    text = v.toString(16).padStart(4, "0");
    HEX4[v] = text;
  }
  return text;
}

function extension(list: readonly Extension[], type: number): Extension | undefined {
  return list.find((e) => e.type === type);
}

/**
 * JA3 of a ClientHello: MD5 of
 * `SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats`, values in
 * decimal, lists joined with `-`, GREASE removed, in the order sent.
 * @param hello the parsed ClientHello
 * @returns the fingerprint and the string hashed
 * @example
 * ```ts
 * ja3(clientHello).hash; // "e7d705a3286e19ea42f587b344ee6865"
 * ```
 */
export function ja3(hello: ClientHello): Fingerprint {
  let groups: string | undefined;
  let formats: string | undefined;
  let types = "";
  // The first extension of a type counts (as extension() finds it).
  for (const e of hello.extensions) {
    if (!isGrease(e.type)) types += types.length > 0 ? `-${e.type}` : `${e.type}`;
    const v = e.value;
    if (e.type === EXT_SUPPORTED_GROUPS && groups === undefined) {
      groups = v?.kind === "supported_groups" ? joinKept(v.named_group_list, "-", String) : "";
    } else if (e.type === EXT_EC_POINT_FORMATS && formats === undefined) {
      formats = v?.kind === "ec_point_formats" ? v.ec_point_format_list.join("-") : "";
    }
  }
  const raw = `${hello.legacy_version},${joinKept(hello.cipher_suites, "-", String)},${types},${groups ?? ""},${formats ?? ""}`;
  return { hash: md5(raw), raw };
}

/**
 * 16-bit values as four-digit hex, sorted and comma-joined (numeric order is the order of
 * the fixed-width lowercase texts).
 */
function sortedHex(values: readonly number[]): string {
  const sorted = Uint16Array.from(values).sort();
  let s = "";
  for (const v of sorted) s += s.length > 0 ? `,${hex4(v)}` : hex4(v);
  return s;
}

/** The values that are not GREASE, formatted and joined. */
function joinKept(
  list: readonly number[],
  separator: string,
  format: (v: number) => string,
): string {
  let s = "";
  for (const v of list) {
    if (isGrease(v)) continue;
    s += s.length > 0 ? separator + format(v) : format(v);
  }
  return s;
}

/**
 * JA3S of a ServerHello: MD5 of `SSLVersion,Cipher,Extensions` (decimal; extensions joined
 * with `-` in the order sent). `SSLVersion` is `legacy_version` (771 for TLS 1.3 too).
 * @param hello the parsed ServerHello (or HelloRetryRequest)
 * @returns the fingerprint and the string hashed
 */
export function ja3s(hello: ServerHello): Fingerprint {
  const raw = [
    String(hello.legacy_version),
    String(hello.cipher_suite),
    hello.extensions
      .map((e) => e.type)
      .filter((v) => !isGrease(v))
      .join("-"),
  ].join(",");
  return { hash: md5(raw), raw };
}

/** JA4 version labels (JA4.md "TLS Version"). */
function versionLabel(v: number): string {
  switch (v) {
    case 0x0304:
      return "13";
    case 0x0303:
      return "12";
    case 0x0302:
      return "11";
    case 0x0301:
      return "10";
    case 0x0300:
      return "s3";
    case 0x0002:
      return "s2";
    case 0xfeff:
      return "d1";
    case 0xfefd:
      return "d2";
    case 0xfefc:
      return "d3";
    default:
      return "00";
  }
}

function isAlnum(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a)
  );
}

/** First and last character of the first ALPN value; hex when either is not alphanumeric. */
function alpnLabel(ext: Extension | undefined): string {
  const value = ext?.value;
  if (value?.kind !== "application_layer_protocol_negotiation") return "00";
  const first = value.protocol_name_list[0];
  if (first === undefined || first.length === 0) return "00";
  const a = first.charCodeAt(0);
  const z = first.charCodeAt(first.length - 1);
  if (isAlnum(a) && isAlnum(z)) return `${first[0]}${first[first.length - 1]}`;
  const hex = Array.from(new TextEncoder().encode(first), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");
  return `${hex[0]}${hex[hex.length - 1]}`;
}

function count2(n: number): string {
  return String(Math.min(n, 99)).padStart(2, "0");
}

/**
 * JA4 of a ClientHello (JA4.md): `{t|q}{version}{d|i}{ciphers:2}{extensions:2}{alpn:2}`
 * `_` sha256(sorted ciphers)[0..12] `_` sha256(sorted extensions without SNI and ALPN
 * `_` signature algorithms in order)[0..12]. Counts and lists skip GREASE; counts stop at 99.
 * @param hello the parsed ClientHello
 * @param options `quic`: the hello came in QUIC Initial packets (prefix `q`); default false
 * @returns the fingerprint (`JA4`) and `raw` (`JA4_r`: the lists before hashing)
 * @example
 * ```ts
 * ja4(clientHello).hash; // "t13d1516h2_8daaf6152771_e5627efa2ab1"
 * ```
 */
export function ja4(hello: ClientHello, options: { readonly quic?: boolean } = {}): Fingerprint {
  const exts = hello.extensions.filter((e) => !isGrease(e.type));
  const ciphers: number[] = [];
  for (const v of hello.cipher_suites) if (!isGrease(v)) ciphers.push(v);
  const sv = extension(exts, EXT_SUPPORTED_VERSIONS)?.value;
  const offered = sv?.kind === "supported_versions" ? sv.versions.filter((v) => !isGrease(v)) : [];
  const version = offered.length > 0 ? Math.max(...offered) : hello.legacy_version;
  const sni = extension(exts, EXT_SERVER_NAME) ? "d" : "i";
  const prefix = `${options.quic ? "q" : "t"}${versionLabel(version)}${sni}${count2(ciphers.length)}${count2(exts.length)}${alpnLabel(extension(exts, EXT_ALPN))}`;
  const cipherList = sortedHex(ciphers);
  const types: number[] = [];
  for (const e of exts) if (e.type !== EXT_SERVER_NAME && e.type !== EXT_ALPN) types.push(e.type);
  const extList = sortedHex(types);
  const sig = extension(exts, EXT_SIGNATURE_ALGORITHMS)?.value;
  const sigList =
    sig?.kind === "signature_algorithms"
      ? joinKept(sig.supported_signature_algorithms, ",", hex4)
      : "";
  const extPart = sigList.length > 0 ? `${extList}_${sigList}` : extList;
  const cipherHash = cipherList.length > 0 ? sha12(cipherList) : "000000000000";
  const extHash = extList.length > 0 ? sha12(extPart) : "000000000000";
  return {
    hash: `${prefix}_${cipherHash}_${extHash}`,
    raw: `${prefix}_${cipherList}_${extPart}`,
  };
}
