/**
 * The one way mtlskit loads `@peculiar/x509`: lazily, on first use, with Node's WebCrypto
 * as its crypto provider.
 *
 * Two things happen on that first call and never at import time:
 * 1. `@peculiar/x509` 2.x depends on `tsyringe`, which throws on import unless a
 *    `Reflect.getMetadata` polyfill is present (`reflect-metadata`, not a dependency of
 *    ours). When `Reflect.getMetadata` is missing we install the three functions tsyringe
 *    calls (`defineMetadata`, `getOwnMetadata`, `getMetadata`), backed by a `WeakMap`. A
 *    real polyfill already loaded is left alone.
 * 2. `x509.cryptoProvider.set(webcrypto)`.
 *
 * Because of (1) the library must be imported dynamically after the shim: use
 * `import type` for its types and `await loadX509()` for its values.
 * @module
 */
import { webcrypto } from "node:crypto";

/** The `@peculiar/x509` module namespace. */
export type X509Module = typeof import("@peculiar/x509");

let loading: Promise<X509Module> | undefined;

interface ReflectMetadata {
  defineMetadata?: (key: unknown, value: unknown, target: object) => void;
  getOwnMetadata?: (key: unknown, target: object) => unknown;
  getMetadata?: (key: unknown, target: object) => unknown;
}

function installReflectMetadataShim(): void {
  const reflect = Reflect as unknown as ReflectMetadata;
  if (typeof reflect.getMetadata === "function") return;
  const table = new WeakMap<object, Map<unknown, unknown>>();
  reflect.defineMetadata = (key, value, target) => {
    let entries = table.get(target);
    if (!entries) {
      entries = new Map();
      table.set(target, entries);
    }
    entries.set(key, value);
  };
  reflect.getOwnMetadata = (key, target) => table.get(target)?.get(key);
  reflect.getMetadata = (key, target) => {
    for (let o: object | null = target; o !== null; o = Object.getPrototypeOf(o) as object | null) {
      const entries = table.get(o);
      if (entries?.has(key)) return entries.get(key);
    }
    return undefined;
  };
}

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
    installReflectMetadataShim();
    const x509 = await import("@peculiar/x509");
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  })();
  return loading;
}
