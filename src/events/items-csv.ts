import type { CatalogItem } from "../store/items.store";
import { checkId, checkOptionalText, InputError } from "./event.validation";
import { normalizeHeader, splitCsv, type CsvRowError } from "./csv";

/** Catalog CSV: a header row with itemId and optional title, category, price, imageUrl, by name. */
export function parseItemsCsv(text: string): { items: CatalogItem[]; errors: CsvRowError[] } {
  const [header, ...rows] = splitCsv(text);
  if (!header) throw new InputError("csv", "the file is empty");
  const columns = new Map(header.cells.map((name, index) => [normalizeHeader(name), index]));
  if (!columns.has("itemid")) throw new InputError("csv", `the header has no "itemId" column`);
  const items: CatalogItem[] = [];
  const errors: CsvRowError[] = [];
  for (const { line, cells } of rows) {
    if (cells.length === 1 && cells[0] === "") continue;
    const cell = (name: string) => {
      const index = columns.get(name);
      return index === undefined ? undefined : cells[index]?.trim() || undefined;
    };
    try {
      const price = cell("price") === undefined ? undefined : Number(cell("price"));
      if (price !== undefined && !Number.isFinite(price)) throw new InputError("price", "must be a number");
      items.push({
        itemId: checkId("itemId", cell("itemid")),
        title: cell("title"),
        category: checkOptionalText("category", cell("category")),
        price,
        imageUrl: cell("imageurl"),
      });
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      errors.push({ line, message: error.message });
    }
  }
  return { items, errors };
}
