import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local stand-in for the part of DynamoDB that table exports use, speaking its JSON 1.0 wire
 * protocol (POST /, `X-Amz-Target: DynamoDB_20120810.<Operation>`, `application/x-amz-json-1.0`) to the
 * real @aws-sdk/client-dynamodb client:
 *   - DescribeTable              TableName -> Table { TableArn, ItemCount, ... }
 *   - ExportTableToPointInTime   starts an export (IN_PROGRESS); PITR off -> PointInTimeRecoveryUnavailableException
 *   - DescribeExport             IN_PROGRESS for `inProgressChecks` calls, then the configured outcome
 * Errors come back as DynamoDB sends them: HTTP 400 and `{"__type": "com.amazonaws.dynamodb.v20120810#Name", "message"}`.
 * The export's files are not written by this server: `onCompleted` may write them (into s3rver),
 * at the moment the export turns COMPLETED, as DynamoDB's would appear.
 */

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const NAMESPACE = "com.amazonaws.dynamodb.v20120810";

export interface FakeTable {
  itemCount: number;
  /** Point-in-time recovery; exports need it (default on). */
  pitr?: boolean;
}

export type ExportOutcome = { status: "COMPLETED" } | { status: "FAILED"; code: string; message: string };

export interface ExportJob {
  exportArn: string;
  exportId: string;
  tableArn: string;
  bucket: string;
  prefix?: string;
  format: string;
  /** Where the manifests are: `<prefix>/AWSDynamoDB/<exportId>`. */
  manifestPrefix: string;
  checks: number;
  clientToken?: string;
}

export interface DynamoExportServerOptions {
  tables: Record<string, FakeTable>;
  /** DescribeExport answers IN_PROGRESS this many times before the outcome. */
  inProgressChecks?: number;
  outcome?: ExportOutcome;
  onCompleted?: (job: ExportJob) => Promise<void>;
}

export interface ReceivedCall {
  operation: string;
  body: Record<string, unknown>;
}

