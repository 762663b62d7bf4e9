import { GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { batchGetByKeys } from "../../store/batch-get";
import { batchPut } from "../../store/batch-write";
import { statsKeys } from "../../store/keys";
import type { FeatureSpec, Features } from "./spec";

const SORT_KEY = "features";
const SPEC_KEY = { pk: statsKeys.featureSpec, sk: "current" };

interface FeatureRow extends Record<string, unknown> {
  pk: string;
  sk: string;
  features: Record<string, number>;
  specVersion: string;
}

/**
 * User and item features and the feature spec in the stats table:
 *   pk feat#u#<userId> | feat#i#<itemId>, sk "features": { features: map of numbers, specVersion }
 *   pk feat#spec, sk "current": the FeatureSpec
 * Missing feature values are not stored (a DynamoDB map holds no NaN), and read back as missing.
 */
export class FeatureStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async getSpec(): Promise<FeatureSpec | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: SPEC_KEY, ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    const { version, features, categories, createdAt } = out.Item as FeatureSpec;
    return { version, features, categories, createdAt };
  }

  async putSpec(spec: FeatureSpec): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...SPEC_KEY, ...spec } }));
  }

  /** Writes features keyed by partition key (userFeatureKey / itemFeatureKey) with BatchWriteItem. */
  putMany(entries: Iterable<readonly [pk: string, features: Features]>, specVersion: string): Promise<void> {
    const rows: FeatureRow[] = [];
    for (const [pk, features] of entries)
      rows.push({ pk, sk: SORT_KEY, features: present(features), specVersion });
    return batchPut(this.db, this.table, rows);
  }

  /** Features by partition key, ordered like `pks`; undefined where none are stored. One BatchGetItem per 100 keys. */
  async getMany(pks: readonly string[]): Promise<Array<Features | undefined>> {
    const rows = await batchGetByKeys<FeatureRow>(
      this.db,
      this.table,
      pks,
      (pk) => ({ pk, sk: SORT_KEY }),
      (row) => String(row.pk),
    );
    return rows.map((row) => row?.features);
  }
}

function present(features: Features): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(features)) {
    if (value !== undefined && Number.isFinite(value)) out[name] = value;
  }
  return out;
}
