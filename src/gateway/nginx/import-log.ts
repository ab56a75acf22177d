/**
 * `log_format NAME [escape=default|json|none] STRING...` and `access_log PATH [FORMAT] | off`
 * for the nginx importer. A server block's own `access_log` wins over the http block's;
 * without any, nothing is logged (nginx would write `logs/access.log` under its prefix).
 *
 * Source: nginx 1.22 `ngx_http_log_module`.
 * @module
 */
import { COMBINED_FORMAT } from "../access-log.ts";
import type { AccessLogConfig } from "../config.ts";
import { compileTemplate } from "../variables.ts";
import type { Directive } from "./parser.ts";
import type { ValueContext } from "./values.ts";

/** `log_format`'s `escape=` values. */
export type LogEscape = "default" | "json" | "none";

/** Reads a `log_format`, checking its variables at their columns. */
export function parseLogFormat(
  cx: ValueContext,
  d: Directive,
): { readonly name: string; readonly format: string; readonly escape: LogEscape } | undefined {
  const [nameT, ...rest] = d.args;
  if (!nameT) return undefined;
  let escaping: LogEscape = "default";
  let parts = rest;
  const e = /^escape=(default|json|none)$/.exec(rest[0]?.value ?? "");
  if (e) {
    escaping = e[1] as LogEscape;
    parts = rest.slice(1);
  } else if (rest[0]?.value.startsWith("escape=")) {
    cx.report(
      "error",
      `Invalid "${rest[0].raw}" in "log_format"`,
      'use "escape=default", "escape=json" or "escape=none"',
      rest[0],
    );
    return undefined;
  }
  if (nameT.value === "combined") {
    cx.report(
      "error",
      'Duplicate "log_format" name "combined": it is predefined',
      "pick another name",
      nameT,
    );
    return undefined;
  }
  let ok = true;
  for (const p of parts) {
    for (const problem of compileTemplate(p.value).problems) {
      ok = false;
      const shift = p.raw.length > p.value.length ? 1 : 0;
      cx.report("error", problem.message, undefined, {
        line: p.line,
        column: p.column + problem.offset + shift,
      });
    }
  }
  return ok
    ? { name: nameT.value, format: parts.map((p) => p.value).join(""), escape: escaping }
    : undefined;
}

/** Resolves an `access_log` directive against the known formats; undefined for `off` or none. */
export function resolveAccessLog(
  cx: ValueContext,
  d: Directive | undefined,
  formats: ReadonlyMap<string, { readonly format: string; readonly escape: LogEscape }>,
): AccessLogConfig | undefined {
  const [pathT, formatT] = d?.args ?? [];
  if (!d || !pathT || pathT.value === "off") return undefined;
  const name = formatT?.value ?? "combined";
  const f =
    name === "combined"
      ? { format: COMBINED_FORMAT, escape: "default" as const }
      : formats.get(name);
  if (!f) {
    cx.report(
      "error",
      `Unknown log format "${name}"`,
      "define it first with `log_format NAME '...';`",
      formatT ?? d.nameToken,
    );
    return undefined;
  }
  const file =
    pathT.value === "/dev/stderr"
      ? "stderr"
      : pathT.value === "/dev/stdout"
        ? "stdout"
        : cx.path(pathT).path;
  return {
    file,
    formatName: name,
    format: f.format,
    ...(f.escape !== "default" ? { escape: f.escape } : {}),
    location: { file: d.location.file, line: d.location.line, column: d.location.column },
  };
}
