/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as the PROXY protocol's
 * `PP2_TYPE_CRC32C` TLV requires. Table-driven, pure.
 *
 * Source: haproxy `doc/proxy-protocol.txt` §2.2.3; RFC 3720 §12.1 / B.4 (the polynomial
 * and its check value `crc32c("123456789") = 0xE3069283`).
 * @module
 */

let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
  if (table) return table;
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  table = t;
  return t;
}

/**
 * Computes the CRC-32C of `bytes`.
 * @param bytes the data
 * @returns the checksum as an unsigned 32-bit number
 * @example
 * ```ts
 * crc32c(new TextEncoder().encode("123456789")); // 0xe3069283
 * ```
 */
export function crc32c(bytes: Uint8Array): number {
  const t = crcTable();
  let c = 0xffffffff;
  for (const b of bytes) c = (t[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
