/**
 * The nginx configuration lexer: text to tokens with `line:column` (1-based, columns in
 * Unicode code points), following `ngx_conf_read_token()` of nginx 1.22:
 *
 * - space, tab, CR and LF separate tokens (CR is whitespace, so CRLF files work);
 * - `#` at the start of a token comments to the end of the line;
 * - `;`, `{` and `}` are tokens of their own at the start of a token; inside an unquoted
 *   word only whitespace, `;` and `{` end it (`}` does not: `200}` is one word, as in nginx),
 *   and `{` right after `$` belongs to the word (`${var}`);
 * - `"..."` and `'...'` are strings; after the closing quote comes whitespace, `;` or `{`;
 * - a backslash escapes the next character: `\"`, `\'`, `\\` give the character, `\t`,
 *   `\r`, `\n` give tab, CR, LF, any other pair is kept as written (nginx does the same);
 * - a UTF-8 byte order mark is not skipped: it becomes part of the first word, which
 *   makes the first directive unknown (nginx does the same; the importer explains it).
 *
 * Beyond nginx: a full-width `；` `｛` `｝` (U+FF1B, U+FF5B, U+FF5D) inside a word is
 * reported at its exact column and then read as its ASCII twin, so one typo gives one
 * error instead of a cascade.
 *
 * Source: nginx `src/core/ngx_conf_file.c` (`ngx_conf_read_token`).
 * @module
 */
import { ErrorCode } from "../../errors.ts";
import type { Diagnostic } from "../diagnostic.ts";

/** Token kinds: words and quoted strings carry a value; the rest are punctuation. */
export const TokenKind = {
  WORD: "word",
  STRING: "string",
  SEMICOLON: ";",
  BLOCK_START: "{",
  BLOCK_END: "}",
} as const;
/** One of the {@link TokenKind} values. */
export type TokenKind = (typeof TokenKind)[keyof typeof TokenKind];

/** One token with its position. */
export interface Token {
  readonly kind: TokenKind;
  /** The value after unescaping (for punctuation, the punctuation itself). */
  readonly value: string;
  /** The source text of the token, quotes and escapes included. */
  readonly raw: string;
  /** Index of the first character, in code points from the start of the text. */
  readonly offset: number;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column, in code points. */
  readonly column: number;
  /** True for a `;`/`{`/`}` read in place of a full-width twin (already reported). */
  readonly substitute?: boolean;
  /** The file it was read from, when that is an included file (see `include.ts`). */
  readonly file?: string;
}

/** Result of {@link lexNginx}: every token, and every problem found (lexing never throws). */
export interface LexResult {
  readonly tokens: readonly Token[];
  readonly diagnostics: readonly Diagnostic[];
}

/** Options of {@link lexNginx}. */
export interface LexOptions {
  /** File name used in diagnostics; default `"nginx.conf"`. */
  readonly file?: string;
}

const FULL_WIDTH: Readonly<Record<string, { ascii: ";" | "{" | "}"; name: string }>> = {
  "\uFF1B": { ascii: ";", name: "semicolon (U+FF1B)" },
  "\uFF5B": { ascii: "{", name: "left curly bracket (U+FF5B)" },
  "\uFF5D": { ascii: "}", name: "right curly bracket (U+FF5D)" },
};

function isSpace(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\r" || c === "\n";
}

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "'": "'",
  "\\": "\\",
  t: "\t",
  r: "\r",
  n: "\n",
};

/**
 * Splits nginx configuration text into tokens. Collects all problems instead of stopping
 * at the first: an unterminated string, a character glued to a closing quote, a
 * full-width terminator.
 * @param text the configuration text (a BOM, if any, is kept)
 * @param options `file` for diagnostics
 * @returns `{ tokens, diagnostics }`
 * @example
 * ```ts
 * const { tokens } = lexNginx("listen 8000 ssl;\n");
 * tokens.map((t) => `${t.line}:${t.column} ${t.value}`); // ["1:1 listen", "1:8 8000", "1:13 ssl", "1:16 ;"]
 * ```
 */
