/**
 * Durations printed in nginx time syntax, for `--print-config`.
 * @module
 */
/**
 * A duration in nginx time syntax: whole seconds as `30s`, else `1500ms` (nginx doc
 * "Syntax": time intervals).
 * @param ms the duration, ms
 * @returns e.g. `"30s"`, `"1500ms"`
 */
export function msText(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
