/**
 * The nginx configuration parser: tokens to a tree of directives and blocks, each with
 * its `file:line:col`. Like `ngx_conf_parse()` it knows only the syntax (a directive is a
 * name, arguments, then `;` or a `{ ... }` block); which directives exist and what they
 * take is the importer's business.
 *
 * It collects every problem instead of stopping at the first: a stray `}` or `;`, a
 * directive cut off by `}` or by the end of the file, a block never closed (one error for
 * all the blocks left open at the end of the file). Directives cut off by the end of the
 * file are marked `truncated`.
 *
 * Source: nginx `src/core/ngx_conf_file.c` (`ngx_conf_parse`, `ngx_conf_handler`).
 * @module
 */
import { ErrorCode, type SourceLocation } from "../../errors.ts";
import type { Diagnostic } from "../diagnostic.ts";
import { type LexOptions, lexNginx, type Token, TokenKind } from "./lexer.ts";

/** One directive: `name arg... ;` or `name arg... { directive... }`. */
export interface Directive {
  /** The directive name as written (unescaped). */
  readonly name: string;
  /** The name's token, for its position and raw text. */
  readonly nameToken: Token;
  /** The arguments, in order. */
  readonly args: readonly Token[];
  /** The directives of its `{ }` block; absent for a simple directive. */
  readonly block?: readonly Directive[];
  /** Where the directive starts (its name). */
  readonly location: SourceLocation;
  /**
   * Cut off by the end of the file: a simple directive without its `;` (its name and
   * arguments may be incomplete), or a block without its `}` (directives may be missing).
   * The syntax error is already reported; checks of what is absent must not run on it.
   */
  readonly truncated?: true;
}

/** Result of {@link parseNginx}: the tree (as far as it could be read) and all problems. */
export interface ParseResult {
  readonly file: string;
  readonly directives: readonly Directive[];
  readonly diagnostics: readonly Diagnostic[];
}

/** Nesting deeper than this is refused (nginx configs nest 3 or 4 levels). */
export const MAX_DEPTH = 32;

/**
 * Parses nginx configuration text into directives. Never throws on bad input: problems
 * are returned as diagnostics (lexer problems first, then parser problems, each list in
 * source order).
 * @param text configuration text
 * @param options `file` used in every location; default `"nginx.conf"`
 * @returns `{ file, directives, diagnostics }`
 * @example
 * ```ts
 * const { directives } = parseNginx("server { listen 8000 ssl; }", { file: "gw.conf" });
 * directives[0]?.block?.[0]?.args.map((a) => a.value); // ["8000", "ssl"]
 * ```
 */
export function parseNginx(text: string, options: LexOptions = {}): ParseResult {
  const file = options.file ?? "nginx.conf";
  const lexed = lexNginx(text, { file });
  const tokens = lexed.tokens;
  const diagnostics: Diagnostic[] = [];
  let pos = 0;
  const at = (t: Token): SourceLocation => ({ file, line: t.line, column: t.column });
  const error = (message: string, hint: string, t: Token) => {
    diagnostics.push({
      severity: "error",
      code: ErrorCode.CONFIG_SYNTAX,
      message,
      hint,
      location: at(t),
    });
  };

  // Blocks open at the current position, outermost first; the end of the file closes none.
  const open: Token[] = [];
  let endReported = false;

  /** The directives of a block, and whether its `}` was found (always false at top level). */
  function parseBlock(
    depth: number,
    opener: Token | undefined,
  ): { directives: Directive[]; closed: boolean } {
    if (opener) open.push(opener);
    try {
      return parseBlockBody(depth, opener);
    } finally {
      if (opener) open.pop();
    }
  }

  /** One error for every block left open at the end of the file, innermost first. */
  function reportUnclosed(): void {
    if (endReported || open.length === 0) return;
    endReported = true;
    const last = tokens[tokens.length - 1] ?? (open[0] as Token);
    const at = [...open]
      .reverse()
      .map((t) => `${t.line}:${t.column}`)
      .join(", ");
    const n = open.length;
    error(
      n === 1
        ? `Unexpected end of file: the block opened at ${at} is not closed, expecting "}"`
        : `Unexpected end of file: the blocks opened at ${at} are not closed, expecting ${n} "}"`,
      n === 1 ? 'add the missing "}"' : `add the ${n} missing "}"`,
      last,
    );
  }

  function parseBlockBody(
    depth: number,
    opener: Token | undefined,
  ): { directives: Directive[]; closed: boolean } {
    const out: Directive[] = [];
    for (;;) {
      const t = tokens[pos];
      if (!t) {
        if (opener) reportUnclosed();
        return { directives: out, closed: false };
      }
      pos++;
      if (t.kind === TokenKind.BLOCK_END) {
        if (opener) return { directives: out, closed: true };
        error('Unexpected "}": no block is open', 'remove it, or look for a missing "{" above', t);
        continue;
      }
      if (t.kind === TokenKind.SEMICOLON) {
        if (!t.substitute) error('Unexpected ";": no directive before it', "remove it", t);
        continue;
      }
      if (t.kind === TokenKind.BLOCK_START) {
        error('Unexpected "{": a block needs a directive name before it', "name the block", t);
        if (depth < MAX_DEPTH) parseBlock(depth + 1, t);
        continue;
      }
      const directive = parseDirective(t, depth);
      if (directive) out.push(directive);
    }
  }

  function parseDirective(name: Token, depth: number): Directive | undefined {
    const args: Token[] = [];
    const base = { name: name.value, nameToken: name, location: at(name) };
    for (;;) {
      const t = tokens[pos];
      if (!t) {
        error(
          `Unexpected end of file: directive "${name.value}" is not terminated, expecting ";" or "{"`,
          'add ";" after its arguments',
          name,
        );
        return { ...base, args, truncated: true };
      }
      pos++;
      switch (t.kind) {
        case TokenKind.WORD:
        case TokenKind.STRING:
          args.push(t);
          break;
        case TokenKind.SEMICOLON:
          return { ...base, args };
        case TokenKind.BLOCK_START: {
          if (depth + 1 >= MAX_DEPTH) {
            error(`Blocks nest too deep: more than ${MAX_DEPTH} levels`, "flatten the file", t);
            skipBlock();
            return undefined;
          }
          const { directives: block, closed } = parseBlock(depth + 1, t);
          return { ...base, args, block, ...(closed ? {} : { truncated: true as const }) };
        }
        case TokenKind.BLOCK_END:
          error(
            `Directive "${name.value}" is not terminated: expecting ";" before "}"`,
            `add ";" after "${(args[args.length - 1] ?? name).raw}"`,
            t,
          );
          pos--; // the "}" closes the enclosing block
          return { ...base, args };
        default: {
          const never: never = t.kind;
          throw new TypeError(`unknown token kind ${String(never)}`);
        }
      }
    }
  }

  function skipBlock(): void {
    let level = 1;
    while (pos < tokens.length && level > 0) {
      const k = tokens[pos++]?.kind;
      if (k === TokenKind.BLOCK_START) level++;
      else if (k === TokenKind.BLOCK_END) level--;
    }
  }

  const { directives } = parseBlock(0, undefined);
  return { file, directives, diagnostics: [...lexed.diagnostics, ...diagnostics] };
}
