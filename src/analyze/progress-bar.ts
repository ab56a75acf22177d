/**
 * A one-line progress bar for long captures, redrawn in place on a terminal:
 * `[#########...........]  45%  81.0/180.2 MB  62.3 MB/s  ETA 2 s`.
 * Pure formatting; the CLI decides when to draw (stderr is a TTY, file over a few MB).
 * @module
 */

/** Smallest file shown with a progress bar, in bytes (4 MiB). */
export const PROGRESS_MIN_BYTES = 4 * 1024 * 1024;

/** Least time between redraws, in ms. */
export const PROGRESS_INTERVAL_MS = 100;

/**
 * Formats the bar.
 * @param done bytes read so far
 * @param total file size in bytes (> 0)
 * @param elapsedMs time since the start, in ms
 * @param options `width`: bar width in characters, default 30
 * @returns the line, without `\r` or newline
 * @example
 * ```ts
 * formatProgress(50, 100, 1000); // "[###############...............]  50%  0.0/0.0 MB  0.0 MB/s  ETA 1 s"
 * ```
 */
export function formatProgress(
  done: number,
  total: number,
  elapsedMs: number,
  options: { readonly width?: number } = {},
): string {
  const width = options.width ?? 30;
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(fraction * width);
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  const rate = elapsedMs > 0 ? done / (elapsedMs / 1000) : 0;
  const eta = rate > 0 ? Math.ceil((total - done) / rate) : undefined;
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ${mb(done)}/${mb(total)} MB  ${mb(rate)} MB/s${eta === undefined ? "" : `  ETA ${eta} s`}`;
}

/**
 * Draws the bar at most every {@link PROGRESS_INTERVAL_MS} on a terminal stream.
 *
 * @example
 * ```ts
 * const bar = new ProgressBar(size, (s) => process.stderr.write(s));
 * bar.update(bytesRead);
 * bar.clear();
 * ```
 */
export class ProgressBar {
  readonly #total: number;
  readonly #write: (s: string) => void;
  readonly #now: () => number;
  readonly #start: number;
  #last = Number.NEGATIVE_INFINITY;
  #shown = false;

  /**
   * @param total file size in bytes
   * @param write writes to the terminal
   * @param options `now`: clock in ms, default `performance.now`
   */
  constructor(
    total: number,
    write: (s: string) => void,
    options: { readonly now?: () => number } = {},
  ) {
    this.#total = total;
    this.#write = write;
    this.#now = options.now ?? (() => performance.now());
    this.#start = this.#now();
  }

  /** @param done bytes read so far; redraws when the interval has passed */
  update(done: number): void {
    const now = this.#now();
    if (now - this.#last < PROGRESS_INTERVAL_MS) return;
    this.#last = now;
    this.#shown = true;
    this.#write(`\r${formatProgress(done, this.#total, now - this.#start)}\x1b[K`);
  }

  /** Erases the bar (before other output, and at the end). */
  clear(): void {
    if (!this.#shown) return;
    this.#shown = false;
    this.#last = Number.NEGATIVE_INFINITY;
    this.#write("\r\x1b[K");
  }
}
