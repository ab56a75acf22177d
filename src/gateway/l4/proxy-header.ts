/**
 * The PROXY protocol header the L4 proxy sends upstream for one client connection:
 * the client's and the listener's addresses, and for v2 the TLS facts as TLVs the way
 * haproxy's `send-proxy-v2-ssl-cn` and ghostunnel send them — `PP2_TYPE_AUTHORITY` (SNI),
 * `PP2_TYPE_ALPN`, `PP2_TYPE_SSL` with `PP2_CLIENT_SSL`/`_CERT_CONN`/`_CERT_SESS`, the
 * verify result (0 = verified, else the `X509_V_ERR_*` number, 1 without a certificate) and
 * the `VERSION`, `CN`, `CIPHER`, `SIG_ALG`, `KEY_ALG` sub-TLVs. As in haproxy, `SIG_ALG`
 * and `KEY_ALG` describe the certificate the proxy itself presented to the client.
 *
 * Source: haproxy `doc/proxy-protocol.txt` §2.2.5; haproxy `make_proxy_line_v2()`
 * (`ssl_sock_get_cert_sig`, `ssl_sock_get_pkey_algo` give e.g. `RSA-SHA256`, `EC256`).
 * @module
 */
import { X509Certificate } from "node:crypto";
import * as asn1js from "asn1js";
import { VERIFY_ERROR_NUMBER } from "../client-certificate.ts";
import type { ConnectionFacts } from "../connection-facts.ts";
import { readCertificateFields, readName } from "../distinguished-name.ts";
import {
  encodeProxyV1,
  encodeProxyV2,
  type ProxyAddresses,
  type ProxySslInfo,
} from "../proxy-protocol/encode.ts";
import type { ProxyProtocolVersion } from "./stream-config.ts";

/** What `SIG_ALG` and `KEY_ALG` say about the proxy's own certificate. */
export interface FrontendCertificateInfo {
  /** OpenSSL short name of the signature algorithm, e.g. `ecdsa-with-SHA256`, `RSA-SHA256`. */
  readonly sigAlg?: string;
  /** Key type and size as haproxy writes it, e.g. `EC256`, `RSA2048`, `ED25519`. */
  readonly keyAlg?: string;
}

/** OpenSSL short names (`OBJ_nid2sn`) of the usual certificate signature algorithms. */
const SIG_ALG_NAMES: Readonly<Record<string, string>> = {
  "1.2.840.113549.1.1.5": "RSA-SHA1",
  "1.2.840.113549.1.1.11": "RSA-SHA256",
  "1.2.840.113549.1.1.12": "RSA-SHA384",
  "1.2.840.113549.1.1.13": "RSA-SHA512",
  "1.2.840.113549.1.1.10": "RSASSA-PSS",
  "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
  "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
  "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
  "1.3.101.112": "ED25519",
  "1.3.101.113": "ED448",
};

const CURVE_BITS: Readonly<Record<string, number>> = {
  prime256v1: 256,
  secp384r1: 384,
  secp521r1: 521,
};

/**
 * Reads `SIG_ALG` and `KEY_ALG` from the proxy's certificate (the first of a PEM chain).
 * @param pem the certificate chain (PEM), leaf first
 * @returns the names; empty when the certificate does not decode
 */
export function frontendCertificateInfo(pem: string | Uint8Array): FrontendCertificateInfo {
  try {
    const x = new X509Certificate(pem);
    const der = new Uint8Array(x.raw);
    const cert = asn1js.fromBER(der).result as asn1js.Sequence;
    const alg = cert.valueBlock.value[1] as asn1js.Sequence | undefined;
    const oid = (
      alg?.valueBlock.value[0] as asn1js.ObjectIdentifier | undefined
    )?.valueBlock.toString();
    const key = x.publicKey;
    const d = key.asymmetricKeyDetails ?? {};
    const type = key.asymmetricKeyType ?? "";
    const keyAlg =
      type === "rsa" || type === "rsa-pss"
        ? `RSA${d.modulusLength ?? ""}`
        : type === "ec"
          ? `EC${CURVE_BITS[d.namedCurve ?? ""] ?? ""}`
          : type === "dsa"
            ? `DSA${d.modulusLength ?? ""}`
            : type.toUpperCase();
    const sigAlg = oid ? (SIG_ALG_NAMES[oid] ?? oid) : undefined;
    return { ...(sigAlg ? { sigAlg } : {}), ...(keyAlg ? { keyAlg } : {}) };
  } catch {
    return {};
  }
}

