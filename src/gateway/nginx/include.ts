/**
 * `include FILE|MASK`: replaces the directive with the directives of the named files, in
 * any context, as nginx does while reading its configuration (`ngx_conf_include`):
 *
 * - a relative path resolves against the configuration prefix — the directory of the
 *   **main** file (`nginx -c`), not of the including file;
 * - a mask (`*`, `?`, `[...]`) is expanded like glob(3): files in byte order, a `*` never
 *   matching a leading dot; a mask matching nothing is not an error; a plain path that
 *   cannot be read is;
 * - included files may include others (at most {@link MAX_INCLUDE_DEPTH} levels; a file
 *   including itself, directly or not, is an error).
 *
 * Every directive and token of an included file keeps that file's name, so diagnostics
 * print `conf.d/api.conf:3:5`, not the main file's name.
 *
 * Source: nginx "Core functionality" docs, `include`; `src/core/ngx_conf_file.c`
 * (`ngx_conf_include`), `src/os/unix/ngx_files.c` (`ngx_open_glob`).
 * @module
 */
import { readdirSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve, sep } from "node:path";
import { ErrorCode, type SourceLocation } from "../../errors.ts";
import { describeReadError, readRegularFile } from "../../files.ts";
import { ConfigError, type Diagnostic } from "../diagnostic.ts";
import { readConfigText } from "../read-config-text.ts";
import type { Token } from "./lexer.ts";
import { type Directive, type ParseResult, parseNginx } from "./parser.ts";

/** Include nesting deeper than this is refused. */
export const MAX_INCLUDE_DEPTH = 16;

/** File system access for {@link expandIncludes}; defaults use `node:fs`. */
export interface IncludeOptions {
  /** Directory relative include paths resolve against; default: the main file's directory. */
  readonly prefix?: string;
  readonly readFile?: (path: string) => Buffer;
  /** Names in a directory; default `fs.readdirSync`. */
  readonly readDir?: (path: string) => readonly string[];
  /** Whether a path is a regular file; default via `fs.statSync`. */
  readonly isFile?: (path: string) => boolean;
}

const MASK = /[*?[]/;

/**
 * Replaces every `include` of a parsed file with the directives of the files it names.
 * @param parsed the main file, from `parseNginx`
 * @param options `prefix`, `readFile`, `readDir`, `isFile` (injectable for tests)
 * @returns the tree with includes expanded, and the diagnostics of every file read
 *   (an unreadable file is an error at the `include`'s argument)
 * @example
 * ```ts
 * const parsed = expandIncludes(parseNginx(text, { file: "/etc/nginx/nginx.conf" }));
 * ```
 */
export function expandIncludes(parsed: ParseResult, options: IncludeOptions = {}): ParseResult {
  const prefix = options.prefix ?? dirname(resolve(parsed.file));
  const readFile = options.readFile ?? ((p: string) => readRegularFile(p));
  const readDir = options.readDir ?? ((p: string) => readdirSync(p));
  const isFile =
    options.isFile ??
    ((p: string) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    });
  const diagnostics: Diagnostic[] = [...parsed.diagnostics];
  const error = (message: string, hint: string, at: Token | SourceLocation, file: string) => {
    diagnostics.push({
      severity: "error",
      code: ErrorCode.FILE,
      message,
      hint,
      location: { file, line: at.line, column: at.column },
    });
  };
  const expand = (
    directives: readonly Directive[],
    chain: readonly string[],
  ): readonly Directive[] => {
    const out: Directive[] = [];
    for (const d of directives) {
      if (d.name !== "include" || d.block || d.truncated) {
        out.push(d.block ? { ...d, block: expand(d.block, chain) } : d);
        continue;
      }
      if (d.args.length !== 1) {
        diagnostics.push({
          severity: "error",
          code: ErrorCode.CONFIG_INVALID,
          message: `Invalid number of arguments in "include": expecting 1 (a file or a mask), got ${d.args.length}`,
          hint: 'quote a path with spaces: include "my conf/*.conf";',
          location: { file: d.location.file, line: d.nameToken.line, column: d.nameToken.column },
        });
        continue;
      }
      const arg = d.args[0] as Token;
      const from = d.location.file;
      const path = isAbsolute(arg.value) ? arg.value : resolve(prefix, arg.value);
      const files = MASK.test(path) ? glob(path, readDir, isFile) : [path];
      for (const file of files) {
        if (chain.includes(file)) {
          error(
            `Include loop: ${file} includes itself (${[...chain, file].map((f) => basename(f)).join(" → ")})`,
            "remove the include that leads back",
            arg,
            from,
          );
          continue;
        }
        if (chain.length >= MAX_INCLUDE_DEPTH) {
          error(
            `Includes nest deeper than ${MAX_INCLUDE_DEPTH} files at ${file}`,
            "flatten the includes",
            arg,
            from,
          );
          continue;
        }
        let text: string;
        try {
          text = readConfigText(file, { readFile });
        } catch (e) {
          const reason =
            e instanceof ConfigError ? (e.diagnostics[0]?.message ?? "") : describeReadError(e);
          error(
            `Cannot include ${file}: ${reason.replace(/^Cannot read configuration file [^:]*: /, "")}`,
            "relative include paths resolve against the main configuration file's directory",
            arg,
            from,
          );
          continue;
        }
        const inner = parseNginx(text, { file });
        diagnostics.push(...inner.diagnostics);
        out.push(...expand(inner.directives.map(tagged), [...chain, file]));
      }
    }
    return out;
  };
  const directives = expand(parsed.directives, [resolve(parsed.file)]);
  return { file: parsed.file, directives, diagnostics };
}

/** A directive whose tokens carry their file name (for diagnostics of included files). */
function tagged(d: Directive): Directive {
  const file = d.location.file;
  const tag = (t: Token): Token => ({ ...t, file });
  return {
    ...d,
    nameToken: tag(d.nameToken),
    args: d.args.map(tag),
    ...(d.block ? { block: d.block.map(tagged) } : {}),
  };
}

/** glob(3) for one absolute mask: matching files in byte order, `*` not matching a leading dot. */
export function glob(
  mask: string,
  readDir: (path: string) => readonly string[],
  isFile: (path: string) => boolean,
): string[] {
  const parts = mask.split(sep).filter((p) => p !== "");
  let paths: string[] = [sep];
  for (const part of parts) {
    if (!MASK.test(part)) {
      paths = paths.map((p) => join(p, part));
      continue;
    }
    const re = maskRegExp(part);
    const next: string[] = [];
    for (const dir of paths) {
      let names: readonly string[];
      try {
        names = readDir(dir);
      } catch {
        continue;
      }
      for (const n of [...names].sort(byBytes)) {
        if (re.test(n) && (!n.startsWith(".") || part.startsWith("."))) next.push(join(dir, n));
      }
    }
    paths = next;
  }
  return paths.filter(isFile);
}

function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function maskRegExp(part: string): RegExp {
  let re = "";
  for (let i = 0; i < part.length; i++) {
    const c = part[i] as string;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = part.indexOf("]", i + 2);
      if (end < 0) re += "\\[";
      else {
        const body = part
          .slice(i + 1, end)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\");
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}
