/**
 * Passphrases for the CA key and PKCS#12 files: a file, an environment variable, or a
 * no-echo prompt on a terminal.
 * @module
 */
import { join } from "node:path";
import { ErrorCode, MtlsError } from "../../errors.ts";
import { readFileChecked, readRegularFile } from "../../files.ts";

/** Options of commands that load a CA key. */
export interface PassphraseOptions {
  /** File holding the passphrase (`--passphrase-file`). */
  passphraseFile?: string;
}

/** Environment variable holding the CA key's passphrase. */
export const PASSPHRASE_ENV = "MTLS_CA_PASSPHRASE";
/** Environment variable holding the PKCS#12 passphrase. */
export const P12_ENV = "MTLS_P12_PASSPHRASE";
/** `--passphrase-file` help. */
export const PASSPHRASE_HELP = `file holding the CA key's passphrase (else env ${PASSPHRASE_ENV}, else a prompt on a terminal)`;

/**
 * Reads a passphrase from the terminal without echo.
 * @param question the prompt, written to stderr
 * @returns the text typed, or undefined when stdin is not a terminal
 * @throws MtlsError `MTLS_USAGE` on Ctrl-C
 */
export async function promptHidden(question: string): Promise<string | undefined> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return undefined;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  let text = "";
  try {
    for await (const chunk of stdin) {
      for (const ch of String(chunk)) {
        if (ch === "\r" || ch === "\n") return text;
        if (ch === "\u0003")
          throw new MtlsError(ErrorCode.USAGE, "Cancelled at the passphrase prompt");
        if (ch === "\u007f") text = text.slice(0, -1);
        else text += ch;
      }
    }
    return text;
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write("\n");
  }
}

/**
 * The CA key's passphrase: `--passphrase-file`, else `MTLS_CA_PASSPHRASE`, else a no-echo
 * prompt when `needed` and stdin is a terminal.
 * @param opts the command's options (`passphraseFile`)
 * @param needed whether to prompt when neither the file nor the variable gives one
 * @returns the passphrase (a trailing newline of the file removed), or undefined
 * @throws MtlsError `MTLS_FILE` when the file cannot be read
 */
export async function passphraseFor(
  opts: PassphraseOptions,
  needed: boolean,
): Promise<string | undefined> {
  if (opts.passphraseFile !== undefined) {
    return readFileChecked(opts.passphraseFile, "passphrase file")
      .toString("utf8")
      .replace(/\r?\n$/, "");
  }
  const env = process.env[PASSPHRASE_ENV];
  if (env !== undefined && env !== "") return env;
  return needed ? promptHidden("CA key passphrase: ") : undefined;
}

/**
 * The passphrase to load the CA in `dir`: asked only when its ca.key is encrypted.
 * @param dir the CA store directory
 * @param opts the command's options (`passphraseFile`)
 * @returns `{ passphrase }`, or `{}` when none is given or needed
 */
export async function storePassphrase(
  dir: string,
  opts: PassphraseOptions,
): Promise<{ passphrase?: string }> {
  let encrypted = false;
  try {
    encrypted = readRegularFile(join(dir, "ca.key")).toString("utf8").includes("ENCRYPTED");
  } catch {
    // missing or unreadable: loadCaStore says so
  }
  const passphrase = await passphraseFor(opts, encrypted);
  return passphrase === undefined ? {} : { passphrase };
}
