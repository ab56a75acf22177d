/**
 * PEM text (RFC 7468): encode DER bytes, and decode with errors that say which file,
 * which line and what was expected.
 * @module
 */
import { ErrorCode, MtlsError } from "../errors.ts";

/** One `-----BEGIN label-----` ... `-----END label-----` block. */
export interface PemBlock {
  /** The label, e.g. `CERTIFICATE REQUEST`. */
  readonly label: string;
  /** The decoded DER bytes. */
  readonly der: Uint8Array;
  /** 1-based line of the BEGIN line. */
  readonly line: number;
}

/** Options of {@link decodePem}. */
export interface DecodePemOptions {
  /** What the content is, for messages: `CSR`, `CA certificate`, `private key`. */
  readonly what: string;
  /** The file it came from, for messages; default `<input>`. */
  readonly path?: string;
}

const BEGIN = /^-----BEGIN ([A-Z0-9 ]+)-----\s*$/;
const END = /^-----END ([A-Z0-9 ]+)-----\s*$/;
const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;

function bad(options: DecodePemOptions, detail: string, line?: number): MtlsError {
  const path = options.path ?? "<input>";
  return new MtlsError(ErrorCode.PKI_BAD_INPUT, `Cannot read ${options.what} ${path}: ${detail}`, {
    ...(line === undefined || options.path === undefined
      ? {}
      : { location: { file: options.path, line, column: 1 } }),
    hint: `give a PEM file holding the ${options.what}`,
    details: { path },
  });
}

/**
 * Decodes every PEM block in `text`; text outside blocks (openssl's "explanatory text")
 * is ignored, as RFC 7468 §5.2 allows.
 * @param text PEM text
 * @returns the blocks in file order (may be empty)
 * @throws {MtlsError} `MTLS_PKI_BAD_INPUT` for a block without END, a mismatched END
 *   label, or a body that is not base64
 */
export function decodePemBlocks(text: string, options: DecodePemOptions): PemBlock[] {
  const lines = text.split(/\r?\n/);
  const blocks: PemBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const begin = BEGIN.exec(lines[i] ?? "");
    if (!begin) continue;
    const label = begin[1] ?? "";
    const start = i + 1;
    let body = "";
    for (i++; ; i++) {
      if (i >= lines.length) throw bad(options, `no -----END ${label}----- line`, start);
      const raw = (lines[i] ?? "").trim();
      const end = END.exec(raw);
      if (end) {
        if (end[1] !== label) {
          throw bad(options, `END label '${end[1]}' does not match BEGIN label '${label}'`, i + 1);
        }
        break;
      }
      if (raw.includes(":")) continue; // RFC 1421 headers (Proc-Type, DEK-Info)
      if (!BASE64_LINE.test(raw)) throw bad(options, `line ${i + 1} is not base64`, i + 1);
      body += raw;
    }
    const der = new Uint8Array(Buffer.from(body, "base64"));
    if (der.length === 0) throw bad(options, `empty ${label} block`, start);
    blocks.push({ label, der, line: start });
  }
  return blocks;
}

/**
 * Decodes the first PEM block whose label is one of `labels`.
 * @param text PEM text
 * @param labels accepted labels, e.g. `["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"]`
 * @returns the block
 * @throws {MtlsError} `MTLS_PKI_BAD_INPUT`: `Cannot read CSR x.csr: not PEM (no -----BEGIN
 *   line)`, or a block with another label, or a malformed block
 * @example
 * ```ts
 * const { der } = decodePem(text, ["CERTIFICATE"], { what: "CA certificate", path: "ca.crt" });
 * ```
 */
export function decodePem(
  text: string,
  labels: readonly string[],
  options: DecodePemOptions,
): PemBlock {
  const blocks = decodePemBlocks(text, options);
  if (blocks.length === 0) throw bad(options, "not PEM (no -----BEGIN line)");
  const found = blocks.find((b) => labels.includes(b.label));
  if (!found) {
    const seen = [...new Set(blocks.map((b) => b.label))].join("', '");
    throw bad(options, `found PEM '${seen}', expected '${labels[0]}'`, blocks[0]?.line);
  }
  return found;
}

/**
 * Encodes DER bytes as PEM with 64-character lines (RFC 7468 §2) and a final newline.
 * @param label e.g. `CERTIFICATE`, `PRIVATE KEY`
 * @param der the DER bytes
 */
export function encodePem(label: string, der: Uint8Array | ArrayBuffer): string {
  const b64 = Buffer.from(der instanceof ArrayBuffer ? new Uint8Array(der) : der).toString(
    "base64",
  );
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
