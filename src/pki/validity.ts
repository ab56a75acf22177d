/**
 * Validity periods (RFC 5280 §4.1.2.5): notBefore backdated to absorb clock skew between
 * the issuer and relying parties, notAfter a whole number of days after issuance.
 * @module
 */

/** How far notBefore is backdated, in ms: 5 minutes. */
export const BACKDATE_MS = 5 * 60 * 1000;

/** The longest validity accepted, in days (100 years). */
export const MAX_DAYS = 36_500;

/** A certificate's validity period. */
export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * The validity of a certificate issued at `now`: notBefore = now − 5 minutes, notAfter =
 * now + `days` × 86 400 s, both truncated to whole seconds (what UTCTime/GeneralizedTime
 * encode, so the dates reported equal the dates in the certificate).
 * @param now issuance time
 * @param days validity in days, an integer from 1 to {@link MAX_DAYS}
 * @throws {RangeError} when `days` is not such an integer
 */
export function validityFrom(now: Date, days: number): Validity {
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    throw new RangeError(`Bad validity: ${days} days, expected an integer from 1 to ${MAX_DAYS}`);
  }
  const t = Math.floor(now.getTime() / 1000) * 1000;
  return { notBefore: new Date(t - BACKDATE_MS), notAfter: new Date(t + days * 86_400_000) };
}
