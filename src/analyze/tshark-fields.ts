/**
 * Renders record events as tshark's `-T fields` output for the seven columns
 * `frame.number tcp.stream tls.record.version tls.record.content_type tls.handshake.type
 * tls.handshake.ciphersuite tls.alert_message.desc`, tab-separated, one line per frame that
 * carries TLS, values of a field comma-joined in record order (as `-E separator=/t` prints).
 * @module
 */
import type { AnalyzerEvent } from "./events.ts";

interface Row {
  /** undefined for QUIC (no TCP stream). */
  stream: number | undefined;
  versions: string[];
  types: number[];
  handshakes: number[];
  suites: string[];
  alerts: number[];
}

function hex4(v: number): string {
  return `0x${v.toString(16).padStart(4, "0")}`;
}

/**
 * Collects record events per frame and renders them in frame order.
 *
 * @example
 * ```ts
 * const w = new TsharkFieldsWriter();
 * w.add(analyzer.push(chunk));
 * process.stdout.write(w.flush());
 * ```
 */
export class TsharkFieldsWriter {
  readonly #rows = new Map<number, Row>();

  /** Adds events; only `record` events matter. */
  add(events: readonly AnalyzerEvent[]): void {
    for (const ev of events) {
      if (ev.kind !== "record" && ev.kind !== "record-start" && ev.kind !== "quic-handshake") {
        continue;
      }
      let row = this.#rows.get(ev.frame);
      if (!row) {
        row = {
          stream: ev.kind === "quic-handshake" ? undefined : ev.stream,
          versions: [],
          types: [],
          handshakes: [],
          suites: [],
          alerts: [],
        };
        this.#rows.set(ev.frame, row);
      }
      if (ev.kind === "record-start") continue;
      if (ev.kind === "quic-handshake") {
        for (const h of ev.handshakes) {
          row.handshakes.push(h.msgType);
          for (const c of h.cipherSuites) row.suites.push(hex4(c));
        }
        continue;
      }
      row.versions.push(hex4(ev.version));
      if (ev.contentType !== undefined) row.types.push(ev.contentType);
      for (const h of ev.handshakes) {
        row.handshakes.push(h.msgType);
        for (const s of h.cipherSuites) row.suites.push(hex4(s));
      }
      if (ev.alert) row.alerts.push(ev.alert.description);
    }
  }

  /**
   * Renders and forgets the rows collected so far, in frame order.
   * @returns the lines, each ending in "\n" (empty string when none)
   */
  flush(): string {
    const frames = [...this.#rows.keys()].sort((a, b) => a - b);
    let s = "";
    for (const f of frames) {
      const r = this.#rows.get(f)!;
      s += `${f}\t${r.stream ?? ""}\t${r.versions.join(",")}\t${r.types.join(",")}\t${r.handshakes.join(",")}\t${r.suites.join(",")}\t${r.alerts.join(",")}\n`;
    }
    this.#rows.clear();
    return s;
  }
}
