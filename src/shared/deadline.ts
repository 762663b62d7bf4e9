/**
 * Waits for `work` at most `ms` milliseconds. The work is not cancelled: it goes on in the background
 * (on Lambda, a frozen container resumes it in its next invocation).
 */
export async function settleWithin(work: Promise<unknown>, ms: number): Promise<void> {
  const settled = work.then(
    () => undefined,
    () => undefined,
  );
  if (!Number.isFinite(ms)) return settled; // setTimeout would treat Infinity as 1 ms
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, ms))));
  try {
    await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}
