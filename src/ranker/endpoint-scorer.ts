import { InvokeEndpointCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { awsClientOptions } from "../shared/aws";
import type { FeatureRows } from "./xgboost/rows";
import {
  DEFAULT_CSV_CHUNK_LIMITS,
  rowsToCsvChunks,
  type CsvChunk,
  type CsvChunkLimits,
} from "./endpoint-csv";
import { classifyEndpointError, XgbScoringError } from "./errors";
import { parseScores } from "./endpoint-response";
import type { XgbScorer } from "./scorer";

export type XgbAccept = "text/csv" | "application/json" | "application/jsonlines";

export interface XgbEndpointScorerOptions {
  endpointName: string;
  region: string;
  /** Endpoint override, e.g. the local endpoint's http://127.0.0.1:PORT. */
  endpointUrl?: string;
  /** For the whole call, all chunks together. */
  timeoutMs: number;
  accept?: XgbAccept;
  chunkLimits?: CsvChunkLimits;
  /** SDK attempts per chunk; 1 by default because the router's fallback is the cheaper retry. */
  maxAttempts?: number;
  /** A ready client (tests, or sharing one); otherwise one is made from region and endpointUrl. */
  client?: SageMakerRuntimeClient;
}

/** Scores rows on a SageMaker real-time endpoint hosting the built-in XGBoost container. */
export class XgbEndpointScorer implements XgbScorer {
  readonly source: string;
  private readonly client: SageMakerRuntimeClient;
  private readonly accept: XgbAccept;
  private readonly chunkLimits: CsvChunkLimits;

  constructor(private readonly options: XgbEndpointScorerOptions) {
    this.source = `endpoint:${options.endpointName}`;
    this.accept = options.accept ?? "text/csv";
    this.chunkLimits = options.chunkLimits ?? DEFAULT_CSV_CHUNK_LIMITS;
    this.client =
      options.client ??
      new SageMakerRuntimeClient({
        ...awsClientOptions(options.region, options.endpointUrl),
        maxAttempts: options.maxAttempts ?? 1,
      });
  }

  async score(rows: FeatureRows, signal?: AbortSignal): Promise<Float64Array> {
    const scores = new Float64Array(rows.rowCount);
    if (rows.rowCount === 0) return scores;
    let chunks: CsvChunk[];
    try {
      chunks = rowsToCsvChunks(rows, this.chunkLimits);
    } catch (error) {
      throw new XgbScoringError("validation", (error as Error).message, undefined, { cause: error });
    }
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    // The first failed chunk cancels the others: their answers could no longer be used.
    const firstFailure = new AbortController();
    const abortSignal = AbortSignal.any([timeout, firstFailure.signal, ...(signal ? [signal] : [])]);
    await Promise.all(
      chunks.map(async (chunk) => {
        try {
          scores.set(await this.invoke(chunk, abortSignal), chunk.firstRow);
        } catch (error) {
          firstFailure.abort();
          throw classifyEndpointError(error, {
            timedOut: timeout.aborted,
            aborted: signal?.aborted ?? false,
          });
        }
      }),
    );
    return scores;
  }

  private async invoke(chunk: CsvChunk, abortSignal: AbortSignal): Promise<Float64Array> {
    const response = await this.client.send(
      new InvokeEndpointCommand({
        EndpointName: this.options.endpointName,
        ContentType: "text/csv",
        Accept: this.accept,
        Body: Buffer.from(chunk.body, "utf8"),
      }),
      { abortSignal },
    );
    const body = response.Body ? Buffer.from(response.Body).toString("utf8") : "";
    return parseScores(body, response.ContentType, chunk.rowCount);
  }
}
