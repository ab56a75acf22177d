/**
 * The one way mtlskit loads `@peculiar/x509`: lazily, on first use, with Node's WebCrypto
 * as its crypto provider.
 *
 * Two things happen on that first call and never at import time:
 * 1. `@peculiar/x509` 2.x depends on `tsyringe`, which throws when it is evaluated unless
 *    the `reflect-metadata` polyfill is loaded; we import that package first (it keeps an
 *    existing `Reflect.getMetadata`; `src/cli/main.ts` also imports it).
 * 2. `x509.cryptoProvider.set(webcrypto)`.
 *
 * It is loaded through `require` (its CommonJS build) so {@link loadX509Sync} can serve
 * lazy getters; `loadX509` returns the same module. Issuing and CRLs use it too
 * (`sign.ts`, `ca.ts`), so a cold `mtls pki issue` pays its ~0.4 s of module loading;
 * commands that only read keys or PEM still do not.
 *
 * Because of (1), a module that may run outside the CLI (tests, the library) should use
 * `import type` for x509's types and `await loadX509()` for its values.
 * @module
 */
import { webcrypto } from "node:crypto";
import { createRequire } from "node:module";

/** The `@peculiar/x509` module namespace. */
export type X509Module = typeof import("@peculiar/x509");

let loaded: X509Module | undefined;

/**
 * Loads `@peculiar/x509` synchronously (its CommonJS build), once, with Node's WebCrypto as
 * its crypto provider: for lazy getters that cannot await. Same module as {@link loadX509}.
 * @returns the module namespace (memoized)
 * @throws whatever `require` throws (a broken installation)
 */
export function loadX509Sync(): X509Module {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    // tsyringe checks for the polyfill when it is evaluated, so it must come first.
    require("reflect-metadata");
    const x509 = require("@peculiar/x509") as X509Module;
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    loaded = x509;
  }
  return loaded;
}

/**
 * Loads `@peculiar/x509` once, with Node's WebCrypto as its crypto provider.
 * @returns the module namespace (memoized: every call returns the same module)
 * @throws whatever loading throws (a broken installation)
 * @example
 * ```ts
 * const x509 = await loadX509();
 * const cert = new x509.X509Certificate(pem);
 * ```
 */
export async function loadX509(): Promise<X509Module> {
  return loadX509Sync();
}
