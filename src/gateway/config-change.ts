/**
 * What a reload can apply. Like nginx's SIGHUP, a reload applies the whole new
 * configuration to new requests and connections — server blocks, locations, upstreams,
 * headers, authorization rules, logs, verify settings, certificates, keys, CAs and CRLs —
 * as long as the set of `listen` addresses is the same (mtlskit keeps its sockets; it does
 * not bind new ones on a reload). A few settings belong to a listening socket itself and
 * keep their running values until a restart; this compares the running configuration with
 * the one just read so a reload says so instead of silently keeping them.
 *
 * Source: nginx "Controlling nginx" (`HUP`: new workers start with the new configuration).
 * @module
 */
import type { GatewayConfig } from "./config.ts";
import { listenGroups, listenKey } from "./listener.ts";
import { sessionStoreOptions } from "./session-store-options.ts";
import { sameClientTrust } from "./tls-options.ts";

/** The outcome of {@link configChange}. */
export type ConfigChange =
  /** Only file contents (or nothing) changed. */
  | { readonly kind: "files" }
  /** Settings changed; the reload applies all of them. */
  | { readonly kind: "settings" }
  /** The reload applies the new configuration except the listener settings `message` names. */
  | { readonly kind: "restart-needed"; readonly message: string }
  /** The listen addresses changed: the reload is refused (`message` names them). */
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
 * The listen addresses of a configuration.
 * @param config the configuration
 * @returns `host:port` (`[v6]:port`) of each distinct address, in order of appearance
 */
export function listenAddresses(config: GatewayConfig): string[] {
  return listenGroups(config).map((g) => listenKey(g.listen));
}

/**
 * The settings of each listening socket that a reload cannot change: the listen
 * parameters, strict mode, the handshake and header timeouts of the default block, the
 * PROXY protocol and fingerprint front, the session cache, and the L4 streams.
 */
function listenerSettings(config: GatewayConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const g of listenGroups(config)) {
    const key = listenKey(g.listen);
    const servers = g.blocks.map((i) => config.servers[i]);
    const main = servers[g.defaultIndex];
    if (!main) continue;
    const params = servers.flatMap((s) =>
      (s?.listen ?? [])
        .filter((l) => l.host === g.listen.host && l.port === g.listen.port)
        // default_server is applied by a reload (the listener picks its default block anew).
        .map((l) => shape({ ...l, defaultServer: undefined })),
    );
    out[`${key} listen parameters`] = shape([...new Set(params)].sort());
    out[`${key} ssl_verify_client strict mode (mtls_reject_in_handshake)`] = shape(
      main.tls.rejectInHandshake === true,
    );
    out[`${key} ssl_handshake_timeout`] = shape(main.tls.handshakeTimeoutMs ?? null);
    out[`${key} client_header_timeout`] = shape(main.clientHeaderTimeoutMs ?? null);
    out[`${key} fingerprint lists`] = shape(
      servers.flatMap((s) => (s?.fingerprints ? [[s.serverNames, s.fingerprints]] : [])),
    );
    out[`${key} ssl_session_cache`] = shape([
      sessionStoreOptions(main) ?? null,
      sameClientTrust(servers),
    ]);
  }
  out.streams = shape(config.streams ?? []);
  return out;
}

/**
 * Compares the running configuration with a newly read one.
 * @param running the configuration the gateway runs
 * @param next the configuration just read from the same file
 * @returns `files` or `settings` (the reload applies everything), `restart-needed` (the
 *   reload applies everything but the listener settings its message names) or
 *   `incompatible` (the listen addresses changed; the message names them)
 */
export function configChange(running: GatewayConfig, next: GatewayConfig): ConfigChange {
  const streamAddresses = (c: GatewayConfig) =>
    (c.streams ?? []).flatMap((s) => s.listen.map((l) => `stream ${listenKey(l)}`));
  const before = [...listenAddresses(running), ...streamAddresses(running)];
  const after = [...listenAddresses(next), ...streamAddresses(next)];
  const added = after.filter((a) => !before.includes(a));
  const removed = before.filter((a) => !after.includes(a));
  if (added.length > 0 || removed.length > 0) {
    const parts = [
      ...(added.length ? [`${added.join(", ")} added`] : []),
      ...(removed.length ? [`${removed.join(", ")} removed`] : []),
    ];
    return {
      kind: "incompatible",
      message: `Cannot reload: the listen addresses changed (${parts.join("; ")}), a reload keeps the running sockets and binds no new ones, restart to apply it`,
    };
  }
  const a = listenerSettings(running);
  const b = listenerSettings(next);
  const kept = Object.keys({ ...a, ...b }).filter((k) => a[k] !== b[k]);
  if (kept.length > 0) {
    return {
      kind: "restart-needed",
      message: `Listener settings changed that keep their running values until a restart: ${kept.join(", ")}`,
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
  return shape(keep(running)) === shape(keep(next)) ? { kind: "files" } : { kind: "settings" };
}
