/**
 * Reloads of `mtls gateway` (SIGHUP, and file changes with `--watch`): read the
 * configuration again, refuse a change of the listen addresses, warn about listener
 * settings that need a restart, apply the rest (the whole configuration, for new requests
 * and connections); a file that does not load leaves everything running as it was.
 * Reloads run one at a time.
 * @module
 */
import { configChange } from "../gateway/config-change.ts";
import { ConfigError, formatDiagnostic } from "../gateway/diagnostic.ts";
import type { LoadedGateway } from "../gateway/nginx/load.ts";
import { checkReload } from "../gateway/reload-plan.ts";
import { configFiles, type FileWatcher, watchFiles } from "../gateway/watch-files.ts";

/** Options of {@link startReloads}. */
export interface ReloadOptions {
  /** What runs now. */
  readonly loaded: LoadedGateway;
  /** Reads the configuration file again (throws `ConfigError`). */
  readonly load: () => LoadedGateway;
  /** Applies a loaded configuration; returns text appended to `mtls: reloaded`. */
  readonly apply: (next: LoadedGateway) => Promise<string> | string;
  /** Watch the configuration and the files it names (`--watch`). */
  readonly watch: boolean;
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

/** Reloads on demand and, with `watch`, on file changes. */
export interface Reloads {
  /** Queues a reload; `why` starts the log line (`SIGHUP received`). */
  reload(why: string): Promise<void>;
  /** Stops watching. */
  close(): void;
}

/**
 * Sets up reloads.
 * @param options what runs, how to load and apply, whether to watch, output
 * @returns the reload queue
 */
export function startReloads(options: ReloadOptions): Reloads {
  const { stdout, stderr } = options;
  let running = options.loaded.config;
  let queue = Promise.resolve();
  let watcher: FileWatcher | undefined;
  const once = async (why: string) => {
    stdout(`mtls: ${why}, reloading the configuration\n`);
    let next: LoadedGateway;
    try {
      next = options.load();
    } catch (e) {
      const ds = e instanceof ConfigError ? e.diagnostics : [];
      for (const d of ds) stderr(`mtls: ${formatDiagnostic(d)}\n`);
      stderr(`mtls: reload failed, keeping the running configuration: ${(e as Error).message}\n`);
      return;
    }
    try {
      checkReload(running, next.config);
    } catch (e) {
      const ds = e instanceof ConfigError ? e.diagnostics : [];
      for (const d of ds) stderr(`mtls: ${formatDiagnostic(d)}\n`);
      stderr(`mtls: reload failed, keeping the running configuration: ${(e as Error).message}\n`);
      return;
    }
    const change = configChange(running, next.config);
    if (change.kind === "restart-needed") stderr(`mtls: warning: ${change.message}\n`);
    try {
      const suffix = await options.apply(next);
      running = next.config;
      watcher?.update(configFiles(next.config));
      stdout(`mtls: reloaded${suffix}\n`);
    } catch (e) {
      stderr(`mtls: reload failed, keeping the running configuration: ${(e as Error).message}\n`);
    }
  };
  const reload = (why: string) => {
    queue = queue.then(() => once(why));
    return queue;
  };
  if (options.watch) {
    watcher = watchFiles(
      configFiles(running),
      (changed) => void reload(`${changed.join(", ")} changed`),
      { onError: (dir, e) => stderr(`mtls: warning: cannot watch ${dir}: ${e.message}\n`) },
    );
    stdout(`mtls: watching ${configFiles(running).length} files for changes\n`);
  }
  return {
    reload,
    close: () => watcher?.close(),
  };
}
