/**
 * The error log as JSON lines (`mtls gateway --log-format json`): one object per line with
 * `time` (ISO 8601, UTC), `level`, `pid`, `connection` (nginx's `*N`), `message`, and the
 * fields nginx appends to a message as text — `client`, `server`, `request`, `upstream`,
 * `host` — split out, plus the reason inside the message's parentheses:
 * `(111: Connection refused)` → `errno: 111, reason: "Connection refused"`,
 * `(SSL: error:0A000102:SSL routines::unsupported protocol)` → `ssl_error`.
 *
 * Source: nginx `src/http/ngx_http_request.c` (`ngx_http_log_error_handler`: the
 * `, client: ..., server: ..., request: "..."` context), `ngx_log.c`.
 * @module
 */
import type { LogLevel } from "./config.ts";

/** One error log record, as written by {@link formatErrorLogJson}. */
export interface ErrorLogRecord {
  /** ISO 8601 time in UTC with ms, e.g. `2026-11-29T23:01:07.123Z`. */
  readonly time: string;
  readonly level: LogLevel;
  readonly pid: number;
  /** nginx's connection number (`*N` in nginx lines). */
  readonly connection?: number;
  /** The message without the context fields. */
  readonly message: string;
  /** `errno` of a `(N: text)` reason. */
  readonly errno?: number;
  /** The text of a `(N: text)` reason. */
  readonly reason?: string;
  /** OpenSSL's error of a `(SSL: ...)` reason. */
  readonly ssl_error?: string;
  readonly client?: string;
  readonly server?: string;
  readonly request?: string;
  readonly upstream?: string;
  readonly host?: string;
}

/** Context keys nginx appends, in the order it appends them. */
const CONTEXT_KEYS = ["client", "server", "request", "upstream", "host"] as const;

/**
 * Splits nginx's trailing `, key: value` context (values of `request`, `upstream`, `host`
 * are quoted) off a message.
 * @param message an nginx-style error message
 * @returns the bare message and the fields found
 */
export function splitErrorContext(message: string): {
  readonly message: string;
  readonly fields: Readonly<Record<string, string>>;
} {
  const at = message.search(/, client: /);
  if (at < 0) return { message, fields: {} };
  const fields: Record<string, string> = {};
  const rest = message.slice(at);
  const keys = CONTEXT_KEYS.join("|");
  const part = new RegExp(`, (${keys}): ("(?:[^"\\\\]|\\\\.)*"|[^,]*)`, "y");
  let i = 0;
  while (i < rest.length) {
    part.lastIndex = i;
    const m = part.exec(rest);
    if (!m) return { message, fields: {} };
    const raw = m[2] ?? "";
    fields[m[1] ?? ""] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, "$1") : raw;
    i = part.lastIndex;
  }
  return { message: message.slice(0, at), fields };
}

/**
 * Formats one error log record as a JSON line (no newline).
 * @param when the time of the event
 * @param level the record's level
 * @param message an nginx-style message (context fields are split out)
 * @param options `pid`, nginx's `connection` number
 * @returns e.g. `{"time":"2026-11-29T23:01:07.000Z","level":"error","pid":4242,"connection":1,"message":"connect() failed (111: Connection refused) while connecting to upstream","errno":111,"reason":"Connection refused","client":"127.0.0.1",...}`
 */
export function formatErrorLogJson(
  when: Date,
  level: LogLevel,
  message: string,
  options: { readonly pid: number; readonly connection?: number },
): string {
  const { message: text, fields } = splitErrorContext(message);
  const errno = /\((\d+): ([^)]*)\)/.exec(text);
  const ssl = /\(SSL: ([^)]*)\)/.exec(text);
  const record: ErrorLogRecord = {
    time: when.toISOString(),
    level,
    pid: options.pid,
    ...(options.connection === undefined ? {} : { connection: options.connection }),
    message: text,
    ...(errno ? { errno: Number(errno[1]), reason: errno[2] ?? "" } : {}),
    ...(ssl ? { ssl_error: ssl[1] ?? "" } : {}),
    ...fields,
  };
  return JSON.stringify(record);
}
