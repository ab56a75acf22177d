import { ByteReader } from "./byte-reader.ts";
import { alertDescriptionName } from "./names.ts";

/** Alert levels (RFC 8446 §6, RFC 5246 §7.2). */
export const AlertLevel = { warning: 1, fatal: 2 } as const;

/** One of the {@link AlertLevel} values. */
export type AlertLevel = (typeof AlertLevel)[keyof typeof AlertLevel];

/**
 * A plaintext alert: `struct { AlertLevel level; AlertDescription description; } Alert;`
 * (RFC 8446 §6).
 */
export interface Alert {
  readonly level: number;
  /** `warning`, `fatal` or `unknown(N)`. */
  readonly levelName: string;
  readonly description: number;
  /** IANA name, e.g. `certificate_required`. */
  readonly descriptionName: string;
  readonly raw: Uint8Array;
}

/** The name of an alert level: `warning`, `fatal` or `unknown(N)`. */
export function alertLevelName(level: number): string {
  return level === AlertLevel.warning
    ? "warning"
    : level === AlertLevel.fatal
      ? "fatal"
      : `unknown(${level})`;
}

/**
 * Parses the fragment of a plaintext alert record (2 bytes).
 * @param fragment the record fragment
 * @returns the alert with names
 * @throws {ParseError} when the fragment is shorter than 2 bytes
 * @see RFC 8446 §6
 * @example
 * ```ts
 * parseAlert(Uint8Array.of(2, 48)).descriptionName; // "unknown_ca"
 * ```
 */
export function parseAlert(fragment: Uint8Array): Alert {
  const r = new ByteReader(fragment);
  const level = r.u8("AlertLevel");
  const description = r.u8("AlertDescription");
  return {
    level,
    levelName: alertLevelName(level),
    description,
    descriptionName: alertDescriptionName(description),
    raw: fragment.subarray(0, 2),
  };
}
