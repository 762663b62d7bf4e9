import type { Readable } from "node:stream";
import type { CatalogItem } from "../store/items.store";
import { checkId, checkOptionalText } from "./event.validation";
import { InputError } from "../domain/errors";
import { readCsvRows, type CsvHeader, type CsvReadOptions } from "./csv";

const ITEM_COLUMNS = ["itemId", "title", "category", "price", "imageUrl"];
/** Ids remembered to report repeats across batches: about 100 MB at most, whatever the file size. */
const MAX_REMEMBERED_IDS = 1_000_000;

/**
 * Catalog CSV: a header row with itemId and optional title, category, price, imageUrl, by name; a quoted
 * title may span lines. Yields items in batches; bad rows go to onRowError and are skipped. A repeated
 * itemId is reported and the last one wins: a batch never holds an id twice (BatchWriteItem refuses
 * that), and batches are written in order.
 */
export async function* readItemsCsv(
  source: string | Readable,
  options: CsvReadOptions = {},
): AsyncGenerator<CatalogItem[]> {
  const report = options.onRowError ?? (() => {});
  let header!: CsvHeader;
  const rows = readCsvRows(source, ITEM_COLUMNS, true, options, (h) => {
    if (!h.has("itemId")) throw new InputError("csv", `the header has no "itemId" column`);
    header = h;
  });
  const seen = new Map<string, number>(); // itemId -> line
  let batch = new Map<string, CatalogItem>();
  for await (const chunk of rows)
    for (const { line, cells } of chunk) {
      const cell = (name: string) => header.cell(cells, name);
      let item: CatalogItem;
      try {
        const price = cell("price") === undefined ? undefined : Number(cell("price"));
        if (price !== undefined && !Number.isFinite(price)) throw new InputError("price", "must be a number");
        item = {
          itemId: checkId("itemId", cell("itemId")),
          title: cell("title"),
          category: checkOptionalText("category", cell("category")),
          price,
          imageUrl: cell("imageUrl"),
        };
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        report(header.rowError(line, error.field, error.reason));
        continue;
      }
      const earlier = seen.get(item.itemId);
      if (earlier !== undefined) {
        report({
          ...header.rowError(line, "itemId", `"${item.itemId}" repeats line ${earlier}; the last one wins`),
          kept: true,
        });
      }
      if (earlier !== undefined || seen.size < MAX_REMEMBERED_IDS) seen.set(item.itemId, line);
      batch.set(item.itemId, item);
      if (batch.size >= (options.batchSize ?? 1000)) {
        yield [...batch.values()];
        batch = new Map();
      }
    }
  if (batch.size) yield [...batch.values()];
}
