import { readFileSync } from "node:fs";
import path from "node:path";
import {
  InvokeEndpointCommand,
  ModelError,
  SageMakerRuntimeClient,
  ValidationError,
} from "@aws-sdk/client-sagemaker-runtime";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { XgbEndpointScorer, type XgbEndpointScorerOptions } from "../../src/ranker/endpoint-scorer";
import { XgbScoringError, type XgbErrorKind } from "../../src/ranker/errors";
import { startLocalEndpoint, type LocalEndpoint } from "../../tools/local-sagemaker-endpoint";
import { XgbLocalScorer } from "../../src/ranker/local-scorer";
import { featureRows } from "../../src/ranker/xgboost/rows";
import { startStubServer, type StubReply, type StubServer } from "../support/stub-http-server";

const FIXTURES = path.join(__dirname, "../fixtures/xgboost");
const MODEL_PATH = path.join(FIXTURES, "model_binary_logistic.json");
const inputs = JSON.parse(readFileSync(path.join(FIXTURES, "inputs.json"), "utf8")) as {
  features: number;
  rows: Array<Array<number | null>>;
};
const expected = JSON.parse(readFileSync(path.join(FIXTURES, "expected.json"), "utf8")).binary_logistic
  .predictions as number[];
const rows = featureRows(inputs.rows, inputs.features);
const ENDPOINT = "xgb-ranker";

let endpoint: LocalEndpoint;
let local: XgbLocalScorer;

beforeAll(async () => {
  endpoint = await startLocalEndpoint({
    modelPath: MODEL_PATH,
    port: 0,
    host: "127.0.0.1",
    endpointName: ENDPOINT,
  });
  local = await XgbLocalScorer.load(MODEL_PATH);
});
afterAll(() => endpoint?.close());

const scorer = (options: Partial<XgbEndpointScorerOptions> & { endpointUrl: string }): XgbEndpointScorer =>
  new XgbEndpointScorer({ endpointName: ENDPOINT, region: "us-east-1", timeoutMs: 5_000, ...options });

async function failureOf(promise: Promise<unknown>): Promise<XgbScoringError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(XgbScoringError);
  return error as XgbScoringError;
}

describe("endpoint scorer through the real SDK against the local endpoint", () => {
  it("equals the in-process scorer, which equals xgboost's predictions", async () => {
    const remote = await scorer({ endpointUrl: endpoint.url }).score(rows);
    const inProcess = await local.score(rows);
    expect(Array.from(remote)).toEqual(Array.from(inProcess));
    expected.forEach((want, i) => expect(Math.abs(remote[i] - want)).toBeLessThan(1e-6));
  });

  it.each(["application/json", "application/jsonlines"] as const)(
    "reads the %s answer the same way",
    async (accept) => {
      const remote = await scorer({ endpointUrl: endpoint.url, accept }).score(rows);
      expect(Array.from(remote)).toEqual(Array.from(await local.score(rows)));
    },
  );

  it("sends many small chunks concurrently and maps the scores back in order", async () => {
    const remote = await scorer({
      endpointUrl: endpoint.url,
      chunkLimits: { maxBytes: 4_000, maxRows: 7 },
    }).score(rows);
    expect(Array.from(remote)).toEqual(Array.from(await local.score(rows)));
  });

  it("answers text/csv with comma-separated probabilities, as the built-in container does", async () => {
    const client = new SageMakerRuntimeClient({ region: "us-east-1", endpoint: endpoint.url });
    const out = await client.send(
      new InvokeEndpointCommand({
        EndpointName: ENDPOINT,
        ContentType: "text/csv",
        Body: Buffer.from(",".repeat(23)),
      }),
    );
    expect(out.ContentType).toMatch(/^text\/csv/);
    expect(out.InvokedProductionVariant).toBe("AllTraffic");
    expect(Buffer.from(out.Body ?? []).toString()).toMatch(/^0\.\d+$/);
  });

  it("surfaces container failures as the SDK's ModelError and unknown endpoints as ValidationError", async () => {
    const client = new SageMakerRuntimeClient({
      region: "us-east-1",
      endpoint: endpoint.url,
      maxAttempts: 1,
    });
    const invoke = (name: string, body: string) =>
      client.send(
        new InvokeEndpointCommand({ EndpointName: name, ContentType: "text/csv", Body: Buffer.from(body) }),
      );
    const modelError = await invoke(ENDPOINT, "1,2,3").catch((e: unknown) => e);
    expect(modelError).toBeInstanceOf(ModelError);
    expect((modelError as ModelError).OriginalStatusCode).toBe(400);
    expect((modelError as ModelError).OriginalMessage).toMatch(/24/);
    expect(await invoke("no-such-endpoint", "1").catch((e: unknown) => e)).toBeInstanceOf(ValidationError);

    const wrongWidth = featureRows([[1, 2, 3]], 3);
    expect((await failureOf(scorer({ endpointUrl: endpoint.url }).score(wrongWidth))).kind).toBe(
      "model_error",
    );
    const unknown = scorer({ endpointUrl: endpoint.url, endpointName: "no-such-endpoint" });
    expect((await failureOf(unknown.score(rows))).kind).toBe("validation");
  });
});

