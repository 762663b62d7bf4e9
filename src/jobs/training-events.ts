import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import type { App } from "../app";
import { parseS3Uri } from "../factors/store/s3-backend";
import { awsClientOptions } from "../shared/aws";
import { exportTable, readTableExport } from "../store/dynamo-export";
import { createDynamoClient } from "../store/dynamo";
import type { StoredEvent } from "../store/events.store";

export interface TrainingEventsOptions {
  /** Clients for DescribeTable / the export and for reading it; default: built from the config. */
  dynamo?: DynamoDBClient;
  s3?: S3Client;
  /** How long the export may take before retraining gives up with a message naming it. */
  exportMaxWaitMs?: number;
  exportPollMs?: number;
}

/**
 * Where retraining reads the events table from: a Scan (page by page) while the table is small, a
 * DynamoDB export to S3 past RETRAIN_EXPORT_ABOVE_EVENTS. The size is DescribeTable's ItemCount,
 * which DynamoDB refreshes about every 6 hours: the switch follows the table's growth with that lag.
 * Logs which source it chose, and why.
 */
export async function trainingEvents(
  app: App,
  options: TrainingEventsOptions = {},
): Promise<AsyncIterable<StoredEvent[]>> {
  const { config, log } = app;
  const table = config.dynamo.tables.events;
  const threshold = config.retrain.exportAboveEvents;
  const dynamo =
    options.dynamo ?? createDynamoClient({ region: config.aws.region, endpoint: config.dynamo.endpoint });
  const described = (await dynamo.send(new DescribeTableCommand({ TableName: table }))).Table;
  const itemCount = described?.ItemCount ?? 0;
  const figures = { table, itemCount, threshold };

  if (itemCount <= threshold) {
    log.info("training events: table scan (ItemCount at or below RETRAIN_EXPORT_ABOVE_EVENTS)", figures);
    return app.stores.events.scan();
  }
  if (!config.retrain.exportUri || !described?.TableArn) {
    log.warn(
      "training events: table scan although ItemCount is above RETRAIN_EXPORT_ABOVE_EVENTS: no RETRAIN_EXPORT_URI",
      figures,
    );
    return app.stores.events.scan();
  }

  const where = parseS3Uri(config.retrain.exportUri);
  log.info("training events: table export to S3 (ItemCount above RETRAIN_EXPORT_ABOVE_EVENTS)", {
    ...figures,
    exportUri: config.retrain.exportUri,
  });
  const done = await exportTable(dynamo, {
    tableArn: described.TableArn,
    bucket: where.bucket,
    prefix: where.prefix,
    pollMs: options.exportPollMs,
    maxWaitMs: options.exportMaxWaitMs,
    log: (message, fields) => log.info(message, fields),
  });
  const s3 = options.s3 ?? new S3Client(awsClientOptions(config.aws.region));
  return readTableExport(s3, done.bucket, done.manifestPrefix);
}
