/**
 * The CA index as `mtls pki list` shows it: one row per issued certificate.
 * @module
 */
import type { IndexEntry } from "./store.ts";

/**
 * The status of an index entry at `now`: `revoked`, `expired` (valid in the index but past
 * notAfter) or `valid`.
 */
export function indexStatusAt(entry: IndexEntry, now: Date): "valid" | "revoked" | "expired" {
  if (entry.status === "revoked") return "revoked";
  return Date.parse(entry.notAfter) < now.getTime() ? "expired" : "valid";
}

/**
 * Formats index entries as an aligned table: SERIAL, STATUS (with the revocation reason),
 * PROFILE, NOT AFTER (date), SUBJECT, SANS.
 * @param entries in index order
 * @param now for the expired status
 * @returns the table with a final newline, or a sentence when there is nothing to list
 */
export function formatIndexTable(entries: readonly IndexEntry[], now: Date): string {
  if (entries.length === 0) return "No certificates issued yet\n";
  const rows = [
    ["SERIAL", "STATUS", "PROFILE", "NOT AFTER", "SUBJECT", "SANS"],
    ...entries.map((e) => [
      e.serial,
      indexStatusAt(e, now) + (e.status === "revoked" && e.reason ? ` (${e.reason})` : ""),
      e.profile,
      e.notAfter.slice(0, 10),
      e.subject,
      e.sans.join(","),
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return `${rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n`;
}
