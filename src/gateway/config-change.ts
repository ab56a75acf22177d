/**
 * What a reload can apply: certificates, keys, CAs and CRLs are swapped in place for new
 * connections; everything else (listen addresses, server names, locations, upstreams,
 * logs) belongs to the running listeners and needs a restart. This compares the running
 * configuration with the one just read so a reload says so instead of silently keeping
 * the old settings.
 * @module
 */
import type { GatewayConfig } from "./config.ts";

/** The outcome of {@link configChange}. */
export type ConfigChange =
  /** Only file contents (or nothing) changed: the reload applies everything. */
  | { readonly kind: "files" }
  /** Settings changed that the running listeners keep until a restart. */
  | { readonly kind: "restart-needed"; readonly message: string }
  /** The new configuration cannot be matched with the running one (blocks added or removed). */
  | { readonly kind: "incompatible"; readonly message: string };

/** A FileRef (`path` plus only `location`/`setting`), or a list of objects holding them. */
function isFileRefs(v: unknown): boolean {
  if (Array.isArray(v))
    return (
      v.length > 0 &&
      v.every((x) => typeof x === "object" && x !== null && Object.values(x).some(isFileRefs))
    );
  if (typeof v !== "object" || v === null) return false;
  const keys = Object.keys(v);
  return (
    keys.includes("path") && keys.every((k) => k === "path" || k === "location" || k === "setting")
  );
}

/** The config as comparable JSON: source positions left out. */
function shape(config: unknown): string {
  return JSON.stringify(config, (key, value: unknown) =>
    key === "location" || key === "source" || key === "setting" ? undefined : value,
  );
}

/**
 * Compares the running configuration with a newly read one.
 * @param running the configuration the gateway runs
 * @param next the configuration just read from the same file
 * @returns `files`, `restart-needed` (with a message) or `incompatible` (with a message)
 */
export function configChange(running: GatewayConfig, next: GatewayConfig): ConfigChange {
  if (running.servers.length !== next.servers.length) {
    return {
      kind: "incompatible",
      message: `Cannot reload: the number of server blocks changed from ${running.servers.length} to ${next.servers.length}, restart to apply it`,
    };
  }
  // The client-side TLS files are what a reload re-reads: their paths may change too.
  const keep = (c: GatewayConfig) => ({
    ...c,
    servers: c.servers.map((s) => ({
      ...s,
      tls: Object.fromEntries(Object.entries(s.tls).filter(([, v]) => !isFileRefs(v))),
    })),
  });
  if (shape(keep(running)) === shape(keep(next))) return { kind: "files" };
  return {
    kind: "restart-needed",
    message:
      "The configuration changed beyond certificate, key, CA and CRL files: listen, server, location, upstream and log settings keep their running values until a restart",
  };
}
