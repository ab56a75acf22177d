/**
 * PROXY protocol header encoders, pure: the v2 binary header with TLVs (client address,
 * `PP2_TYPE_AUTHORITY` = SNI, `PP2_TYPE_SSL` with its sub-TLVs, optional CRC-32C), and the
 * v1 text line that nginx's `proxy_protocol on` speaks.
 *
 * ```
 * struct proxy_hdr_v2 {
 *     uint8_t sig[12];  // \x0D \x0A \x0D \x0A \x00 \x0D \x0A \x51 \x55 \x49 \x54 \x0A
 *     uint8_t ver_cmd;  // protocol version and command
 *     uint8_t fam;      // protocol family and address
 *     uint16_t len;     // number of following bytes part of the header
 * };
 * struct { uint32_t src_addr; uint32_t dst_addr; uint16_t src_port; uint16_t dst_port; } ipv4_addr;
 * struct { uint8_t src_addr[16]; uint8_t dst_addr[16]; uint16_t src_port; uint16_t dst_port; } ipv6_addr;
 * struct pp2_tlv { uint8_t type; uint8_t length_hi; uint8_t length_lo; uint8_t value[0]; };
 * struct pp2_tlv_ssl { uint8_t client; uint32_t verify; struct pp2_tlv sub_tlv[0]; };
 * ```
 *
 * Source: haproxy `doc/proxy-protocol.txt` §2.1 (v1), §2.2 (v2), §2.2.1–2.2.7 (TLVs).
 * @module
 */
import {
  PP1_MAX_LENGTH,
  PP2_AF,
  PP2_CLIENT,
  PP2_COMMAND,
  PP2_HEADER_LENGTH,
  PP2_MAX_TLV_VALUE,
  PP2_SIGNATURE,
  PP2_SUBTYPE_SSL,
  PP2_TRANSPORT,
  PP2_TYPE,
} from "./constants.ts";
import { crc32c } from "./crc32c.ts";

/** The two ends of a relayed TCP connection. */
export interface ProxyAddresses {
  /** The client's address (IPv4 dotted quad or IPv6 text), e.g. `192.0.2.7`. */
  readonly sourceAddress: string;
  /** The address the client connected to (the proxy's listening address). */
  readonly destinationAddress: string;
  /** The client's TCP port. */
  readonly sourcePort: number;
  /** The port the client connected to. */
  readonly destinationPort: number;
}

/** What `PP2_TYPE_SSL` says about the client's TLS connection (§2.2.5). */
export interface ProxySslInfo {
  /** `PP2_CLIENT_CERT_CONN`: a certificate was sent over this connection. */
  readonly certConn: boolean;
  /** `PP2_CLIENT_CERT_SESS`: a certificate was sent in this TLS session (true on resumption too). */
  readonly certSess: boolean;
  /** 0 when the client presented a certificate and it verified; non-zero otherwise (default 1). */
  readonly verify?: number;
  /** `PP2_SUBTYPE_SSL_VERSION`, e.g. `TLSv1.3`. */
  readonly version?: string;
  /** `PP2_SUBTYPE_SSL_CN`: the client certificate subject's Common Name. */
  readonly cn?: string;
  /** `PP2_SUBTYPE_SSL_CIPHER`, e.g. `TLS_AES_256_GCM_SHA384`. */
  readonly cipher?: string;
  /** `PP2_SUBTYPE_SSL_SIG_ALG`, e.g. `SHA256`. */
  readonly sigAlg?: string;
  /** `PP2_SUBTYPE_SSL_KEY_ALG`, e.g. `EC256`, `RSA2048`. */
  readonly keyAlg?: string;
}

/** One type-length-value entry. */
export interface ProxyTlv {
  /** 0x00–0xFF (0xE0–0xEF for custom use). */
  readonly type: number;
  readonly value: Uint8Array;
}

/** Everything a v2 header can say. */
export interface ProxyHeaderV2 {
  /** `"PROXY"` (default) relays a client; `"LOCAL"` is the proxy's own connection. */
  readonly command?: "PROXY" | "LOCAL";
  /** TCP endpoints; absent: `AF_UNSPEC` with no address block. */
  readonly addresses?: ProxyAddresses;
  /** `PP2_TYPE_ALPN`: the negotiated application protocol, e.g. `h2`. */
  readonly alpn?: string;
  /** `PP2_TYPE_AUTHORITY`: the host name the client asked for (TLS SNI). */
  readonly authority?: string;
  /** `PP2_TYPE_UNIQUE_ID`: at most 128 bytes. */
  readonly uniqueId?: Uint8Array;
  /** `PP2_TYPE_SSL`: present when the client connected over TLS. */
  readonly ssl?: ProxySslInfo;
  /** Further TLVs, written after the known ones, in order. */
  readonly tlvs?: readonly ProxyTlv[];
  /** Append a `PP2_TYPE_CRC32C` TLV over the whole header; default false. */
  readonly crc32c?: boolean;
}

