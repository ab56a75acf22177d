/**
 * PROXY protocol constants shared by the encoder and the decoder: the v2 signature, the
 * version/command and family/transport bytes, TLV types and the PP2_TYPE_SSL client flags,
 * with the spec's own names.
 *
 * Source: haproxy `doc/proxy-protocol.txt` ("The PROXY protocol, Versions 1 & 2"),
 * §2.1 (v1), §2.2 (v2 header, addresses), §2.2.1–2.2.7 (TLVs).
 * @module
 */

/** The 12-byte v2 signature: `\r\n\r\n\0\r\nQUIT\n` (§2.2). */
export const PP2_SIGNATURE: Readonly<Uint8Array> = Uint8Array.of(
  0x0d,
  0x0a,
  0x0d,
  0x0a,
  0x00,
  0x0d,
  0x0a,
  0x51,
  0x55,
  0x49,
  0x54,
  0x0a,
);

/** Bytes of the fixed v2 header: signature, ver_cmd, fam, len (u16). */
export const PP2_HEADER_LENGTH = 16;

/** The v1 prefix `PROXY ` (§2.1). */
export const PP1_PREFIX = "PROXY ";
/** A v1 line is at most 107 bytes, CRLF included (§2.1). */
export const PP1_MAX_LENGTH = 107;

/** High nibble of `ver_cmd`: protocol version 2 (§2.2). */
export const PP2_VERSION = 0x20;

/** Low nibble of `ver_cmd` (§2.2). */
export const PP2_COMMAND = {
  /** Connection set up by the proxy itself (health check): addresses are ignored. */
  LOCAL: 0x0,
  /** Connection relayed for a client: the addresses are the client's and the proxy's. */
  PROXY: 0x1,
} as const;
/** One of the {@link PP2_COMMAND} values. */
export type Pp2Command = (typeof PP2_COMMAND)[keyof typeof PP2_COMMAND];

/** High nibble of `fam`: the address family (§2.2). */
export const PP2_AF = {
  UNSPEC: 0x00,
  INET: 0x10,
  INET6: 0x20,
  UNIX: 0x30,
} as const;

/** Low nibble of `fam`: the transport protocol (§2.2). */
export const PP2_TRANSPORT = {
  UNSPEC: 0x0,
  STREAM: 0x1,
  DGRAM: 0x2,
} as const;

/** Address block sizes by family (§2.2): IPv4 12 bytes, IPv6 36, UNIX 216. */
export const PP2_ADDRESS_LENGTH = { INET: 12, INET6: 36, UNIX: 216 } as const;

/** TLV types (§2.2.1–2.2.7); types 0xE0–0xEF are for custom use, 0xF0–0xF7 experimental. */
export const PP2_TYPE = {
  ALPN: 0x01,
  AUTHORITY: 0x02,
  CRC32C: 0x03,
  NOOP: 0x04,
  UNIQUE_ID: 0x05,
  SSL: 0x20,
  NETNS: 0x30,
} as const;

/** Sub-TLVs carried inside a `PP2_TYPE_SSL` TLV (§2.2.5). */
export const PP2_SUBTYPE_SSL = {
  /** US-ASCII TLS version, e.g. `TLSv1.3`. */
  VERSION: 0x21,
  /** The Common Name of the client certificate's subject (UTF-8). */
  CN: 0x22,
  /** US-ASCII cipher name, e.g. `ECDHE-RSA-AES128-GCM-SHA256`. */
  CIPHER: 0x23,
  /** US-ASCII name of the certificate's signature algorithm, e.g. `SHA256`. */
  SIG_ALG: 0x24,
  /** US-ASCII name of the certificate's key algorithm and size, e.g. `RSA2048`. */
  KEY_ALG: 0x25,
} as const;

/** `client` bit field of `struct pp2_tlv_ssl` (§2.2.5). */
export const PP2_CLIENT = {
  /** The client connected over SSL/TLS. */
  SSL: 0x01,
  /** The client provided a certificate over the current connection. */
  CERT_CONN: 0x02,
  /** The client provided a certificate at least once over the TLS session this connection belongs to. */
  CERT_SESS: 0x04,
} as const;

/** The largest value a TLV can carry: its length is a u16. */
export const PP2_MAX_TLV_VALUE = 0xffff;
