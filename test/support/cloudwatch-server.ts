import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

/** One PutMetricData call as it came over the wire, decoded. */
export interface ReceivedPutMetricData {
  headers: IncomingHttpHeaders;
  /** Size of the body as sent (compressed when the SDK gzipped it). */
  wireBytes: number;
  body: {
    Namespace: string;
    MetricData: Array<{
      MetricName: string;
      Unit?: string;
      /** awsJson timestamps are epoch seconds. */
      Timestamp?: number;
      Dimensions?: Array<{ Name: string; Value: string }>;
      Value?: number;
      Values?: number[];
      Counts?: number[];
    }>;
  };
}

export interface CloudWatchTestServer {
  endpoint: string;
  received: ReceivedPutMetricData[];
  /** The next n calls answer with a 500 InternalServiceError. */
  failNext(n: number): void;
  close(): Promise<void>;
}

const TARGET = "GraniteServiceVersion20100801.PutMetricData";

/**
 * A local CloudWatch that speaks what @aws-sdk/client-cloudwatch 3.1162 sends: the awsJson1_0 protocol
 * (X-Amz-Target GraniteServiceVersion20100801.<Operation>), gzip bodies above the SDK's compression size.
 */
export async function startCloudWatchServer(): Promise<CloudWatchTestServer> {
  const received: ReceivedPutMetricData[] = [];
  let failures = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const reply = (status: number, body: object): void => {
        res.writeHead(status, { "content-type": "application/x-amz-json-1.0" });
        res.end(JSON.stringify(body));
      };
      if (req.headers["x-amz-target"] !== TARGET) {
        return reply(400, {
          __type: "UnknownOperationException",
          message: `unexpected ${req.headers["x-amz-target"]}`,
        });
      }
      if (failures > 0) {
        failures--;
        return reply(500, { __type: "InternalServiceError", message: "injected failure" });
      }
      const json = req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
      received.push({ headers: req.headers, wireBytes: raw.length, body: JSON.parse(json.toString("utf8")) });
      reply(200, {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    received,
    failNext: (n) => {
      failures = n;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
