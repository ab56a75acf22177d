/**
 * `mtls request`: an HTTPS request over mutual TLS with an optional handshake trace (the
 * seed's Python test script as a command).
 *
 * ```
 * mtls request URL [--cacert F] [--cert F --key F] [-H 'name: value']... [-X METHOD]
 *   [-d DATA] [--timeout S] [--follow] [-i] [--trace] [--trace-file F] [--force] [--insecure]
 * ```
 * Output: with `--trace`, the trace ladder goes to stdout before the response (or to
 * `--trace-file F`, which is not overwritten without `--force`); then the status line and
 * headers with `-i`; then the body. A non-2xx status prints the body too, then exits 1
 * with one line on stderr: `mtls: HTTP 400 Bad Request from https://...`.
 * @module
 */
import { existsSync } from "node:fs";
import { type Command, Option } from "commander";
import { type ClientResponse, DEFAULT_TIMEOUT_MS, request } from "../client/request.ts";
import type { TraceEvent } from "../client/trace-event.ts";
import { renderTrace } from "../client/trace-render.ts";
import { ErrorCode, MtlsError } from "../errors.ts";
import { readFileChecked, writeFileAtomic } from "../files.ts";
import { applyCommonOptions } from "./run.ts";

interface RequestFlags {
  readonly cacert?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly header?: string[];
  readonly request?: string;
  readonly data?: string;
  readonly timeout: string;
  readonly follow?: boolean;
  readonly include?: boolean;
  readonly trace?: boolean;
  readonly traceVerbose?: boolean;
  readonly traceFile?: string;
  readonly force?: boolean;
  readonly insecure?: boolean;
}

function print(cmd: Command, text: string): void {
  let root = cmd;
  while (root.parent) root = root.parent;
  const out = root.configureOutput().writeOut;
  if (out) out(text);
  else process.stdout.write(text);
}

function parseHeader(value: string): [string, string] {
  const colon = value.indexOf(":");
  if (colon <= 0) {
    throw new MtlsError(ErrorCode.USAGE, `Bad header '${value}': expected 'name: value'`);
  }
  return [value.slice(0, colon).trim(), value.slice(colon + 1).trim()];
}

function parseTimeout(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new MtlsError(
      ErrorCode.USAGE,
      `Bad --timeout '${value}': expected a positive number of seconds`,
    );
  }
  return Math.round(seconds * 1000);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function emitTrace(cmd: Command, flags: RequestFlags, events: readonly TraceEvent[]): void {
  const text = `${renderTrace(events, { verbose: flags.traceVerbose ?? false }).join("\n")}\n`;
  if (flags.traceFile) writeFileAtomic(flags.traceFile, text, { force: flags.force ?? false });
  else print(cmd, `${text}\n`);
}

function head(res: ClientResponse): string {
  const lines = [`HTTP/${res.httpVersion} ${res.status} ${res.statusText}`];
  for (const [name, value] of res.rawHeaders) lines.push(`${name}: ${value}`);
  return `${lines.join("\n")}\n\n`;
}

async function run(url: string, flags: RequestFlags, cmd: Command): Promise<void> {
  if ((flags.cert === undefined) !== (flags.key === undefined)) {
    throw new MtlsError(
      ErrorCode.USAGE,
      "Incomplete client identity: --cert and --key go together",
    );
  }
  if (flags.traceFile && !flags.force && existsSync(flags.traceFile)) {
    // Fail before the request, not after it (writeFileAtomic would refuse too).
    throw new MtlsError(
      ErrorCode.EXISTS,
      `Refusing to overwrite ${flags.traceFile}: the file exists`,
      {
        hint: "pass --force to replace it, or choose another name",
        details: { path: flags.traceFile },
      },
    );
  }
  const headers = (flags.header ?? []).map(parseHeader);
  const timeoutMs = parseTimeout(flags.timeout);
  const pem = (path: string | undefined, what: string) =>
    path === undefined ? undefined : readFileChecked(path, what).toString("utf8");
  const cacert = pem(flags.cacert, "CA certificate");
  const cert = pem(flags.cert, "client certificate");
  const key = pem(flags.key, "client key");
  let res: ClientResponse;
  try {
    res = await request(url, {
      headers,
      timeoutMs,
      follow: flags.follow ?? false,
      trace:
        (flags.trace ?? false) || (flags.traceVerbose ?? false) || flags.traceFile !== undefined,
      insecure: flags.insecure ?? false,
      ...(cacert === undefined ? {} : { cacert }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
      ...(flags.request === undefined ? {} : { method: flags.request }),
      ...(flags.data === undefined ? {} : { body: flags.data }),
      sources: {
        ...(flags.cacert === undefined ? {} : { cacert: flags.cacert }),
        ...(flags.cert === undefined ? {} : { cert: flags.cert }),
        ...(flags.key === undefined ? {} : { key: flags.key }),
      },
    });
  } catch (e) {
    const trace =
      e instanceof MtlsError ? (e.details.trace as readonly TraceEvent[] | undefined) : undefined;
    if (trace) emitTrace(cmd, flags, trace);
    throw e;
  }
  if (res.trace) emitTrace(cmd, flags, res.trace);
  if (flags.include) print(cmd, head(res));
  print(cmd, new TextDecoder().decode(res.body));
  if (res.status < 200 || res.status > 299) {
    throw new MtlsError(
      ErrorCode.HTTP_STATUS,
      `HTTP ${res.status} ${res.statusText} from ${res.url}`,
      {
        details: { status: res.status, url: res.url },
      },
    );
  }
}

/** Registers `mtls request`. */
export function registerRequest(program: Command): void {
  const cmd = applyCommonOptions(
    program
      .command("request")
      .description("HTTPS request over mutual TLS, with an optional TLS handshake trace")
      .argument("<url>", "https URL")
      .option("--cacert <file>", "CA certificate(s) that verify the server (PEM)")
      .option("--cert <file>", "client certificate (PEM)")
      .option("--key <file>", "client private key (PEM)")
      .option("-H, --header <header>", "request header 'name: value' (repeatable)", collect)
      .option("-X, --request <method>", "HTTP method (default GET, POST with -d)")
      .option("-d, --data <data>", "request body")
      .addOption(
        new Option("--timeout <seconds>", "deadline for the exchange, in seconds").default(
          String(DEFAULT_TIMEOUT_MS / 1000),
        ),
      )
      .option("--follow", "follow redirects (at most 10)")
      .option("-i, --include", "print the status line and headers before the body")
      .option("--trace", "print each TLS record and handshake message before the response")
      .option("--trace-verbose", "with --trace: every cipher suite and extension value")
      .option("--trace-file <file>", "write the trace to a file instead of stdout")
      .option("--force", "overwrite --trace-file if it exists")
      .option("--insecure", "do not verify the server certificate"),
  );
  cmd.action(async (url: string, flags: RequestFlags) => run(url, flags, cmd));
}