export function lexNginx(text: string, options: LexOptions = {}): LexResult {
  const file = options.file ?? "nginx.conf";
  const cs = Array.from(text);
  const tokens: Token[] = [];
  const diagnostics: Diagnostic[] = [];
  let i = 0;
  let line = 1;
  let column = 1;
  const advance = (): string => {
    const c = cs[i++] as string;
    if (c === "\n") {
      line++;
      column = 1;
    } else {
      column++;
    }
    return c;
  };
  const error = (message: string, hint: string, at: { line: number; column: number }) => {
    diagnostics.push({
      severity: "error",
      code: ErrorCode.CONFIG_SYNTAX,
      message,
      hint,
      location: { file, line: at.line, column: at.column },
    });
  };

  while (i < cs.length) {
    const c = cs[i] as string;
    if (isSpace(c)) {
      advance();
      continue;
    }
    const start = { offset: i, line, column };
    if (c === "#") {
      while (i < cs.length && cs[i] !== "\n") advance();
      continue;
    }
    if (c === ";" || c === "{" || c === "}") {
      advance();
      tokens.push({ kind: c, value: c, raw: c, ...start });
      continue;
    }
    if (c === '"' || c === "'") {
      advance();
      let value = "";
      let closed = false;
      while (i < cs.length) {
        const ch = advance();
        if (ch === "\\" && i < cs.length) {
          const next = advance();
          value += ESCAPES[next] ?? `\\${next}`;
        } else if (ch === c) {
          closed = true;
          break;
        } else {
          value += ch;
        }
      }
      tokens.push({
        kind: TokenKind.STRING,
        value,
        raw: cs.slice(start.offset, i).join(""),
        ...start,
      });
      if (!closed) {
        error(
          `Unexpected end of file: the string opened at ${start.line}:${start.column} is not closed, expecting ${c}`,
          `add the closing ${c}`,
          start,
        );
      } else if (i < cs.length && !isSpace(cs[i]) && cs[i] !== ";" && cs[i] !== "{") {
        error(
          `Unexpected "${cs[i]}" after the closing quote: expecting a space, ";" or "{"`,
          "put a space after the quoted string, or move the character inside the quotes",
          { line, column },
        );
      }
      continue;
    }
    // An unquoted word.
    let value = "";
    let afterDollar = false;
    let substitute: { ascii: ";" | "{" | "}"; at: typeof start } | undefined;
    while (i < cs.length) {
      const ch = cs[i] as string;
      if (ch === "{" && afterDollar) {
        value += advance();
        afterDollar = false;
        continue;
      }
      afterDollar = false;
      if (isSpace(ch) || ch === ";" || ch === "{") break;
      const twin = FULL_WIDTH[ch];
      if (twin) {
        let j = i + 1;
        while (j < cs.length && !isSpace(cs[j]) && cs[j] !== ";" && cs[j] !== "{") j++;
        const word = cs.slice(start.offset, j).join("");
        const consequence =
          twin.ascii === ";"
            ? ", and the directive runs on into what follows"
            : ", and the block structure breaks";
        error(
          `Full-width ${twin.name} is not nginx syntax: nginx reads "${word}" as a word${consequence}`,
          `replace the full-width ${twin.name} with '${twin.ascii}'`,
          { line, column },
        );
        substitute = { ascii: twin.ascii, at: { offset: i, line, column } };
        advance();
        break;
      }
      if (ch === "\\" && i + 1 < cs.length) {
        advance();
        const next = advance();
        value += ESCAPES[next] ?? `\\${next}`;
        continue;
      }
      if (ch === "$") afterDollar = true;
      value += advance();
    }
    const end = substitute ? substitute.at.offset : i;
    if (end > start.offset) {
      tokens.push({
        kind: TokenKind.WORD,
        value,
        raw: cs.slice(start.offset, end).join(""),
        ...start,
      });
    }
    if (substitute) {
      tokens.push({
        kind: substitute.ascii,
        value: substitute.ascii,
        raw: cs[substitute.at.offset] as string,
        ...substitute.at,
        substitute: true,
      });
    }
  }
  return { tokens, diagnostics };
}
