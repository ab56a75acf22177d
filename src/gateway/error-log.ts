/**
 * The gateway's `error_log`: nginx-format lines
 * (`2026/11/29 23:01:07 [error] 4242#0: *1 connect() failed ...`), filtered by level,
 * appended to a file, written to stderr, or handed to a callback (tests, the demo).
 * Source: nginx `src/core/ngx_log.c` (`ngx_log_error_core`), `error_log` directive doc.
 * @module
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { LOG_LEVELS, type LogLevel } from "./config.ts";
import { formatErrorLogJson } from "./error-log-json.ts";

/** How error log lines are written: nginx's text lines or one JSON object per line. */
export type ErrorLogFormat = "nginx" | "json";

/** Writes error_log lines. */
export interface ErrorLog {
  /**
   * Logs `message` at `level` when at or above the configured level.
   * @param connection nginx's connection number, printed as `*N`
   */
  write(level: LogLevel, message: string, connection?: number): void;
  /** Flushes and closes the file, if any. */
  close(): Promise<void>;
}

/** Options of {@link createErrorLog}. */
export interface ErrorLogOptions {
  /** Absolute path, `"stderr"`, or undefined for no file. */
  readonly file?: string;
  /** Minimum level; default `"error"`. */
  readonly level?: LogLevel;
  /** Receives each line (without newline) instead of the file. */
  readonly log?: (line: string) => void;
  /** Clock; default `() => new Date()`. */
  readonly now?: () => Date;
  /** Process id printed before `#0`; default `process.pid`. */
  readonly pid?: number;
  /** Where `"stderr"` goes; default `process.stderr`. */
  readonly stderr?: NodeJS.WritableStream;
  /** Line format; default `"nginx"` (`"json"`: see `error-log-json.ts`). */
  readonly format?: ErrorLogFormat;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/**
 * Formats one line like nginx (local time).
 * @returns e.g. `2026/11/29 23:01:07 [error] 4242#0: *1 upstream timed out`
 */
export function formatErrorLogLine(
  when: Date,
  level: LogLevel,
  message: string,
  options: { readonly pid: number; readonly connection?: number },
): string {
  const date = `${when.getFullYear()}/${pad(when.getMonth() + 1)}/${pad(when.getDate())}`;
  const time = `${pad(when.getHours())}:${pad(when.getMinutes())}:${pad(when.getSeconds())}`;
  const conn = options.connection === undefined ? "" : `*${options.connection} `;
  return `${date} ${time} [${level}] ${options.pid}#0: ${conn}${message}`;
}

/**
 * Creates an error log. The file is opened for appending on the first line written.
 * @param options file, level, callback, clock, pid
 * @returns an {@link ErrorLog}
 * @example
 * ```ts
 * const log = createErrorLog({ level: "info", log: (l) => lines.push(l) });
 * log.write("error", "connect() failed (111: Connection refused)", 1);
 * ```
 */
export function createErrorLog(options: ErrorLogOptions = {}): ErrorLog {
  const min = LOG_LEVELS.indexOf(options.level ?? "error");
  const now = options.now ?? (() => new Date());
  const pid = options.pid ?? process.pid;
  let stream: WriteStream | undefined;
  const sink = (line: string) => {
    if (options.log) return options.log(line);
    if (options.file === undefined) return;
    if (options.file === "stderr") {
      (options.stderr ?? process.stderr).write(`${line}\n`);
      return;
    }
    stream ??= createWriteStream(options.file, { flags: "a" }).on("error", () => {
      // A log that cannot be written must not take the gateway down.
    });
    stream.write(`${line}\n`);
  };
  return {
    write(level, message, connection) {
      if (LOG_LEVELS.indexOf(level) < min) return;
      const format = options.format === "json" ? formatErrorLogJson : formatErrorLogLine;
      const line = format(now(), level, message, {
        pid,
        ...(connection === undefined ? {} : { connection }),
      });
      sink(line);
    },
    close() {
      const s = stream;
      stream = undefined;
      return s ? new Promise<void>((r) => s.end(() => r())) : Promise.resolve();
    },
  };
}
