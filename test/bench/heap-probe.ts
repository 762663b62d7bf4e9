/**
 * Preloaded into a benchmarked server process (`node --expose-gc --require tsx/cjs --require
 * test/bench/heap-probe.ts ...`): on SIGUSR2 it collects garbage and prints the heap as one JSON
 * line. The probe lives with the benchmark, so nothing of it reaches the production schema or code.
 */
process.on("SIGUSR2", () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const { heapUsed, heapTotal, rss } = process.memoryUsage();
  process.stdout.write(
    JSON.stringify({ heapProbe: { heapUsed, heapTotal, rss, collected: Boolean(gc) } }) + "\n",
  );
});
