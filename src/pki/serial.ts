/**
 * Certificate serial numbers: 128 random bits, positive and non-zero, at most 16 content
 * octets in DER (RFC 5280 §4.1.2.2 allows up to 20; CA/Browser Forum Baseline Requirements
 * §7.1 ask for at least 64 random bits).
 * @module
 */
import { randomBytes } from "node:crypto";

/** A source of random bytes: `(n) => n bytes`. Default `node:crypto` `randomBytes`. */
export type RandomBytes = (n: number) => Uint8Array;

/** Options of {@link randomSerial}. */
export interface RandomSerialOptions {
  /** Random source; default `crypto.randomBytes`. */
  readonly random?: RandomBytes;
  /** Serials already used (lower-case hex, as {@link randomSerial} returns); default none. */
  readonly taken?: ReadonlySet<string>;
  /** Attempts before giving up on drawing a fresh serial; default 16. */
  readonly attempts?: number;
}

/**
 * The hex of a non-negative big-endian number without leading zero octets (and without
 * the DER sign octet): the form `@peculiar/x509`'s `serialNumber` and
 * `openssl x509 -serial` show (lower case here).
 */
export function serialHexOf(bytes: Uint8Array): string {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return Buffer.from(bytes.subarray(start)).toString("hex");
}

/**
 * The DER INTEGER content octets of a serial given as {@link serialHexOf} hex: a `00`
 * sign octet is prepended when the top bit is set (X.690 §8.3).
 */
export function serialDerOf(serialHex: string): Uint8Array {
  const bytes = Buffer.from(serialHex, "hex");
  return (bytes[0] ?? 0) > 0x7f ? Uint8Array.of(0, ...bytes) : new Uint8Array(bytes);
}

/**
 * Draws a serial: 16 random octets with the top bit cleared (so the INTEGER is positive
 * without a sign octet), redrawn when zero or already `taken`.
 * @returns lower-case hex (see {@link serialHexOf}); its DER encoding has 1 to 16 content octets
 * @throws {RangeError} when `attempts` draws were all zero or taken (a broken random source)
 * @example
 * ```ts
 * randomSerial(); // "3f9c...", 32 hex digits most of the time
 * ```
 */
export function randomSerial(options: RandomSerialOptions = {}): string {
  const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
  const attempts = options.attempts ?? 16;
  for (let i = 0; i < attempts; i++) {
    const bytes = Uint8Array.from(random(16));
    if (bytes.length !== 16)
      throw new RangeError(`Random source returned ${bytes.length} bytes, expected 16`);
    bytes[0] = (bytes[0] ?? 0) & 0x7f;
    if (bytes.every((b) => b === 0)) continue;
    const hex = serialHexOf(bytes);
    if (!options.taken?.has(hex)) return hex;
  }
  throw new RangeError(`Cannot draw a fresh serial: ${attempts} draws were zero or already used`);
}
