/**
 * Keeps the events of the TCP connections a user asked for (`--stream`, `--host`,
 * `--port`), for every renderer alike. Warnings without a stream always pass; QUIC events
 * (no TCP stream) pass only when no filter is set.
 * @module
 */
import type { Endpoint } from "../capture/tcp-reassembler.ts";
import type { AnalyzerEvent } from "./events.ts";

/** The filters; all given ones must match. */
export interface ConnectionFilter {
  /** TCP stream index (tshark's `tcp.stream`). */
  readonly stream?: number;
  /** IP address of either endpoint, as printed (`127.0.0.1`, `::1`). */
  readonly host?: string;
  /** TCP port of either endpoint. */
  readonly port?: number;
}

function matches(
  f: ConnectionFilter,
  stream: number,
  client?: Endpoint,
  server?: Endpoint,
): boolean {
  if (f.stream !== undefined && stream !== f.stream) return false;
  const eps = [client, server].filter((e): e is Endpoint => e !== undefined);
  if (f.host !== undefined && !eps.some((e) => e.address === f.host)) return false;
  if (f.port !== undefined && !eps.some((e) => e.port === f.port)) return false;
  return true;
}

/**
 * Filters analyzer events by connection.
 *
 * @example
 * ```ts
 * const filter = new EventFilter({ port: 443 });
 * renderer.add(filter.apply(analyzer.push(chunk)));
 * ```
 */
export class EventFilter {
  readonly #filter: ConnectionFilter;
  readonly #active: boolean;
  readonly #kept = new Set<number>();

  /** @param filter the filters (none: everything passes) */
  constructor(filter: ConnectionFilter) {
    this.#filter = filter;
    this.#active =
      filter.stream !== undefined || filter.host !== undefined || filter.port !== undefined;
  }

  /**
   * @param events events in capture order
   * @returns the events of matching connections (the same array when no filter is set)
   */
  apply(events: AnalyzerEvent[]): AnalyzerEvent[] {
    if (!this.#active) return events;
    const out: AnalyzerEvent[] = [];
    for (const ev of events) {
      switch (ev.kind) {
        case "connection-open":
          if (matches(this.#filter, ev.stream, ev.client, ev.server)) {
            this.#kept.add(ev.stream);
            out.push(ev);
          }
          break;
        case "connection-close":
          if (this.#kept.delete(ev.stream)) out.push(ev);
          break;
        case "record":
        case "record-start":
        case "proxy-protocol":
          if (this.#kept.has(ev.stream)) out.push(ev);
          break;
        case "warning":
          if (ev.stream === undefined || this.#kept.has(ev.stream)) out.push(ev);
          break;
        case "quic-handshake":
          // QUIC has no TCP stream: --stream never matches it; --host and --port do.
          if (this.#filter.stream === undefined && matches(this.#filter, -1, ev.client, ev.server))
            out.push(ev);
          break;
      }
    }
    return out;
  }
}
