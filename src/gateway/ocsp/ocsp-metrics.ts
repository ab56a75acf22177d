/**
 * The gateway's OCSP metrics, registered in the gateway's prom-client registry (once per
 * registry, whichever server block asks first):
 * - `mtls_gateway_ocsp_checks_total{result}`: certificates checked, by `good`, `revoked`,
 *   `unknown` or `error` (no usable answer), cached answers included;
 * - `mtls_gateway_ocsp_cache_hits_total`: checks answered from the cache;
 * - `mtls_gateway_ocsp_soft_failures_total`: connections accepted by `mtls_ocsp_mode soft`
 *   without a usable answer.
 * @module
 */
import { Counter, type Registry } from "prom-client";

/** One certificate check's result label. */
export type OcspCheckResult = "good" | "revoked" | "unknown" | "error";

/** The OCSP recorder. */
export interface OcspMetrics {
  check(result: OcspCheckResult): void;
  cacheHit(): void;
  softFailure(): void;
}

const byRegistry = new WeakMap<Registry, OcspMetrics>();

/**
 * The OCSP metrics of a registry, created on first use.
 * @param registry the gateway's registry (`GatewayMetrics.registry`)
 * @returns the recorder (the same one for the same registry)
 * @example
 * ```ts
 * ocspMetricsFor(gateway.metrics.registry).check("good");
 * ```
 */
export function ocspMetricsFor(registry: Registry): OcspMetrics {
  const hit = byRegistry.get(registry);
  if (hit) return hit;
  const checks = new Counter({
    name: "mtls_gateway_ocsp_checks_total",
    help: "Client certificates checked with OCSP, by result (good, revoked, unknown, error)",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  const hits = new Counter({
    name: "mtls_gateway_ocsp_cache_hits_total",
    help: "OCSP checks answered from the cache",
    registers: [registry],
  });
  const soft = new Counter({
    name: "mtls_gateway_ocsp_soft_failures_total",
    help: "Connections accepted without a usable OCSP answer (mtls_ocsp_mode soft)",
    registers: [registry],
  });
  const metrics: OcspMetrics = {
    check: (result) => checks.inc({ result }),
    cacheHit: () => hits.inc(),
    softFailure: () => soft.inc(),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
