/**
 * Helpers shared by the `mtls pki` subcommands: output, option parsers and help texts.
 * @module
 */
import type { Command } from "commander";
import { ErrorCode, MtlsError } from "../../errors.ts";
import type { SubjectAltName } from "../../pki/san.ts";
import { parseSanList } from "../../pki/san.ts";
import { parseSubject } from "../../pki/subject.ts";
import { MAX_DAYS } from "../../pki/validity.ts";

/** `--days` help for leaf certificates. */
export const DAYS_HELP =
  "validity in days (default 397; at most 825 without --allow-long-validity)";

/** How subjects are ordered, for `--help`. */
export const SUBJECT_ORDER =
  'attributes in DER order, most specific last, as openssl -subj: "O=Example,CN=localhost" or "/O=Example/CN=localhost" (RFC 4514 strings list them the other way round)';

/**
 * Writes to the stdout that `runProgram` configured on the root command.
 * @param cmd the running command (`this` in an action)
 * @param text what to print, newlines included
 */
export function print(cmd: Command, text: string): void {
  let root = cmd;
  while (root.parent) root = root.parent;
  const out = root.configureOutput().writeOut;
  if (out) out(text);
  else process.stdout.write(text);
}

/**
 * Writes a line to the stderr that `runProgram` configured on the root command (warnings
 * that must not mix with the command's output).
 * @param cmd the running command (`this` in an action)
 * @param text what to print, newlines included
 */
export function printErr(cmd: Command, text: string): void {
  let root = cmd;
  while (root.parent) root = root.parent;
  const err = root.configureOutput().writeErr;
  if (err) err(text);
  else process.stderr.write(text);
}

/**
 * Parses `--days` of a certificate.
 * @param value the option text
 * @returns days, 1 to `MAX_DAYS`
 * @throws MtlsError `MTLS_USAGE` otherwise
 */
export function parseDays(value: string): number {
  const days = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    throw new MtlsError(
      ErrorCode.USAGE,
      `Bad --days '${value}': expected an integer from 1 to ${MAX_DAYS}`,
    );
  }
  return days;
}

/**
 * Accumulates repeated `--san` lists.
 * @param value one list, e.g. `DNS:localhost,IP:127.0.0.1`
 * @param previous the SANs of earlier occurrences
 * @returns all SANs so far
 * @throws MtlsError `MTLS_USAGE` when a SAN is malformed
 */
export function collectSans(value: string, previous: SubjectAltName[] = []): SubjectAltName[] {
  try {
    return [...previous, ...parseSanList(value)];
  } catch (e) {
    // A malformed option value is a usage error (exit 2), like a bad --days or --profile.
    if (!(e instanceof MtlsError)) throw e;
    throw new MtlsError(ErrorCode.USAGE, e.message, {
      cause: e,
      ...(e.hint === undefined ? {} : { hint: e.hint }),
    });
  }
}

/**
 * Parses `--at`: an ISO 8601 date or date-time.
 * @param value the option text
 * @returns the instant
 * @throws MtlsError `MTLS_USAGE` when it is not a date
 */
export function parseAt(value: string): Date {
  const t = Date.parse(value);
  if (!/^\d{4}-\d\d-\d\d/.test(value) || Number.isNaN(t)) {
    throw new MtlsError(
      ErrorCode.USAGE,
      `Bad --at '${value}': expected an ISO 8601 date such as 2027-01-31 or 2027-01-31T12:00:00Z`,
    );
  }
  return new Date(t);
}

/**
 * Parses `--path-len`: RFC 5280 §4.2.1.9 pathLenConstraint.
 * @param value the option text
 * @returns 0 to 99
 * @throws MtlsError `MTLS_USAGE` otherwise
 */
export function parsePathLen(value: string): number {
  if (!/^\d{1,2}$/.test(value)) {
    throw new MtlsError(
      ErrorCode.USAGE,
      `Bad --path-len '${value}': expected an integer from 0 to 99`,
    );
  }
  return Number(value);
}

/**
 * Accumulates a repeatable option.
 * @param value this occurrence
 * @param previous earlier occurrences
 * @returns all values so far
 */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The profiles `--profile` accepts, for `--help`. */
export const PROFILE_NAMES = "server, client, server-client or ca";
/** `--allow-san` help. */
export const ALLOW_SAN_HELP =
  "CA policy: allowed SANs, e.g. DNS:*.example.com, IP:10.0.0.0/8, URI:spiffe://example.org/* (repeatable); anything else is refused";

/**
 * Checks a `--subject` value when the option is parsed, so a malformed subject is a usage
 * error (exit 2) like any other malformed option value.
 * @param value the option text, e.g. `O=Example,CN=localhost`
 * @returns `value` unchanged
 * @throws MtlsError `MTLS_USAGE` with the parser's message, e.g. `Bad subject 'localhost': ...`
 */
export function checkSubjectOption(value: string): string {
  try {
    parseSubject(value);
    return value;
  } catch (e) {
    if (!(e instanceof MtlsError)) throw e;
    throw new MtlsError(ErrorCode.USAGE, e.message, {
      cause: e,
      ...(e.hint === undefined ? {} : { hint: e.hint }),
    });
  }
}
