import { setTimeout as sleep } from "node:timers/promises";

/**
 * BatchGetItem and BatchWriteItem may leave part of a request unprocessed (throttling, size): call
 * `send` with what is left until nothing is, backing off with full jitter between rounds, and give up
 * loudly after `maxRounds`.
 */
export async function untilProcessed<T>(
  operation: string,
  pending: T[],
  maxRounds: number,
  send: (pending: T[]) => Promise<T[]>,
): Promise<void> {
  for (let round = 0; pending.length > 0; round++) {
    if (round === maxRounds) throw new Error(`${operation}: still unprocessed after ${round} rounds`);
    if (round > 0) await sleep(Math.min(1000, 25 * 2 ** round) * Math.random());
    pending = await send(pending);
  }
}
