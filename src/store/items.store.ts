import { GetCommand, ScanCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { batchGetByKey } from "./batch-get";
import { batchPut } from "./batch-write";
import { allPages } from "./pages";

export interface CatalogItem {
  itemId: string;
  title?: string;
  category?: string;
  price?: number;
  imageUrl?: string;
}

export class ItemStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(itemId: string): Promise<CatalogItem | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { itemId } }));
    return out.Item as CatalogItem | undefined;
  }

  /** Ordered like `ids`; undefined for items missing from the catalog. */
  getMany(ids: readonly string[]): Promise<Array<CatalogItem | undefined>> {
    return batchGetByKey<CatalogItem & Record<string, unknown>>(this.db, this.table, "itemId", ids);
  }

  putMany(items: readonly CatalogItem[]): Promise<void> {
    return batchPut(this.db, this.table, items as unknown as Record<string, unknown>[]);
  }

  /** The whole catalog, page by page (exports): memory holds one page, not the table. */
  async *scan(): AsyncGenerator<CatalogItem[]> {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(new ScanCommand({ TableName: this.table, ExclusiveStartKey }));
      yield (page.Items ?? []) as CatalogItem[];
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }

  /** itemId -> category for the whole catalog (training and the in-process catalog index). */
  async categories(): Promise<Map<string, string>> {
    const rows = await allPages((ExclusiveStartKey) =>
      this.db.send(
        new ScanCommand({
          TableName: this.table,
          ProjectionExpression: "itemId, category",
          ExclusiveStartKey,
        }),
      ),
    );
    return new Map(
      rows.filter((row) => row.category).map((row) => [String(row.itemId), String(row.category)]),
    );
  }
}
