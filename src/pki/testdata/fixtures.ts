/**
 * Fixed inputs for the pki unit tests: keys made once with openssl (see README.md), a
 * fixed clock and a counting random source, so tests use no wall clock or randomness
 * for anything they assert on.
 * @module
 */
import { readFileSync } from "node:fs";
import type { CryptoKeyPair } from "../keys.ts";
import { importKeyPairPem } from "../keys.ts";

/** The PEM text of a test key file in this directory. */
export function testKeyPem(name: "ca-ec" | "leaf-ec" | "leaf-rsa" | "other-sec1"): string {
  return readFileSync(new URL(`./${name}.key`, import.meta.url), "utf8");
}

/** A test key pair. */
export function testKeys(
  name: "ca-ec" | "leaf-ec" | "leaf-rsa" | "other-sec1",
): Promise<CryptoKeyPair> {
  return importKeyPairPem(testKeyPem(name), { path: `${name}.key` });
}

/** The fixed "now" of the unit tests. */
export const NOW = new Date("2026-01-15T12:00:00.250Z");

/** A random source returning 16 octets `0x01 .. 0x10` plus `seed` on each call. */
export function countingRandom(seed = 0): (n: number) => Uint8Array {
  let call = seed;
  return (n) => {
    call++;
    return Uint8Array.from({ length: n }, (_, i) => (i + call) & 0x7f);
  };
}
