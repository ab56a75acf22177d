/**
 * From the `ssl_session_cache` directive to the session store's limits.
 * @module
 */
import type { ServerConfig } from "./config.ts";
import type { SessionStoreOptions } from "./session-store.ts";

/**
 * The session store limits of a server block's `ssl_session_cache` and
 * `ssl_session_timeout` (nginx `ngx_http_ssl_module`): `builtin:N` caps the entries,
 * `shared:NAME:SIZE` the bytes; `off` and `none` keep no store.
 * @param server the server block
 * @returns `{ maxEntries | maxBytes, timeoutMs }` (ms), or undefined without a cache
 * @throws TypeError for a cache kind this code does not know
 */
export function sessionStoreOptions(server: ServerConfig): SessionStoreOptions | undefined {
  const c = server.tls.sessionCache;
  const timeoutMs = server.tls.sessionTimeoutSeconds * 1000;
  switch (c.kind) {
    case "off":
    case "none":
      return undefined;
    case "builtin":
      return { maxEntries: c.sessions, timeoutMs };
    case "shared":
      return { maxBytes: c.bytes, timeoutMs };
    default: {
      const never: never = c;
      throw new TypeError(`unknown session cache ${JSON.stringify(never)}`);
    }
  }
}