const encoder = new TextEncoder();

/**
 * Encodes a PROXY protocol v2 header.
 * @param header command, addresses, TLVs, CRC choice
 * @returns the header bytes (16-byte fixed part + addresses + TLVs), ready to send
 *   before the first byte of the relayed stream
 * @throws {RangeError} when an address is not IPv4/IPv6 text, the two addresses are of
 *   different families, a port is not 0–65535, a TLV value exceeds 65535 bytes, the
 *   unique ID exceeds 128 bytes, or the whole header exceeds 65535 + 16 bytes
 * @example
 * ```ts
 * const bytes = encodeProxyV2({
 *   addresses: { sourceAddress: "192.0.2.7", sourcePort: 51000, destinationAddress: "198.51.100.1", destinationPort: 443 },
 *   authority: "db.example.test",
 *   ssl: { certConn: true, certSess: true, verify: 0, version: "TLSv1.3", cn: "client-1" },
 *   crc32c: true,
 * });
 * socket.write(bytes);
 * ```
 */
export function encodeProxyV2(header: ProxyHeaderV2): Uint8Array {
  const command = header.command === "LOCAL" ? PP2_COMMAND.LOCAL : PP2_COMMAND.PROXY;
  const parts: Uint8Array[] = [];
  let fam: number = PP2_AF.UNSPEC | PP2_TRANSPORT.UNSPEC;
  if (header.addresses) {
    const a = header.addresses;
    const src = parseIp(a.sourceAddress);
    const dst = parseIp(a.destinationAddress);
    if (src.length !== dst.length) {
      throw new RangeError(
        `Cannot encode PROXY addresses: source ${a.sourceAddress} and destination ${a.destinationAddress} are of different families`,
      );
    }
    fam = (src.length === 4 ? PP2_AF.INET : PP2_AF.INET6) | PP2_TRANSPORT.STREAM;
    parts.push(
      src,
      dst,
      u16(a.sourcePort, "source port"),
      u16(a.destinationPort, "destination port"),
    );
  }
  if (header.alpn !== undefined) parts.push(tlv(PP2_TYPE.ALPN, encoder.encode(header.alpn)));
  if (header.authority !== undefined)
    parts.push(tlv(PP2_TYPE.AUTHORITY, encoder.encode(header.authority)));
  if (header.uniqueId !== undefined) {
    if (header.uniqueId.length > 128) {
      throw new RangeError(
        `Cannot encode PP2_TYPE_UNIQUE_ID: ${header.uniqueId.length} bytes, at most 128 allowed`,
      );
    }
    parts.push(tlv(PP2_TYPE.UNIQUE_ID, header.uniqueId));
  }
  if (header.ssl) parts.push(tlv(PP2_TYPE.SSL, sslValue(header.ssl)));
  for (const t of header.tlvs ?? []) {
    if (!Number.isInteger(t.type) || t.type < 0 || t.type > 0xff) {
      throw new RangeError(`Cannot encode TLV: type ${t.type}, expecting 0 to 255`);
    }
    parts.push(tlv(t.type, t.value));
  }
  const crcAt = header.crc32c ? PP2_HEADER_LENGTH + total(parts) + 3 : -1;
  if (header.crc32c) parts.push(tlv(PP2_TYPE.CRC32C, new Uint8Array(4)));
  const len = total(parts);
  if (len > 0xffff) {
    throw new RangeError(
      `Cannot encode PROXY v2 header: ${len} bytes after the fixed part, at most 65535`,
    );
  }
  const out = new Uint8Array(PP2_HEADER_LENGTH + len);
  out.set(PP2_SIGNATURE, 0);
  out[12] = 0x20 | command;
  out[13] = fam;
  out[14] = len >> 8;
  out[15] = len & 0xff;
  let at = PP2_HEADER_LENGTH;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  if (crcAt >= 0) {
    // §2.2.3: computed over the whole header with the checksum field itself zero.
    new DataView(out.buffer).setUint32(crcAt, crc32c(out));
  }
  return out;
}

/**
 * Encodes a PROXY protocol v1 line, as nginx writes it for `proxy_protocol on`.
 * @param addresses the TCP endpoints; absent: `PROXY UNKNOWN\r\n`
 * @returns e.g. `PROXY TCP4 192.0.2.7 198.51.100.1 51000 443\r\n` (at most 107 bytes)
 * @throws {RangeError} when an address is not IPv4/IPv6 text, the families differ, or a
 *   port is not 0–65535
 * @example
 * ```ts
 * encodeProxyV1({ sourceAddress: "::1", sourcePort: 40000, destinationAddress: "::1", destinationPort: 8443 });
 * // "PROXY TCP6 ::1 ::1 40000 8443\r\n"
 * ```
 */
