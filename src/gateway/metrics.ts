/**
 * The gateway's Prometheus metrics (prom-client, one registry per gateway, no default
 * process metrics so nothing runs in the background):
 * - `mtls_gateway_handshakes_total{result, reason}`: `result` is `ok`, `resumed` or
 *   `failed`; `reason` the OpenSSL reason of a failed handshake (`unsupported protocol`...).
 * - `mtls_gateway_client_verify_failures_total{reason}`: requests refused by
 *   `ssl_verify_client` (`no certificate`, `certificate has expired`...).
 * - `mtls_gateway_authorization_denied_total{reason, location}`: requests refused (403) by
 *   a location's `authorize` rules; `reason` is `no certificate`, `not verified`,
 *   `deny rule` or `no allow rule`, `location` the location's path.
 * - `mtls_gateway_requests_total{status}`, `mtls_gateway_upstream_duration_seconds`
 *   (time to the upstream's response headers), `mtls_gateway_open_connections`.
 * - `mtls_gateway_connections_refused_total{reason}`: connections closed before TLS by the
 *   listener's front (`fingerprint_denied`, `proxy_protocol_broken_header`...).
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** The gateway's metrics. */
export interface GatewayMetrics {
  readonly registry: Registry;
  handshake(result: "ok" | "resumed" | "failed", reason?: string): void;
  verifyFailure(reason: string): void;
  authorizationDenied(reason: string, location: string): void;
  request(status: number): void;
  upstream(seconds: number, upstream: string): void;
  connectionOpened(): void;
  connectionClosed(): void;
  /** A connection refused before TLS by the listener's front. */
  connectionRefused(reason: string): void;
}

/**
 * Creates the metrics in a fresh registry.
 * @returns the recorder, with its `registry` for `/metrics`
 * @example
 * ```ts
 * const m = createGatewayMetrics();
 * m.request(200);
 * await m.registry.metrics(); // Prometheus text format
 * ```
 */
export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  const handshakes = new Counter({
    name: "mtls_gateway_handshakes_total",
    help: "TLS handshakes with clients by result (ok, resumed, failed) and failure reason",
    labelNames: ["result", "reason"] as const,
    registers: [registry],
  });
  const verify = new Counter({
    name: "mtls_gateway_client_verify_failures_total",
    help: "Requests refused because of the client certificate, by reason",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  const denied = new Counter({
    name: "mtls_gateway_authorization_denied_total",
    help: "Requests refused by a location's authorize rules, by reason and location",
    labelNames: ["reason", "location"] as const,
    registers: [registry],
  });
  const requests = new Counter({
    name: "mtls_gateway_requests_total",
    help: "Requests answered, by status",
    labelNames: ["status"] as const,
    registers: [registry],
  });
  const upstream = new Histogram({
    name: "mtls_gateway_upstream_duration_seconds",
    help: "Time from sending a request upstream to its response headers",
    labelNames: ["upstream"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const open = new Gauge({
    name: "mtls_gateway_open_connections",
    help: "Client connections currently open",
    registers: [registry],
  });
  const refused = new Counter({
    name: "mtls_gateway_connections_refused_total",
    help: "Connections closed before the TLS handshake (PROXY header, fingerprint lists), by reason",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  return {
    registry,
    handshake: (result, reason = "") => handshakes.inc({ result, reason }),
    verifyFailure: (reason) => verify.inc({ reason }),
    authorizationDenied: (reason, location) => denied.inc({ reason, location }),
    request: (status) => requests.inc({ status: String(status) }),
    upstream: (seconds, name) => upstream.observe({ upstream: name }, seconds),
    connectionOpened: () => open.inc(),
    connectionClosed: () => open.dec(),
    connectionRefused: (reason) => refused.inc({ reason }),
  };
}
