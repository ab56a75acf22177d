/**
 * Main-context process directives the gateway honours: `worker_shutdown_timeout TIME`,
 * the deadline of a graceful shutdown (nginx 1.11.11+; nginx waits forever without it,
 * mtlskit's default is 30 s).
 *
 * Source: nginx core module, `worker_shutdown_timeout`.
 * @module
 */
import type { ShutdownConfig } from "../config.ts";
import type { Directive } from "./parser.ts";
import { parseNginxTime } from "./units.ts";
import type { ValueContext } from "./values.ts";

/**
 * `worker_shutdown_timeout TIME` → the drain deadline.
 * @param cx the importer's context (reports go there)
 * @param d the directive
 * @returns `{ drainTimeoutMs, location }`, or undefined (reported) when the time is invalid
 */
export function importShutdownTimeout(cx: ValueContext, d: Directive): ShutdownConfig | undefined {
  const a = d.args[0];
  if (!a) return undefined;
  const ms = parseNginxTime(a.value);
  if (ms === undefined) {
    cx.report(
      "error",
      `Invalid value for "${d.name}": "${a.raw}", expecting a time such as 10s or 1m`,
      undefined,
      a,
    );
    return undefined;
  }
  return {
    drainTimeoutMs: ms,
    location: { file: d.location.file, line: d.nameToken.line, column: d.nameToken.column },
  };
}