export function encodeProxyV1(addresses?: ProxyAddresses): string {
  if (!addresses) return "PROXY UNKNOWN\r\n";
  const src = parseIp(addresses.sourceAddress);
  const dst = parseIp(addresses.destinationAddress);
  if (src.length !== dst.length) {
    throw new RangeError(
      `Cannot encode PROXY addresses: source ${addresses.sourceAddress} and destination ${addresses.destinationAddress} are of different families`,
    );
  }
  u16(addresses.sourcePort, "source port");
  u16(addresses.destinationPort, "destination port");
  const proto = src.length === 4 ? "TCP4" : "TCP6";
  const line = `PROXY ${proto} ${addresses.sourceAddress} ${addresses.destinationAddress} ${addresses.sourcePort} ${addresses.destinationPort}\r\n`;
  if (line.length > PP1_MAX_LENGTH) {
    throw new RangeError(`Cannot encode PROXY v1 line: ${line.length} bytes, at most 107`);
  }
  return line;
}

/** `struct pp2_tlv_ssl`: client flags, verify, then the sub-TLVs. */
function sslValue(ssl: ProxySslInfo): Uint8Array {
  const client =
    PP2_CLIENT.SSL |
    (ssl.certConn ? PP2_CLIENT.CERT_CONN : 0) |
    (ssl.certSess ? PP2_CLIENT.CERT_SESS : 0);
  const head = new Uint8Array(5);
  head[0] = client;
  new DataView(head.buffer).setUint32(1, (ssl.verify ?? 1) >>> 0);
  const subs: Uint8Array[] = [head];
  const sub = (type: number, v: string | undefined) => {
    if (v !== undefined) subs.push(tlv(type, encoder.encode(v)));
  };
  sub(PP2_SUBTYPE_SSL.VERSION, ssl.version);
  sub(PP2_SUBTYPE_SSL.CN, ssl.cn);
  sub(PP2_SUBTYPE_SSL.CIPHER, ssl.cipher);
  sub(PP2_SUBTYPE_SSL.SIG_ALG, ssl.sigAlg);
  sub(PP2_SUBTYPE_SSL.KEY_ALG, ssl.keyAlg);
  const out = new Uint8Array(total(subs));
  let at = 0;
  for (const s of subs) {
    out.set(s, at);
    at += s.length;
  }
  return out;
}

function tlv(type: number, value: Uint8Array): Uint8Array {
  if (value.length > PP2_MAX_TLV_VALUE) {
    throw new RangeError(
      `Cannot encode TLV 0x${type.toString(16).padStart(2, "0")}: value of ${value.length} bytes, at most 65535`,
    );
  }
  const out = new Uint8Array(3 + value.length);
  out[0] = type;
  out[1] = value.length >> 8;
  out[2] = value.length & 0xff;
  out.set(value, 3);
  return out;
}

function total(parts: readonly Uint8Array[]): number {
  return parts.reduce((n, p) => n + p.length, 0);
}

function u16(n: number, what: string): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) {
    throw new RangeError(`Cannot encode PROXY ${what}: ${n}, expecting 0 to 65535`);
  }
  return Uint8Array.of(n >> 8, n & 0xff);
}

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseV4(text: string): Uint8Array | undefined {
  const m = V4.exec(text);
  if (!m) return undefined;
  const bytes = m.slice(1).map(Number);
  if (bytes.some((b) => b > 255)) return undefined;
  return Uint8Array.from(bytes);
}

function parseV6(text: string): Uint8Array | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === "") return [];
    const out: number[] = [];
    const items = s.split(":");
    for (const [i, g] of items.entries()) {
      if (i === items.length - 1 && g.includes(".")) {
        const v4 = parseV4(g);
        if (!v4) return undefined;
        out.push(
          ((v4[0] as number) << 8) | (v4[1] as number),
          ((v4[2] as number) << 8) | (v4[3] as number),
        );
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) {
        out.push(Number.parseInt(g, 16));
      } else return undefined;
    }
    return out;
  };
  const head = groups(halves[0] ?? "");
  const tail = halves.length === 2 ? groups(halves[1] ?? "") : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  for (const [i, g] of all.entries()) {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  }
  return out;
}

/** IPv4 (4 bytes) or IPv6 (16 bytes) text to bytes. */
function parseIp(text: string): Uint8Array {
  const bytes = text.includes(":") ? parseV6(text) : parseV4(text);
  if (!bytes) {
    throw new RangeError(`Cannot encode PROXY address: "${text}" is not an IPv4 or IPv6 address`);
  }
  return bytes;
}
