/**
 * Reads a gateway configuration file (nginx or native YAML) as text: a file that cannot
 * be read gives one diagnostic in plain words ("no such file", not `ENOENT: ...`), and a
 * file that is not text (a NUL byte, mostly control characters or invalid UTF-8, e.g. a
 * certificate in DER or a tarball passed by mistake) gives one diagnostic with the byte
 * offset, instead of a flood of "unknown directive" errors full of binary junk.
 * @module
 */

import { ErrorCode } from "../errors.ts";
import { describeReadError, readRegularFile } from "../files.ts";
import { ConfigError } from "./diagnostic.ts";

/** Options of {@link readConfigText}. */
export interface ReadConfigTextOptions {
  /** Reads a file; default `readRegularFile` (regular files up to 16 MiB). */
  readonly readFile?: (path: string) => Buffer;
  /** What the file should be, for messages; default `"nginx configuration"`. */
  readonly what?: string;
}

/** Where and why a byte string is not text; see {@link findNonText}. */
export interface NonText {
  /** `binary`: a NUL byte, or more than 30% control characters or invalid UTF-8; `encoding`: text, but not UTF-8. */
  readonly kind: "binary" | "encoding";
  /** Byte offset (0-based) of the first NUL, control character or invalid UTF-8 sequence. */
  readonly offset: number;
}

/** Share of suspicious characters (controls, invalid UTF-8) above which a file is binary. */
const BINARY_SHARE = 0.3;

/** C0 controls except tab, LF, VT, FF, CR; DEL; C1 controls. */
function isControl(cp: number): boolean {
  return (cp < 0x20 && (cp < 0x09 || cp > 0x0d)) || (cp >= 0x7f && cp <= 0x9f);
}

/**
 * Length of the valid UTF-8 sequence at `i` (1 to 4), or 0 when it is invalid (a stray
 * continuation byte, an overlong form, a surrogate, above U+10FFFF, or cut short).
 * Source: RFC 3629 §4 (the syntax of UTF-8 byte sequences).
 */
function utf8Length(b: Uint8Array, i: number): number {
  const c = b[i] as number;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => {
    const x = b[i + k];
    return x !== undefined && x >= lo && x <= hi;
  };
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/**
 * Tells whether bytes are not UTF-8 text, in time linear in their length: `binary` when
 * there is a NUL byte or more than 30% of the characters are control characters (other
 * than tab, LF, VT, FF, CR) or invalid UTF-8; `encoding` when a few bytes are invalid
 * UTF-8 (text in another encoding, e.g. Latin-1).
 * @param bytes the file's content
 * @returns `{ kind, offset }`, or undefined for UTF-8 text (a BOM and a few stray
 *   control characters included)
 */
export function findNonText(bytes: Uint8Array): NonText | undefined {
  let first: number | undefined;
  let firstInvalid: number | undefined;
  let nul = false;
  let suspicious = 0;
  let chars = 0;
  for (let i = 0; i < bytes.length; ) {
    const n = utf8Length(bytes, i);
    chars++;
    if (n === 0) {
      suspicious++;
      firstInvalid ??= i;
      first ??= i;
      i++;
      continue;
    }
    const c = bytes[i] as number;
    const cp = n === 1 ? c : n === 2 ? ((c & 0x1f) << 6) | ((bytes[i + 1] as number) & 0x3f) : -1;
    if (isControl(cp)) {
      suspicious++;
      first ??= i;
      if (cp === 0) nul = true;
    }
    i += n;
  }
  if (first === undefined) return undefined;
  if (nul || suspicious > chars * BINARY_SHARE) return { kind: "binary", offset: first };
  if (firstInvalid !== undefined) return { kind: "encoding", offset: firstInvalid };
  return undefined;
}

/**
 * Reads a configuration file and decodes it as UTF-8.
 * @param file path of the configuration file
 * @param options `readFile` (injectable for tests), `what` (default `"nginx configuration"`)
 * @returns the file's text
 * @throws {ConfigError} one `MTLS_FILE` diagnostic (no location) when the file cannot be read,
 *   e.g. `Cannot read configuration file gw.conf: no such file`, or is not UTF-8 text
 *   (see {@link findNonText}), e.g. `rand.conf is not a text nginx configuration (binary
 *   data at byte 0)`
 * @example
 * ```ts
 * const text = readConfigText("gateway.conf");
 * ```
 */
export function readConfigText(file: string, options: ReadConfigTextOptions = {}): string {
  const readFile = options.readFile ?? ((p: string) => readRegularFile(p));
  let bytes: Buffer;
  try {
    bytes = readFile(file);
  } catch (e) {
    throw new ConfigError([
      {
        severity: "error",
        code: ErrorCode.FILE,
        message: `Cannot read configuration file ${file}: ${describeReadError(e)}`,
      },
    ]);
  }
  const what = options.what ?? "nginx configuration";
  const nonText = findNonText(bytes);
  if (nonText?.kind === "binary") {
    throw new ConfigError([
      {
        severity: "error",
        code: ErrorCode.FILE,
        message: `${file} is not a text ${what} (binary data at byte ${nonText.offset})`,
      },
    ]);
  }
  if (nonText?.kind === "encoding") {
    const byte = (bytes[nonText.offset] as number).toString(16).toUpperCase().padStart(2, "0");
    throw new ConfigError([
      {
        severity: "error",
        code: ErrorCode.FILE,
        message: `${file} is not UTF-8 text: byte 0x${byte} at byte ${nonText.offset} is not valid UTF-8`,
        hint: `save the ${what} as UTF-8, e.g. \`iconv -f latin1 -t utf-8\``,
      },
    ]);
  }
  return bytes.toString("utf8");
}
