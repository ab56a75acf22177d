/**
 * Renders the analysis as JSON Lines: one JSON object per TLS connection, written when the
 * connection closes, so output streams with bounded memory.
 * @module
 */
import { cipherSuiteName, handshakeTypeName, versionName } from "../tls/names.ts";
import { ConnectionSummarizer, type ConnectionSummary } from "./connection-summary.ts";
import type { AnalyzerEvent, RecordEvent } from "./events.ts";

/** Records kept per connection for the JSON output; later ones are counted, not listed. */
export const MAX_JSON_RECORDS = 10_000;

function hex4(v: number): string {
  return `0x${v.toString(16).padStart(4, "0")}`;
}

function recordJson(ev: RecordEvent): Record<string, unknown> {
  return {
    frame: ev.frame,
    direction: ev.direction === 0 ? "client" : "server",
    version: hex4(ev.version),
    contentType: ev.contentType ?? null,
    opaqueType: ev.opaqueType ?? null,
    encrypted: ev.encrypted,
    length: ev.length,
    handshakes: ev.handshakes.map((h) => ({
      type: h.msgType,
      name: ev.contentType === undefined ? `ssl2(${h.msgType})` : handshakeTypeName(h.msgType),
      length: h.length,
      ...(h.cipherSuites.length > 0 ? { cipherSuites: h.cipherSuites.map(hex4) } : {}),
      ...(h.certificateCount !== undefined ? { certificateCount: h.certificateCount } : {}),
      ...(h.helloRetryRequest ? { helloRetryRequest: true } : {}),
    })),
    ...(ev.alert ? { alert: { level: ev.alert.level, description: ev.alert.description } } : {}),
  };
}

/**
 * Formats one connection as a JSON object (no newline).
 * @param summary the connection's verdict
 * @param records its records (at most {@link MAX_JSON_RECORDS})
 * @param dropped records not listed
 */
export function connectionJson(
  summary: ConnectionSummary,
  records: readonly Record<string, unknown>[],
  dropped: number,
): string {
  return JSON.stringify({
    stream: summary.stream,
    client: summary.client ?? null,
    server: summary.server ?? null,
    version: summary.version === undefined ? null : versionName(summary.version),
    cipherSuite: summary.cipherSuite === undefined ? null : cipherSuiteName(summary.cipherSuite),
    helloRetryRequest: summary.helloRetryRequest,
    resumed: summary.resumed,
    clientCertRequested: summary.clientCertRequested,
    clientCertSent: summary.clientCertSent,
    clientCertCount: summary.clientCertCount ?? null,
    clientCertificates: summary.clientCertificates,
    serverCertificate: summary.serverCertificate ?? null,
    acceptableCas: summary.acceptableCas,
    alert: summary.alert ?? null,
    applicationData: summary.applicationData,
    outcome: summary.outcome,
    diagnosis: summary.diagnosis ?? null,
    records,
    ...(dropped > 0 ? { recordsNotListed: dropped } : {}),
  });
}

/**
 * Collects events and emits one JSON line per TLS connection.
 *
 * @example
 * ```ts
 * const w = new JsonLinesWriter();
 * out.write(w.add(analyzer.push(chunk)));
 * out.write(w.finish());
 * ```
 */
export class JsonLinesWriter {
  readonly #summaries = new ConnectionSummarizer();
  readonly #records = new Map<number, { list: Record<string, unknown>[]; dropped: number }>();

  /** @returns JSON lines for the connections these events closed ("" when none) */
  add(events: readonly AnalyzerEvent[]): string {
    for (const ev of events) {
      if (ev.kind !== "record") continue;
      let r = this.#records.get(ev.stream);
      if (!r) {
        r = { list: [], dropped: 0 };
        this.#records.set(ev.stream, r);
      }
      if (r.list.length < MAX_JSON_RECORDS) r.list.push(recordJson(ev));
      else r.dropped++;
    }
    return this.#render(this.#summaries.add(events));
  }

  /** @returns JSON lines for the connections still open at the end */
  finish(): string {
    return this.#render(this.#summaries.finish());
  }

  #render(summaries: readonly ConnectionSummary[]): string {
    let s = "";
    for (const summary of summaries) {
      const r = this.#records.get(summary.stream);
      this.#records.delete(summary.stream);
      s += `${connectionJson(summary, r?.list ?? [], r?.dropped ?? 0)}\n`;
    }
    return s;
  }
}