export interface DynamoExportServer {
  url: string;
  calls: ReceivedCall[];
  exports: ExportJob[];
  options: DynamoExportServerOptions;
  tableArn(name: string): string;
  close(): Promise<void>;
}

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const tableArnOf = (name: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;

export async function startDynamoExportServer(
  options: DynamoExportServerOptions,
): Promise<DynamoExportServer> {
  const calls: ReceivedCall[] = [];
  const exports = new Map<string, ExportJob>();
  const state = { options };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void answer(req, Buffer.concat(chunks).toString("utf8")).then(
        (payload) => send(res, 200, payload),
        (error: unknown) => {
          if (error instanceof ServiceError)
            return send(res, 400, { __type: `${NAMESPACE}#${error.type}`, message: error.message });
          send(res, 500, { __type: `${NAMESPACE}#InternalServerError`, message: String(error) });
        },
      );
    });
  });

  async function answer(req: http.IncomingMessage, raw: string): Promise<unknown> {
    const target = String(req.headers["x-amz-target"] ?? "");
    const [service, operation = ""] = target.split(".");
    if (req.method !== "POST" || service !== "DynamoDB_20120810")
      throw new ServiceError("UnknownOperationException", `unknown target ${target}`);
    if (!String(req.headers["content-type"]).startsWith("application/x-amz-json-1.0"))
      throw new ServiceError("SerializationException", "expected application/x-amz-json-1.0");
    const body = JSON.parse(raw || "{}") as Record<string, unknown>;
    calls.push({ operation, body });
    if (operation === "DescribeTable") return describeTable(body);
    if (operation === "ExportTableToPointInTime") return startExport(body);
    if (operation === "DescribeExport") return describeExport(body);
    throw new ServiceError("UnknownOperationException", `${operation} is not implemented here`);
  }

  function tableNamed(name: string): FakeTable {
    const table = state.options.tables[name];
    if (!table)
      throw new ServiceError(
        "ResourceNotFoundException",
        `Requested resource not found: Table: ${name} not found`,
      );
    return table;
  }

  function describeTable(body: Record<string, unknown>): unknown {
    const name = String(body.TableName);
    const table = tableNamed(name);
    return {
      Table: {
        TableName: name,
        TableArn: tableArnOf(name),
        TableStatus: "ACTIVE",
        ItemCount: table.itemCount,
        TableSizeBytes: table.itemCount * 200,
        CreationDateTime: 1_700_000_000,
      },
    };
  }

  function startExport(body: Record<string, unknown>): unknown {
    const tableArn = String(body.TableArn);
    const name = tableArn.split(":table/")[1] ?? "";
    if (!state.options.tables[name])
      throw new ServiceError("TableNotFoundException", `Table not found: ${tableArn}`);
    if (state.options.tables[name]!.pitr === false)
      throw new ServiceError(
        "PointInTimeRecoveryUnavailableException",
        `Point in time recovery is not enabled for table '${name}'`,
      );
    if (!body.S3Bucket) throw new ServiceError("ValidationException", "S3Bucket is required");
    // A client token makes the call idempotent: the same token answers the same export.
    const again = [...exports.values()].find((e) => e.clientToken && e.clientToken === body.ClientToken);
    if (again) return { ExportDescription: description(again, "IN_PROGRESS") };
    const exportId = `${Date.now()}-${randomUUID().slice(0, 8)}`;
    const prefix = body.S3Prefix as string | undefined;
    const job: ExportJob = {
      exportArn: `${tableArn}/export/${exportId}`,
      exportId,
      tableArn,
      bucket: String(body.S3Bucket),
      prefix,
      format: String(body.ExportFormat ?? "DYNAMODB_JSON"),
      manifestPrefix: `${prefix ? `${prefix}/` : ""}AWSDynamoDB/${exportId}`,
      checks: 0,
      clientToken: body.ClientToken as string | undefined,
    };
    exports.set(job.exportArn, job);
    return { ExportDescription: description(job, "IN_PROGRESS") };
  }

  async function describeExport(body: Record<string, unknown>): Promise<unknown> {
    const job = exports.get(String(body.ExportArn));
    if (!job)
      throw new ServiceError("ExportNotFoundException", `Export not found: ${String(body.ExportArn)}`);
    job.checks++;
    if (job.checks <= (state.options.inProgressChecks ?? 0))
      return { ExportDescription: description(job, "IN_PROGRESS") };
    const outcome = state.options.outcome ?? { status: "COMPLETED" };
    if (outcome.status === "FAILED")
      return {
        ExportDescription: {
          ...description(job, "FAILED"),
          FailureCode: outcome.code,
          FailureMessage: outcome.message,
        },
      };
    if (job.checks === (state.options.inProgressChecks ?? 0) + 1) await state.options.onCompleted?.(job);
    return {
      ExportDescription: {
        ...description(job, "COMPLETED"),
        ExportManifest: `${job.manifestPrefix}/manifest-summary.json`,
        EndTime: Date.now() / 1000,
      },
    };
  }

  function description(job: ExportJob, status: string) {
    return {
      ExportArn: job.exportArn,
      ExportStatus: status,
      TableArn: job.tableArn,
      S3Bucket: job.bucket,
      S3Prefix: job.prefix,
      ExportFormat: job.format,
      ExportType: "FULL_EXPORT",
      StartTime: Date.now() / 1000,
      ItemCount: state.options.tables[job.tableArn.split(":table/")[1] ?? ""]?.itemCount,
    };
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    get exports() {
      return [...exports.values()];
    },
    get options() {
      return state.options;
    },
    set options(o: DynamoExportServerOptions) {
      state.options = o;
    },
    tableArn: tableArnOf,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: http.ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, {
    "content-type": "application/x-amz-json-1.0",
    "x-amzn-requestid": randomUUID(),
  });
  res.end(JSON.stringify(payload));
}
