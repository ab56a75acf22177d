/**
 * The PROXY protocol decoder moved to `src/proxy-protocol/decode.ts` (shared by the gateway
 * and the capture analyzer); this path re-exports it for existing importers.
 * @module
 */
export * from "../../proxy-protocol/decode.ts";
