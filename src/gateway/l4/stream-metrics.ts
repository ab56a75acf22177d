/**
 * Metrics of the L4 listeners, registered in the gateway's registry beside the HTTP ones
 * (handshakes and open connections are shared: `mtls_gateway_handshakes_total`,
 * `mtls_gateway_open_connections`):
 * - `mtls_gateway_stream_bytes_total{direction}`: `from_client` / `from_upstream`, bytes.
 * - `mtls_gateway_stream_sessions_total{result}`: relays ended, by how (`client`,
 *   `upstream`, `timeout`, `error`, `refused` by the client policy, `upstream_failed`).
 * @module
 */
import { Counter, type Registry } from "prom-client";

/** The stream recorder. */
export interface StreamMetrics {
  bytes(direction: "from_client" | "from_upstream", n: number): void;
  session(result: string): void;
}

/**
 * Registers the stream metrics in `registry` (once per registry).
 * @param registry the gateway's registry
 * @returns the recorder
 * @example
 * ```ts
 * const m = createStreamMetrics(gatewayMetrics.registry);
 * m.bytes("from_client", 512);
 * ```
 */
export function createStreamMetrics(registry: Registry): StreamMetrics {
  const bytes = new Counter({
    name: "mtls_gateway_stream_bytes_total",
    help: "Bytes relayed by the L4 listeners, by direction (from_client, from_upstream)",
    labelNames: ["direction"] as const,
    registers: [registry],
  });
  const sessions = new Counter({
    name: "mtls_gateway_stream_sessions_total",
    help: "L4 connections ended, by how (client, upstream, timeout, error, refused, upstream_failed)",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  return {
    bytes: (direction, n) => bytes.inc({ direction }, n),
    session: (result) => sessions.inc({ result }),
  };
}
