/**
 * nginx's `access_log` with `log_format`: one line per request, written when the response
 * is done, from a format string with variables (`$ssl_client_s_dn`, `$status`,
 * `$request_time`...). As in nginx, a variable without a value prints as `-`, and values
 * are escaped: `"` and `\` and bytes outside 0x20-0x7E as `\xXX` (`escape=default`),
 * JSON string escapes (`escape=json`), or nothing (`escape=none`).
 *
 * Source: nginx 1.22 `ngx_http_log_module` (`access_log`, `log_format`, the predefined
 * `combined` format), `ngx_http_log_escape`.
 * @module
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { compileTemplate, type Template, type VariableLookup } from "./variables.ts";

/** nginx's predefined `combined` format. */
export const COMBINED_FORMAT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';

/** `log_format`'s `escape=` parameter. */
export type LogEscape = "default" | "json" | "none";

/** A compiled `log_format`. */
export interface AccessLogFormat {
  readonly template: Template;
  readonly escape: LogEscape;
}

/**
 * Compiles a format.
 * @param source the format string (the `log_format` strings joined)
 * @param escaping `default`, `json` or `none`; default `default`
 * @returns the format
 * @throws {SyntaxError} when the format uses an unknown variable
 */
export function compileAccessLogFormat(
  source: string,
  escaping: LogEscape = "default",
): AccessLogFormat {
  const { template, problems } = compileTemplate(source);
  if (!template) throw new SyntaxError(problems.map((p) => p.message).join("; "));
  return { template, escape: escaping };
}

function escapeValue(v: string, mode: LogEscape): string {
  if (mode === "none") return v;
  if (mode === "json") return JSON.stringify(v).slice(1, -1);
  let out = "";
  // Node reads header bytes as Latin-1: encode them back the same way, so the log shows
  // the bytes the client sent (as nginx does); other text is UTF-8.
  const latin1 = [...v].every((c) => (c.codePointAt(0) ?? 0) <= 0xff);
  const bytes = Buffer.from(v, latin1 ? "latin1" : "utf8");
  for (const b of bytes) {
    out +=
      b === 0x22 || b === 0x5c || b < 0x20 || b > 0x7e
        ? `\\x${b.toString(16).toUpperCase().padStart(2, "0")}`
        : String.fromCharCode(b);
  }
  return out;
}

/**
 * Renders one access log line.
 * @param format the compiled format
 * @param lookup the request's variables (response-phase ones included)
 * @returns the line, without newline
 */
export function formatAccessLogLine(format: AccessLogFormat, lookup: VariableLookup): string {
  let out = "";
  for (const p of format.template.parts) {
    if (p.kind === "text") out += p.text;
    else {
      const v = lookup(p.name);
      // escape=json prints empty values as "", the others as "-".
      out +=
        v === undefined || v === ""
          ? format.escape === "json"
            ? ""
            : "-"
          : escapeValue(v, format.escape);
    }
  }
  return out;
}

/** nginx's `$time_local`: `29/Nov/2026:23:51:06 +0000`. */
export function timeLocal(d: Date): string {
  const months = [
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
  ];
  const p = (n: number) => String(n).padStart(2, "0");
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  return `${p(d.getDate())}/${months[d.getMonth()]}/${d.getFullYear()}:${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${sign}${p(Math.floor(abs / 60))}${p(abs % 60)}`;
}

/** Where access log lines go. */
export interface AccessLogSink {
  write(line: string): void;
  close(): Promise<void>;
}

/**
 * Opens an access log: appends to `file` (created when missing), or hands lines to `log`.
 * @param file absolute path, or `"stderr"`/`"stdout"`
 * @param options `log` replaces the file (tests, demo)
 * @returns the sink; write errors are swallowed (a log never takes the gateway down)
 */
export function createAccessLog(
  file: string,
  options: { readonly log?: (line: string) => void } = {},
): AccessLogSink {
  let stream: WriteStream | undefined;
  return {
    write(line) {
      if (options.log) return options.log(line);
      if (file === "stderr" || file === "stdout") {
        (file === "stderr" ? process.stderr : process.stdout).write(`${line}\n`);
        return;
      }
      stream ??= createWriteStream(file, { flags: "a" }).on("error", () => {});
      stream.write(`${line}\n`);
    },
    close() {
      const s = stream;
      stream = undefined;
      return s ? new Promise<void>((r) => s.end(() => r())) : Promise.resolve();
    },
  };
}
