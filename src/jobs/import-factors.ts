import fs from "node:fs";
import { parse } from "csv-parse";
import type { App } from "../app";
import { InputError } from "../domain/errors";
import { DEFAULT_TOLERANCE } from "../nmf/factorize";
import type { FactorModel } from "../factors/model";
import { modelOf } from "../factors/family";
import { nmf } from "../nmf/train";

interface FactorRows {
  ids: string[];
  values: number[];
  components: number;
}

/**
 * Reads factor rows "id,f1,...,fk" (a header row is allowed), as a distributed trainer writes them
 * (e.g. Spark ALS with nonnegative=true: userFactors / itemFactors with the array spread into columns).
 */
async function readFactors(path: string, what: string): Promise<FactorRows> {
  const rows: FactorRows = { ids: [], values: [], components: 0 };
  const seen = new Set<string>();
  let input: fs.ReadStream;
  try {
    input = fs.createReadStream(path);
    await new Promise((resolve, reject) => input.once("open", resolve).once("error", reject));
  } catch (error) {
    throw new InputError(what, `cannot read ${path}: ${(error as Error).message}`);
  }
  let line = 0;
  for await (const record of input.pipe(parse({ relax_column_count: true, trim: true }))) {
    const cells = record as string[];
    line++;
    if (line === 1 && cells.length > 1 && !Number.isFinite(Number(cells[1]))) continue; // header
    const [id, ...numbers] = cells;
    const where = `${path}:${line}`;
    if (!id) throw new InputError(what, `${where}: the row has no id`);
    if (seen.has(id)) throw new InputError(what, `${where}: "${id}" appears twice`);
    seen.add(id);
    rows.components ||= numbers.length;
    if (numbers.length === 0 || numbers.length !== rows.components)
      throw new InputError(
        what,
        `${where}: ${numbers.length} factors, expected ${rows.components || "at least 1"}`,
      );
    for (const cell of numbers) {
      const x = Number(cell);
      // The NMF fold-in assumes nonnegative factors (NMF, or ALS with nonnegative=true).
      if (cell === "" || !Number.isFinite(x) || x < 0)
        throw new InputError(what, `${where}: "${cell}" is not a nonnegative number`);
      rows.values.push(x);
    }
    rows.ids.push(id);
  }
  if (rows.ids.length === 0) throw new InputError(what, `${path} holds no factor rows`);
  return rows;
}

/** A servable model from factor files; ids are sorted as a model trained here has them. */
export async function modelFromFactorFiles(
  app: App,
  usersPath: string,
  itemsPath: string,
): Promise<FactorModel> {
  const [users, items] = await Promise.all([
    readFactors(usersPath, "users"),
    readFactors(itemsPath, "items"),
  ]);
  if (users.components !== items.components)
    throw new InputError("items", `users have ${users.components} factors, items ${items.components}`);
  const k = users.components;
  const sorted = (rows: FactorRows) => {
    const order = rows.ids.map((_, i) => i).sort((a, b) => (rows.ids[a]! < rows.ids[b]! ? -1 : 1));
    const values = new Float32Array(order.length * k);
    order.forEach((from, to) => values.set(rows.values.slice(from * k, (from + 1) * k), to * k));
    return { ids: order.map((i) => rows.ids[i]!), values };
  };
  const u = sorted(users);
  const i = sorted(items);
  const { l2, l1, seed } = app.config.model;
  return modelOf(
    nmf,
    { userIds: u.ids, itemIds: i.ids, userFactors: u.values, itemFactors: i.values },
    // Fold-in of new events uses l2/l1 from the configuration; nothing was iterated here.
    { components: k, iterations: 0, l2, l1, seed, tolerance: DEFAULT_TOLERANCE },
    { users: u.ids.length, items: i.ids.length, interactions: 0, iterations: 0, loss: 0, durationMs: 0 },
    { itemCategories: await app.stores.items.categories() },
  );
}
