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
 * Because of (1), a module that may run outside the CLI (tests, the library) should use
 * `import type` for x509's types and `await loadX509()` for its values.
 * @module
 */
import { webcrypto } from "node:crypto";

/** The `@peculiar/x509` module namespace. */
export type X509Module = typeof import("@peculiar/x509");

let loading: Promise<X509Module> | undefined;

/**
 * Loads `@peculiar/x509` once, with Node's WebCrypto as its crypto provider.
 * @returns the module namespace (memoized: every call returns the same module)
 * @throws whatever the dynamic import throws (a broken installation)
 * @example
 * ```ts
 * const x509 = await loadX509();
 * const cert = new x509.X509Certificate(pem);
 * ```
 */
export function loadX509(): Promise<X509Module> {
  loading ??= (async () => {
    // tsyringe checks for the polyfill when it is evaluated, so it must come first.
    await import("reflect-metadata");
    const x509 = await import("@peculiar/x509");
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  })();
  return loading;
}
