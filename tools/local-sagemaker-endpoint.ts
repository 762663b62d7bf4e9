import { randomUUID } from "node:crypto";
import http from "node:http";
import { readBody } from "../src/shared/read-body";
import type { AddressInfo } from "node:net";
import { loadXgbModel, type ModelSourceOptions } from "../src/ranker/xgboost/load";
import type { XgbModel } from "../src/ranker/xgboost/model";
import type { FeatureRows } from "../src/ranker/xgboost/rows";

/** SageMaker Runtime refuses InvokeEndpoint bodies over 6 MB. */
export const MAX_INVOKE_BODY_BYTES = 6 * 1024 * 1024;

export interface LocalEndpointOptions {
  /** A save_model JSON file, or s3://bucket/key. */
  modelPath: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** When set, other endpoint names get SageMaker's "not found" ValidationError. */
  endpointName?: string;
  modelSource?: ModelSourceOptions;
}

export interface LocalEndpoint {
  /** The endpoint URL to pass as the SDK's `endpoint` (SAGEMAKER_ENDPOINT_URL). */
  readonly url: string;
  readonly port: number;
  readonly model: XgbModel;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Serves POST /endpoints/{name}/invocations as SageMaker Runtime does in front of the built-in
 * XGBoost container: text/csv rows in, comma-separated scores out (JSON or JSON lines when the
 * Accept header asks), and errors as restJson1 bodies with the x-amzn-ErrorType header that the
 * SDK turns into ModelError / ValidationError.
 */
export async function startLocalEndpoint(options: LocalEndpointOptions): Promise<LocalEndpoint> {
  const model = await loadXgbModel(options.modelPath, options.modelSource);
  const host = options.host ?? "127.0.0.1";
  const server = http.createServer((req, res) => {
    readBody(req, MAX_INVOKE_BODY_BYTES).then(
      (body) => send(res, body === undefined ? tooLarge() : handle(model, options.endpointName, req, body)),
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    model,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

const INVOCATIONS = /^\/endpoints\/([^/]+)\/invocations$/;

function handle(
  model: XgbModel,
  endpointName: string | undefined,
  req: http.IncomingMessage,
  body: Buffer,
): Reply {
  const path = (req.url ?? "").split("?")[0];
  if (req.method === "GET" && path === "/ping") return { status: 200, headers: {}, body: "" };
  const match = INVOCATIONS.exec(path);
  if (req.method !== "POST" || !match) {
    return awsError(404, "UnknownOperationException", `no operation at ${req.method} ${path}`);
  }
  const name = decodeURIComponent(match[1]);
  if (endpointName !== undefined && name !== endpointName) {
    return awsError(400, "ValidationError", `Endpoint ${name} of account 000000000000 not found.`);
  }
  // From here on, failures are the container's, which SageMaker wraps in a ModelError.
  const contentType = mediaType(req.headers["content-type"]);
  if (contentType !== "text/csv") {
    return modelError(415, `Content type ${contentType || "(none)"} is not supported, use text/csv`);
  }
  const accept = mediaType(req.headers.accept) || "text/csv";
  const format = ACCEPT_FORMATS[accept === "*/*" ? "text/csv" : accept];
  if (!format) return modelError(406, `Accept type ${accept} is not supported`);
  let predictions: Float64Array;
  try {
    predictions = model.predict(parseCsvRows(body.toString("utf8"), model.featureCount));
  } catch (error) {
    return modelError(400, `Unable to evaluate payload provided: ${(error as Error).message}`);
  }
  return {
    status: 200,
    headers: { "content-type": format.contentType, "x-amzn-invoked-production-variant": "AllTraffic" },
    body: format.encode(Array.from(predictions)),
  };
}

const ACCEPT_FORMATS: Record<string, { contentType: string; encode: (scores: number[]) => string }> = {
  "text/csv": { contentType: "text/csv; charset=utf-8", encode: (scores) => scores.join(",") },
  "application/json": {
    contentType: "application/json",
    encode: (scores) => JSON.stringify({ predictions: scores.map((score) => ({ score })) }),
  },
  "application/jsonlines": {
    contentType: "application/jsonlines",
    encode: (scores) => scores.map((score) => JSON.stringify({ score })).join("\n"),
  },
};

function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0].trim().toLowerCase();
}

function awsError(status: number, type: string, message: string, extra: Record<string, unknown> = {}): Reply {
  return {
    status,
    headers: { "content-type": "application/json", "x-amzn-errortype": type },
    body: JSON.stringify({ message, ...extra }),
  };
}

/** What SageMaker answers when the container itself returned an error status. */
function modelError(originalStatus: number, originalMessage: string): Reply {
  return awsError(
    424,
    "ModelError",
    `Received client error (${originalStatus}) from primary with message "${originalMessage}".`,
    {
      ErrorCode: "CLIENT_ERROR_FROM_MODEL",
      OriginalStatusCode: originalStatus,
      OriginalMessage: originalMessage,
      LogStreamArn: "arn:aws:logs:local:000000000000:log-group:/aws/sagemaker/Endpoints/local",
    },
  );
}

function tooLarge(): Reply {
  return awsError(400, "ValidationError", `Request payload is larger than ${MAX_INVOKE_BODY_BYTES} bytes.`);
}

function send(res: http.ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, {
    ...reply.headers,
    "x-amzn-requestid": randomUUID(),
    "content-length": Buffer.byteLength(reply.body),
  });
  res.end(reply.body);
}

/**
 * Reads a `text/csv` body back into rows, as the container does: one row per line, an empty cell
 * is missing. Throws a RangeError naming the first bad line or cell.
 */
export function parseCsvRows(body: string, featureCount: number): FeatureRows {
  const lines = body.trim().split(/\r?\n/);
  if (lines.length === 1 && lines[0] === "") throw new RangeError("the body has no rows");
  const values = new Float32Array(lines.length * featureCount);
  lines.forEach((line, r) => {
    const cells = line.split(",");
    if (cells.length !== featureCount) {
      throw new RangeError(`line ${r + 1} has ${cells.length} columns, the model expects ${featureCount}`);
    }
    cells.forEach((cell, f) => {
      const text = cell.trim();
      const missing = text === "" || /^nan$/i.test(text);
      const value = missing ? NaN : Number(text);
      if (!missing && (value !== value || /^[+-]?0[xob]/i.test(text))) {
        throw new RangeError(`line ${r + 1}, column ${f + 1}: "${cell}" is not a number`);
      }
      values[r * featureCount + f] = value;
    });
  });
  return { values, rowCount: lines.length, featureCount };
}
