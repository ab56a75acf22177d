/**
 * A listener's server-side session cache (`ssl_session_cache`): Node's `newSession` and
 * `resumeSession` events stored in and looked up from a {@link SessionCache}.
 *
 * Source: nginx `ngx_http_ssl_module` `ssl_session_cache`; Node `tls.Server` events
 * `newSession`, `resumeSession`.
 * @module
 */
import type { Server } from "node:https";
import type { SessionCache } from "./session-store.ts";

/**
 * Stores the TLS sessions of `server` in `store` and resumes from it; a store or lookup
 * that fails resumes nothing (a full handshake) rather than stalling the handshake.
 * @param server the listener
 * @param store the cache (in-process, or the cluster's shared one)
 */
export function installSessionCache(server: Server, store: SessionCache): void {
  server.on("newSession", (id: Buffer, data: Buffer, done: () => void) => {
    Promise.resolve(store.set(id, data)).then(done, done);
  });
  server.on(
    "resumeSession",
    (id: Buffer, done: (err: Error | null, data: Buffer | null) => void) => {
      Promise.resolve(store.get(id)).then(
        (data) => done(null, data ?? null),
        () => done(null, null),
      );
    },
  );
}
