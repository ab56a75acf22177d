/**
 * `mtls gateway --watch`: the files a configuration depends on, and a debounced watcher
 * that reports when any of them changes. Directories are watched rather than the files,
 * so a file replaced by a rename (editors, `mv`, Kubernetes secret updates) or created
 * later is still seen.
 *
 * Source: Node `fs.watch` (inotify on Linux).
 * @module
 */
import { type FSWatcher, watch as fsWatch } from "node:fs";
import { basename, dirname } from "node:path";
import type { GatewayConfig } from "./config.ts";

/**
 * The configuration file and every file it names (certificates, keys, CAs, CRLs, on the
 * client and the upstream side, HTTP and stream servers): every `FileRef`-shaped value.
 * Logs are outputs and not included; nginx `include`d files are not tracked yet.
 * @param config the loaded configuration
 * @returns absolute paths, each once, the configuration file first
 */
export function configFiles(config: GatewayConfig): string[] {
  const found = new Set<string>();
  if (config.source) found.add(config.source);
  const visit = (v: unknown) => {
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    if (typeof v !== "object" || v === null) return;
    const o = v as Record<string, unknown>;
    // A FileRef: `path` plus only `location` and `setting` (a LocationConfig also has `match`).
    if (
      typeof o.path === "string" &&
      Object.keys(o).every((k) => k === "path" || k === "location" || k === "setting")
    ) {
      found.add(o.path);
      return;
    }
    for (const [k, x] of Object.entries(o)) if (k !== "location") visit(x);
  };
  for (const [k, v] of Object.entries(config)) if (k !== "source") visit(v);
  return [...found];
}

/** A running watcher. */
export interface FileWatcher {
  /** Watches a new set of files instead (after a reload named other files). */
  update(paths: readonly string[]): void;
  /** Stops watching. */
  close(): void;
}

/** Options of {@link watchFiles}. */
export interface WatchFilesOptions {
  /** Quiet time after the last change before `onChange` runs, in ms; default 300. */
  readonly debounceMs?: number;
  /** Watches a directory; default `fs.watch` (tests pass a fake). */
  readonly watch?: (
    dir: string,
    listener: (event: string, filename: string | null) => void,
  ) => Pick<FSWatcher, "close">;
  /** Timer; default `setTimeout`/`clearTimeout`. */
  readonly setTimer?: (fn: () => void, ms: number) => () => void;
  /** Told when a directory cannot be watched (it does not exist...). */
  readonly onError?: (dir: string, error: Error) => void;
}

function defaultTimer(fn: () => void, ms: number): () => void {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
}

/**
 * Calls `onChange` once the named files stop changing for `debounceMs`.
 * @param paths absolute paths to watch
 * @param onChange receives the changed paths (each once, in order of first change)
 * @param options debounce (ms), watch and timer functions, error callback
 * @returns the watcher, with `update()` and `close()`
 * @example
 * ```ts
 * const w = watchFiles(configFiles(config), () => reload());
 * // on exit: w.close();
 * ```
 */
export function watchFiles(
  paths: readonly string[],
  onChange: (changed: readonly string[]) => void,
  options: WatchFilesOptions = {},
): FileWatcher {
  const watch =
    options.watch ??
    ((dir: string, listener: (event: string, filename: string | null) => void) =>
      fsWatch(dir, { persistent: false }, listener));
  const setTimer = options.setTimer ?? defaultTimer;
  const debounceMs = options.debounceMs ?? 300;
  let watchers: Pick<FSWatcher, "close">[] = [];
  let pending: string[] = [];
  let cancel: (() => void) | undefined;
  const fire = () => {
    cancel = undefined;
    const changed = pending;
    pending = [];
    onChange(changed);
  };
  const start = (files: readonly string[]) => {
    const byDir = new Map<string, Map<string, string>>();
    for (const p of files) {
      const dir = dirname(p);
      let names = byDir.get(dir);
      if (!names) {
        names = new Map();
        byDir.set(dir, names);
      }
      names.set(basename(p), p);
    }
    for (const [dir, names] of byDir) {
      try {
        const w = watch(dir, (_event, filename) => {
          const path = filename === null ? undefined : names.get(basename(filename));
          if (!path) return;
          if (!pending.includes(path)) pending.push(path);
          cancel?.();
          cancel = setTimer(fire, debounceMs);
        });
        (w as Partial<FSWatcher>).on?.("error", (e: Error) => options.onError?.(dir, e));
        watchers.push(w);
      } catch (e) {
        options.onError?.(dir, e as Error);
      }
    }
  };
  const stop = () => {
    for (const w of watchers) w.close();
    watchers = [];
  };
  start(paths);
  return {
    update(next) {
      stop();
      start(next);
    },
    close() {
      stop();
      cancel?.();
      cancel = undefined;
      pending = [];
    },
  };
}