describe("endpoint failures are classified", () => {
  let stub: StubServer;
  let next: StubReply;
  beforeAll(async () => {
    stub = await startStubServer(() => next);
  });
  afterAll(() => stub?.close());

  const awsError = (status: number, type: string): StubReply => ({
    status,
    headers: { "content-type": "application/json", "x-amzn-errortype": type },
    body: JSON.stringify({ message: `${type} from the stub` }),
  });

  it.each<[string, StubReply, XgbErrorKind]>([
    ["throttling", awsError(400, "ThrottlingException"), "throttling"],
    ["a bare 429", { status: 429, body: "Too Many Requests" }, "throttling"],
    ["InternalFailure", awsError(500, "InternalFailure"), "service"],
    ["ServiceUnavailable", awsError(503, "ServiceUnavailable"), "service"],
    [
      "a 502 HTML page",
      { status: 502, headers: { "content-type": "text/html" }, body: "<html>bad gateway</html>" },
      "service",
    ],
    ["ModelNotReadyException", awsError(429, "ModelNotReadyException"), "service"],
    ["an access error", awsError(403, "AccessDeniedException"), "client"],
    [
      "a garbage 200",
      { status: 200, headers: { "content-type": "text/csv" }, body: "not,scores" },
      "bad_response",
    ],
    ["too few scores", { status: 200, headers: { "content-type": "text/csv" }, body: "0.5" }, "bad_response"],
  ])("%s -> %s", async (_label, reply, kind) => {
    next = reply;
    const error = await failureOf(scorer({ endpointUrl: stub.url }).score(rows));
    expect(error.kind).toBe(kind);
  });

  it("a slow endpoint -> timeout, through the abort signal", async () => {
    next = { status: 200, body: "0.5", delayMs: 5_000 };
    const error = await failureOf(
      scorer({ endpointUrl: stub.url, timeoutMs: 100 }).score(featureRows([[1]], 1)),
    );
    expect(error.kind).toBe("timeout");
  });

  it("the caller's signal -> aborted", async () => {
    next = { status: 200, body: "0.5", delayMs: 5_000 };
    const controller = new AbortController();
    const pending = scorer({ endpointUrl: stub.url }).score(featureRows([[1]], 1), controller.signal);
    setTimeout(() => controller.abort(), 50);
    expect((await failureOf(pending)).kind).toBe("aborted");
  });

  it("nobody listening -> network", async () => {
    const gone = await startStubServer(() => next);
    await gone.close();
    expect((await failureOf(scorer({ endpointUrl: gone.url }).score(rows))).kind).toBe("network");
  });
});

describe("XgbLocalScorer", () => {
  it("loads the model from s3://bucket/key", async () => {
    const text = readFileSync(MODEL_PATH, "utf8");
    const s3Stub = await startStubServer((request) =>
      request.method === "GET" && request.path.startsWith("/models/xgb/model.json")
        ? { status: 200, headers: { "content-type": "application/json" }, body: text }
        : { status: 404, body: "" },
    );
    try {
      const s3 = new S3Client({ region: "us-east-1", endpoint: s3Stub.url, forcePathStyle: true });
      const fromS3 = await XgbLocalScorer.load("s3://models/xgb/model.json", { s3 });
      expect(fromS3.source).toBe("local:s3://models/xgb/model.json");
      expect(Array.from(await fromS3.score(rows))).toEqual(Array.from(await local.score(rows)));
    } finally {
      await s3Stub.close();
    }
  });

  it("refuses rows of the wrong width as a validation error", async () => {
    expect((await failureOf(local.score(featureRows([[1]], 1)))).kind).toBe("validation");
  });
});
