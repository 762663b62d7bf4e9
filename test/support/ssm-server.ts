import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One call as it came over the wire. */
export interface ReceivedSsmCall {
  target: string;
  body: { Name?: string; Names?: string[]; WithDecryption?: boolean };
}

export interface SsmTestServer {
  endpoint: string;
  received: ReceivedSsmCall[];
  /** Creates or overwrites a parameter (a new version, as PutParameter --overwrite does). */
  put(name: string, value: string, type?: "String" | "SecureString"): void;
  /** The next n calls answer with a 500 InternalServerError. */
  failNext(n: number): void;
  close(): Promise<void>;
}

const PREFIX = "AmazonSSM.";

/**
 * A local Systems Manager Parameter Store that speaks what @aws-sdk/client-ssm sends: the awsJson1_1
 * protocol (X-Amz-Target AmazonSSM.<Operation>), GetParameter and GetParameters. A SecureString read
 * without WithDecryption comes back as an opaque ciphertext, as from the real service.
 */
export async function startSsmServer(): Promise<SsmTestServer> {
  const parameters = new Map<string, { value: string; type: string; version: number }>();
  const received: ReceivedSsmCall[] = [];
  let failures = 0;
  const view = (name: string, decrypt: boolean | undefined) => {
    const p = parameters.get(name)!;
    const secure = p.type === "SecureString";
    return {
      Name: name,
      Type: p.type,
      Value: secure && !decrypt ? Buffer.from(`kms:${p.value}`).toString("base64") : p.value,
      Version: p.version,
      ARN: `arn:aws:ssm:us-east-1:123456789012:parameter${name}`,
      DataType: "text",
      LastModifiedDate: Date.now() / 1000,
    };
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const reply = (status: number, body: object): void => {
        res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify(body));
      };
      const target = String(req.headers["x-amz-target"] ?? "");
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as ReceivedSsmCall["body"];
      received.push({ target, body });
      if (failures > 0) {
        failures--;
        return reply(500, { __type: "InternalServerError", message: "injected failure" });
      }
      switch (target.startsWith(PREFIX) ? target.slice(PREFIX.length) : "") {
        case "GetParameter":
          if (!body.Name || !parameters.has(body.Name))
            return reply(400, { __type: "ParameterNotFound", message: `${body.Name} not found` });
          return reply(200, { Parameter: view(body.Name, body.WithDecryption) });
        case "GetParameters": {
          const names = body.Names ?? [];
          return reply(200, {
            Parameters: names.filter((n) => parameters.has(n)).map((n) => view(n, body.WithDecryption)),
            InvalidParameters: names.filter((n) => !parameters.has(n)),
          });
        }
        default:
          return reply(400, { __type: "UnknownOperationException", message: `unexpected ${target}` });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    received,
    put(name, value, type = "SecureString") {
      parameters.set(name, { value, type, version: (parameters.get(name)?.version ?? 0) + 1 });
    },
    failNext: (n) => {
      failures = n;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