/** The two ends of a TCP connection as Node reports them. */
export interface SocketEnds {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
}

/**
 * The PROXY addresses of a connection: IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) are
 * written as IPv4, as nginx does.
 * @param socket the client's socket
 * @returns the addresses, or undefined when Node does not know them or the families differ
 */
export function proxyAddresses(socket: SocketEnds): ProxyAddresses | undefined {
  const src = unmap(socket.remoteAddress);
  const dst = unmap(socket.localAddress);
  if (!src || !dst || socket.remotePort === undefined || socket.localPort === undefined) {
    return undefined;
  }
  if (src.includes(":") !== dst.includes(":")) return undefined;
  return {
    sourceAddress: src,
    destinationAddress: dst,
    sourcePort: socket.remotePort,
    destinationPort: socket.localPort,
  };
}

function unmap(a: string | undefined): string | undefined {
  return a?.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}

/** Options of {@link proxyHeader}. */
export interface ProxyHeaderOptions {
  /** `SIG_ALG`/`KEY_ALG` of the proxy's certificate; default none. */
  readonly frontend?: FrontendCertificateInfo;
  /** v2: append `PP2_TYPE_CRC32C`; default false. */
  readonly crc32c?: boolean;
}

/**
 * Builds the header for one connection.
 * @param version `v1`, `v2` or `off`
 * @param conn the client socket's ends, and the connection's TLS facts
 * @param options frontend certificate names, CRC choice
 * @returns the bytes to send before the client's first byte; undefined for `off`
 * @example
 * ```ts
 * const header = proxyHeader("v2", { socket, facts: connectionFacts(socket) }, { crc32c: true });
 * if (header) upstream.write(header);
 * ```
 */
export function proxyHeader(
  version: ProxyProtocolVersion,
  conn: { readonly socket: SocketEnds; readonly facts: ConnectionFacts },
  options: ProxyHeaderOptions = {},
): Uint8Array | undefined {
  const addresses = proxyAddresses(conn.socket);
  switch (version) {
    case "off":
      return undefined;
    case "v1":
      return new TextEncoder().encode(encodeProxyV1(addresses));
    case "v2": {
      const tls = conn.facts.tls;
      return encodeProxyV2({
        ...(addresses ? { addresses } : {}),
        ...(tls.alpnProtocol ? { alpn: tls.alpnProtocol } : {}),
        ...(tls.serverName ? { authority: tls.serverName } : {}),
        ssl: sslInfo(conn.facts, options.frontend ?? {}),
        ...(options.crc32c ? { crc32c: true } : {}),
      });
    }
    default: {
      const never: never = version;
      throw new TypeError(`unknown PROXY protocol version ${String(never)}`);
    }
  }
}

function sslInfo(facts: ConnectionFacts, frontend: FrontendCertificateInfo): ProxySslInfo {
  const leaf = facts.peer?.chain[0];
  const v = facts.verify;
  const verify =
    v.kind === "success" ? 0 : v.kind === "failed" ? (VERIFY_ERROR_NUMBER[v.code ?? ""] ?? 1) : 1;
  const cn = leaf ? commonName(leaf) : undefined;
  return {
    certConn: leaf !== undefined && !facts.tls.sessionReused,
    certSess: leaf !== undefined,
    verify,
    ...(facts.tls.protocol ? { version: facts.tls.protocol } : {}),
    ...(cn !== undefined ? { cn } : {}),
    ...(facts.tls.cipher ? { cipher: facts.tls.cipher } : {}),
    ...(frontend.sigAlg ? { sigAlg: frontend.sigAlg } : {}),
    ...(frontend.keyAlg ? { keyAlg: frontend.keyAlg } : {}),
  };
}

/** The first CN of the subject, as haproxy's `ssl_sock_get_remote_common_name`. */
function commonName(der: Uint8Array): string | undefined {
  try {
    const attrs = readName(readCertificateFields(der).subject);
    return attrs.find((a) => a.type === "CN")?.value;
  } catch {
    return undefined;
  }
}
