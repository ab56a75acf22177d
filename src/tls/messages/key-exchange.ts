import { ByteReader } from "../byte-reader.ts";
import { expectDone } from "./common.ts";

/** `ECCurveType.named_curve` (RFC 8422 §5.4). */
const NAMED_CURVE = 3;

/**
 * ServerKeyExchange (RFC 5246 §7.4.3, RFC 8422 §5.4). For ECDHE:
 * ```
 * struct {
 *     ECParameters curve_params;   // curve_type (3 = named_curve), NamedCurve namedcurve
 *     ECPoint public;              // opaque point<1..2^8-1>
 * } ServerECDHParams;
 * struct { ServerECDHParams params; digitally-signed struct {...} signed_params; } ServerKeyExchange;
 * ```
 * For DHE the params are `dh_p`, `dh_g`, `dh_Ys` (each `<1..2^16-1>`). Without knowing the
 * cipher suite the parser tries ECDHE, then DHE, else keeps only `raw`.
 */
export interface ServerKeyExchange {
  readonly type: "ServerKeyExchange";
  readonly kind: "ecdhe" | "dhe" | "unknown";
  /** ECDHE: the NamedGroup (`namedcurve`), e.g. 29 = x25519. */
  readonly named_curve: number | undefined;
  /** ECDHE `public` point or DHE `dh_Ys`. */
  readonly public: Uint8Array | undefined;
  /** DHE prime size in bits. */
  readonly dh_p_bits: number | undefined;
  /** TLS 1.2 SignatureAndHashAlgorithm of `signed_params`. */
  readonly signature_algorithm: number | undefined;
  readonly signature: Uint8Array | undefined;
  readonly raw: Uint8Array;
}

/**
 * ClientKeyExchange (RFC 5246 §7.4.7, RFC 8422 §5.7): `exchange_keys` is an ECDH point
 * (`opaque point<1..2^8-1>`), an `EncryptedPreMasterSecret` or a DH `dh_Yc`
 * (both `<0..2^16-1>`), told apart by which length prefix fits.
 */
export interface ClientKeyExchange {
  readonly type: "ClientKeyExchange";
  readonly kind: "ecdh" | "rsa_or_dh" | "unknown";
  readonly exchange_keys: Uint8Array;
  readonly raw: Uint8Array;
}

function signed(r: ByteReader): {
  signature_algorithm: number | undefined;
  signature: Uint8Array | undefined;
} {
  if (r.done) return { signature_algorithm: undefined, signature: undefined };
  const signature_algorithm = r.u16("SignatureAndHashAlgorithm");
  const signature = r.vector(2, "signature").rest();
  return { signature_algorithm, signature };
}

/**
 * Parses a ServerKeyExchange body (ECDHE or DHE with TLS 1.2 signatures).
 * @throws {ParseError} never for unknown layouts (they give `kind: "unknown"`)
 * @see RFC 8422 §5.4, RFC 5246 §7.4.3
 */
export function parseServerKeyExchange(body: Uint8Array, raw: Uint8Array): ServerKeyExchange {
  const unknown: ServerKeyExchange = {
    type: "ServerKeyExchange",
    kind: "unknown",
    named_curve: undefined,
    public: undefined,
    dh_p_bits: undefined,
    signature_algorithm: undefined,
    signature: undefined,
    raw,
  };
  if (body[0] === NAMED_CURVE) {
    try {
      const r = new ByteReader(body, 4);
      r.u8("curve_type");
      const named_curve = r.u16("namedcurve");
      const point = r.vector(1, "public").rest();
      const sig = signed(r);
      expectDone(r, "ServerKeyExchange");
      return { ...unknown, kind: "ecdhe", named_curve, public: point, ...sig };
    } catch {
      // not ECDHE after all: try DHE
    }
  }
  try {
    const r = new ByteReader(body, 4);
    const p = r.vector(2, "dh_p").rest();
    r.vector(2, "dh_g");
    const ys = r.vector(2, "dh_Ys").rest();
    const sig = signed(r);
    expectDone(r, "ServerKeyExchange");
    let first = 0;
    while (first < p.length && p[first] === 0) first++;
    const lead = p[first] ?? 0;
    const bits = first < p.length ? (p.length - first - 1) * 8 + (32 - Math.clz32(lead)) : 0;
    return { ...unknown, kind: "dhe", public: ys, dh_p_bits: bits, ...sig };
  } catch {
    return unknown;
  }
}

/**
 * Parses a ClientKeyExchange body.
 * @see RFC 8422 §5.7, RFC 5246 §7.4.7
 */
export function parseClientKeyExchange(body: Uint8Array, raw: Uint8Array): ClientKeyExchange {
  if (body.length >= 2 && body[0] === body.length - 1) {
    return { type: "ClientKeyExchange", kind: "ecdh", exchange_keys: body.subarray(1), raw };
  }
  if (body.length >= 2 && ((body[0]! << 8) | body[1]!) === body.length - 2) {
    return { type: "ClientKeyExchange", kind: "rsa_or_dh", exchange_keys: body.subarray(2), raw };
  }
  return { type: "ClientKeyExchange", kind: "unknown", exchange_keys: body, raw };
}
