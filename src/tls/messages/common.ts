import { ParseError } from "../../errors.ts";
import type { ByteReader } from "../byte-reader.ts";

/**
 * Throws when bytes are left after a message's last field (RFC 8446 §4: the length
 * covers the fields exactly).
 * @throws {ParseError} naming the message and the number of bytes left
 */
export function expectDone(r: ByteReader, message: string): void {
  if (!r.done) {
    throw new ParseError(
      `Trailing bytes in ${message}: ${r.remaining} left after the last field`,
      r.base + r.position,
    );
  }
}
