import http from "node:http";
import type { AddressInfo } from "node:net";

/** What the proxy does to matching requests instead of (or on top of) forwarding them. */
export type DynamoFault = "throttle" | "server-error" | "unprocessed" | "lost-answer";

export interface FaultRule {
  /** DynamoDB operation (the X-Amz-Target suffix), e.g. "BatchWriteItem". */
  operation: string;
  fault: DynamoFault;
  /** How many matching requests get the fault; Infinity: all of them. */
  times: number;
}

const THROTTLE_BODY = JSON.stringify({
  __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
  message: "The level of configured provisioned throughput for the table was exceeded (injected)",
});
const SERVER_ERROR_BODY = JSON.stringify({
  __type: "com.amazonaws.dynamodb.v20120810#InternalServerError",
  message: "injected failure",
});

/**
 * An HTTP proxy in front of dynalite that speaks DynamoDB's awsJson 1.0 errors: throttling (400
 * ProvisionedThroughputExceededException), 500s (also after forwarding: a lost answer), and
 * BatchWriteItem answering half the items as UnprocessedItems. Counts every request per operation so tests can see the SDK's retries.
 */
export class DynamoFaultProxy {
  readonly calls = new Map<string, number>();
  private rules: FaultRule[] = [];

  private constructor(
    private readonly server: http.Server,
    private readonly target: URL,
  ) {}

  static async start(targetEndpoint: string): Promise<DynamoFaultProxy> {
    const server = http.createServer();
    const proxy = new DynamoFaultProxy(server, new URL(targetEndpoint));
    server.on(
      "request",
      (req: http.IncomingMessage, res: http.ServerResponse) => void proxy.handle(req, res),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  inject(rule: FaultRule): void {
    this.rules.push({ ...rule });
  }

  clear(): void {
    this.rules = [];
    this.calls.clear();
  }

  count(operation: string): number {
    return this.calls.get(operation) ?? 0;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const operation =
      String(req.headers["x-amz-target"] ?? "")
        .split(".")
        .pop() ?? "";
    this.calls.set(operation, this.count(operation) + 1);

    const rule = this.rules.find((r) => r.operation === operation && r.times > 0);
    if (rule) rule.times -= 1;
    if (rule?.fault === "throttle") return this.reply(res, 400, THROTTLE_BODY);
    if (rule?.fault === "server-error") return this.reply(res, 500, SERVER_ERROR_BODY);
    if (rule?.fault === "unprocessed") return this.halfProcessed(req, res, body);
    const answer = await this.forward(req, body);
    // The request took effect, but its answer never reached the client: it sees a 500 and retries.
    if (rule?.fault === "lost-answer") return this.reply(res, 500, SERVER_ERROR_BODY);
    this.reply(res, answer.status, answer.body);
  }

  /** Forwards the first half of each table's writes and answers the rest as UnprocessedItems. */
  private async halfProcessed(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: string,
  ): Promise<void> {
    const request = JSON.parse(body) as { RequestItems: Record<string, unknown[]> };
    const forwarded: Record<string, unknown[]> = {};
    const unprocessed: Record<string, unknown[]> = {};
    for (const [table, writes] of Object.entries(request.RequestItems)) {
      const half = Math.floor(writes.length / 2);
      if (half > 0) forwarded[table] = writes.slice(0, half);
      unprocessed[table] = writes.slice(half);
    }
    if (Object.keys(forwarded).length) {
      const answer = await this.forward(req, JSON.stringify({ ...request, RequestItems: forwarded }));
      if (answer.status !== 200) return this.reply(res, answer.status, answer.body);
    }
    this.reply(res, 200, JSON.stringify({ UnprocessedItems: unprocessed }));
  }

  private forward(req: http.IncomingMessage, body: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const headers = {
        ...req.headers,
        host: this.target.host,
        "content-length": String(Buffer.byteLength(body)),
      };
      const upstream = http.request(
        { host: this.target.hostname, port: this.target.port, path: req.url, method: req.method, headers },
        async (answer) => {
          const chunks: Buffer[] = [];
          for await (const chunk of answer) chunks.push(chunk as Buffer);
          resolve({ status: answer.statusCode ?? 502, body: Buffer.concat(chunks).toString("utf8") });
        },
      );
      upstream.on("error", reject);
      upstream.end(body);
    });
  }

  private reply(res: http.ServerResponse, status: number, body: string): void {
    res
      .writeHead(status, { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "fault-proxy" })
      .end(body);
  }
}
