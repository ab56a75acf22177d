/**
 * Wiring a session cache (the in-process {@link SessionStore} or the cluster's shared one)
 * to a TLS server's session-ID resumption events (RFC 5246 §7.4.1.2 session_id;
 * nginx `ssl_session_cache`).
 * @module
 */
import type { Server } from "node:tls";
import type { SessionCache } from "./session-store.ts";

/**
 * Stores new sessions in `store` and resumes from it. A store that fails or is slow never
 * fails the handshake: a failed `get` gives a full handshake, a failed `set` is ignored.
 * @param server a `node:tls` or `node:https` server
 * @param store the cache (sync or async `get`/`set`)
 */
export function attachSessionCache(server: Server, store: SessionCache): void {
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
