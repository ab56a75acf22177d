/**
 * The PROXY protocol constants moved to `src/proxy-protocol/constants.ts` (shared by the
 * gateway and the capture analyzer); this path re-exports them for existing importers.
 * @module
 */
export * from "../../proxy-protocol/constants.ts";
