// biome-ignore lint/style/noRestrictedImports: test fixtures only; tls/ code itself never reads files
import { readFileSync } from "node:fs";

/**
 * The captured scenarios under `testdata/`, each a pair of `.bin` files holding the TCP
 * payload of one direction (extracted from `/work/shared/captures/mtls/` by `extract.py`).
 */
export const SCENARIOS = {
  /** TLS 1.2 mTLS, ECDHE-ECDSA-AES256-GCM-SHA384, nginx <- curl. */
  tls12: "01",
  /** TLS 1.3 mTLS, TLS_AES_128_GCM_SHA256, s_server <- curl. */
  tls13: "04a",
  /** TLS 1.2, no client cert, handshake_failure alert from the server. */
  tls12NoCert: "06a",
  /** TLS 1.3 with HelloRetryRequest. */
  hrr: "10",
  /** TLS 1.2 mTLS, Certificate messages fragmented over 512-byte records. */
  fragmented: "11a",
} as const;

/** Reads one direction of a captured scenario: `client` is what the client sent. */
export function loadStream(scenario: string, direction: "client" | "server"): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`./${scenario}.${direction}.bin`, import.meta.url)));
}
