/** What a long job reports: rows (or iterations) done, and how far through its input it is, if known. */
export interface ProgressState {
  rows: number;
  bytesRead?: number;
  totalBytes?: number;
}

export interface ProgressOptions {
  everyMs?: number;
  now?: () => number;
  write?: (line: string) => void;
}

export interface ProgressPrinter {
  update(state: ProgressState): void;
  /** The final line, printed only when progress lines were. */
  done(): void;
}

/**
 * Prints a long job's progress to stderr, at most every `everyMs` (2 s):
 *   "  1,234,567 rows, 412,000 rows/s, 45%, ETA 6 s"
 * Silent for a job that ends within that time, so short imports stay quiet.
 * `update` can be passed as is, e.g. `onProgress: printer.update`.
 */
export function progressPrinter(
  unit = "rows",
  {
    everyMs = 2000,
    now = Date.now,
    write = (line: string) => void process.stderr.write(`${line}\n`),
  }: ProgressOptions = {},
): ProgressPrinter {
  const start = now();
  let lastPrint = start;
  let latest: ProgressState = { rows: 0 };
  const count = (n: number) => Math.round(n).toLocaleString("en-US");
  const duration = (s: number) => (s < 120 ? `${Math.ceil(s)} s` : `${Math.round(s / 60)} min`);
  const rate = (seconds: number) => `${count(latest.rows / Math.max(seconds, 0.001))} ${unit}/s`;
  return {
    update(state) {
      latest = state;
      const t = now();
      if (t - lastPrint < everyMs) return;
      lastPrint = t;
      const seconds = (t - start) / 1000;
      let line = `  ${count(state.rows)} ${unit}, ${rate(seconds)}`;
      if (state.totalBytes && state.bytesRead !== undefined) {
        const fraction = Math.min(state.bytesRead / state.totalBytes, 1);
        line += `, ${Math.floor(fraction * 100)}%`;
        if (fraction > 0) line += `, ETA ${duration((seconds * (1 - fraction)) / fraction)}`;
      }
      write(line);
    },
    done() {
      const seconds = (now() - start) / 1000;
      if (lastPrint > start)
        write(`  ${count(latest.rows)} ${unit} in ${duration(seconds)}, ${rate(seconds)}`);
    },
  };
}
