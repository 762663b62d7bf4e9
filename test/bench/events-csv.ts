/**
 * A seeded, real-world-shaped events CSV for the benchmarks, streamed to a file (never held in memory):
 * "userId,itemId,timestamp,eventType" rows in time order.
 *  - items: Zipf popularity (exponent 1) over `items`; 40% of a user's events come from their own taste
 *    cluster (one of 50 strided item groups, Zipf within it), so that factors have something to find;
 *  - users: heavy-tailed activity: each user's share is lognormal (sigma 1.2), so a few users have
 *    hundreds of events and many have a handful;
 *  - types: view 90%, add_to_cart 7%, purchase 3%;
 *  - timestamps: unix seconds, spread evenly over the 90 days before 2026-01-01.
 * The file is written once per (rows, users, items, seed) under the temp dir and reused.
 */
import { createWriteStream, existsSync, renameSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import path from "node:path";
import { seededRandom } from "../../src/factors/random";

export interface EventsShape {
  rows: number;
  users: number;
  items: number;
  seed: number;
}

const CLUSTERS = 50;
const END = Date.parse("2026-01-01T00:00:00Z") / 1000;
const SPAN = 90 * 86_400;

/** The CSV's path under the temp dir, written first if missing. */
export async function eventsCsv(shape: EventsShape): Promise<string> {
  const file = path.join(
    tmpdir(),
    `recs-bench-events-${shape.rows}-${shape.users}u-${shape.items}i-s${shape.seed}.csv`,
  );
  if (existsSync(file)) return file;
  const started = performance.now();
  await writeEventsCsv(`${file}.partial`, shape);
  renameSync(`${file}.partial`, file);
  console.log(`wrote ${file} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return file;
}

export async function writeEventsCsv(file: string, { rows, users, items, seed }: EventsShape): Promise<void> {
  const random = seededRandom(seed);
  const itemCdf = zipfCdf(items, 1);
  const clusterSize = Math.floor(items / CLUSTERS);
  const clusterCdf = zipfCdf(clusterSize, 1);
  // Lognormal user activity, as a CDF to draw the user of each event from.
  const userCdf = new Float64Array(users);
  let total = 0;
  for (let u = 0; u < users; u++) {
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    total += Math.exp(1.2 * normal);
    userCdf[u] = total;
  }
  for (let u = 0; u < users; u++) userCdf[u]! /= total;
  // Item ranks to ids: a fixed shuffle, so that popular items are not simply the first ids.
  const itemOf = Int32Array.from({ length: items }, (_, i) => i);
  for (let i = items - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [itemOf[i], itemOf[j]] = [itemOf[j]!, itemOf[i]!];
  }
  const out = createWriteStream(file);
  out.write("userId,itemId,timestamp,eventType\n");
  let chunk: string[] = [];
  for (let e = 0; e < rows; e++) {
    const u = search(userCdf, random());
    let rank: number;
    if (random() < 0.4) {
      const cluster = u % CLUSTERS;
      rank = Math.min(items - 1, search(clusterCdf, random()) * CLUSTERS + cluster);
    } else rank = search(itemCdf, random());
    const p = random();
    const type = p < 0.9 ? "view" : p < 0.97 ? "add_to_cart" : "purchase";
    const timestamp = Math.floor(END - SPAN + (SPAN * e) / rows);
    chunk.push(
      `u${String(u).padStart(7, "0")},i${String(itemOf[rank]).padStart(6, "0")},${timestamp},${type}`,
    );
    if (chunk.length === 10_000) {
      if (!out.write(chunk.join("\n") + "\n")) await once(out, "drain");
      chunk = [];
    }
  }
  if (chunk.length) out.write(chunk.join("\n") + "\n");
  out.end();
  await once(out, "finish");
}

function zipfCdf(n: number, exponent: number): Float64Array {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < n; r++) cdf[r] = sum += 1 / Math.pow(r + 1, exponent);
  for (let r = 0; r < n; r++) cdf[r]! /= sum;
  return cdf;
}

/** The first index whose CDF value is >= x. */
function search(cdf: Float64Array, x: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `tsx events-csv.ts ROWS [USERS ITEMS SEED]`: writes (or finds) the file and prints its path. */
if (require.main === module) {
  const [rows, users, items, seed] = process.argv.slice(2).map(Number);
  void eventsCsv({ rows: rows!, users: users || 120_000, items: items || 20_000, seed: seed || 1 }).then(
    (file) => console.log(file),
  );
}
