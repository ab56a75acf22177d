/**
 * The native YAML's TLS settings of issue 5 beyond files: `ciphersuites` (TLS 1.3 suites)
 * and `ecdhCurve`, checked with the same rules as their nginx directives.
 * @module
 */
import type { ServerTlsConfig } from "../config.ts";
import { ciphersuitesProblem, ecdhCurveProblem, TLS13_CIPHERSUITES } from "../tls-groups.ts";
import type { RawTls } from "./native-schema.ts";

/**
 * Checks and converts `tls.ciphersuites` and `tls.ecdhCurve`.
 * @param t the validated `tls` mapping
 * @param path its dotted path, e.g. `listeners[0].tls`
 * @param error reports a problem at a dotted path
 * @returns the model fields that were set and valid
 */
export function tlsGroups(
  t: RawTls,
  path: string,
  error: (path: string, message: string, hint?: string) => void,
): Pick<ServerTlsConfig, "ciphersuites" | "ecdhCurve"> {
  const suites = t.ciphersuites !== undefined ? ciphersuitesProblem(t.ciphersuites) : undefined;
  if (suites) {
    error(
      `${path}.ciphersuites`,
      suites,
      `expecting a colon-separated list of ${TLS13_CIPHERSUITES.join(", ")}`,
    );
  }
  const curve = t.ecdhCurve !== undefined ? ecdhCurveProblem(t.ecdhCurve) : undefined;
  if (curve) {
    error(
      `${path}.ecdhCurve`,
      curve,
      'expecting "auto" or groups such as X25519:prime256v1:secp384r1',
    );
  }
  return {
    ...(t.ciphersuites !== undefined && !suites ? { ciphersuites: t.ciphersuites } : {}),
    ...(t.ecdhCurve !== undefined && !curve ? { ecdhCurve: t.ecdhCurve } : {}),
  };
}
