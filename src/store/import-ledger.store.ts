import { GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { statsKeys } from "./keys";

/** How far an import of one source got: its events up to `derivedEvents` are stored and derived. */
export interface ImportProgress {
  importId: string;
  source: string;
  derivedEvents: number;
  done: boolean;
  updatedAt: string;
}

/**
 * Import checkpoints in the stats table (pk "import#<id>", id = the source file's SHA-256): a re-run
 * of a failed import resumes after the last checkpoint, and a finished one is not counted twice.
 */
export class ImportLedger {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(importId: string): Promise<ImportProgress | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: statsKeys.importProgress(importId), sk: "progress" },
        ConsistentRead: true,
      }),
    );
    return out.Item as ImportProgress | undefined;
  }

  async save(progress: Omit<ImportProgress, "updatedAt">): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: statsKeys.importProgress(progress.importId),
          sk: "progress",
          ...progress,
          updatedAt: new Date().toISOString(),
        },
      }),
    );
  }
}
