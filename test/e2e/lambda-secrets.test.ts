import type { APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import { seedDemoData } from "../../src/jobs/seed";
import { userIdPseudonymiser } from "../../src/security/pseudonymise";
import { ensureTables } from "../../src/store/tables";
import { httpApiEvent, setLambdaEnvironment } from "../support/lambda-events";
import { startSsmServer, type SsmTestServer } from "../support/ssm-server";

/**
 * The Lambda handler as serverless.yml configures it with `apiKeysParameter` and `userIdHmacKeyParameter`:
 * only parameter names in the environment, the values read from the local SSM stand-in at run time.
 */
type Handler = typeof import("../../src/lambda").handler;
let handler: Handler;
let ssm: SsmTestServer;
const context = { awsRequestId: "req-1", functionName: "recs" } as unknown as Context;

const call = async (query: string, headers: Record<string, string> = {}) => {
  const result = (await handler(
    httpApiEvent({ body: JSON.stringify({ query }), headers }),
    context,
  )) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode, body: JSON.parse(result.body!) };
};

beforeAll(async () => {
  ssm = await startSsmServer();
  ssm.put("/recs/test/api-keys", "key-1");
  ssm.put("/recs/test/user-id-hmac-key", "hmac-1");
  await setLambdaEnvironment("secrets", {
    API_KEYS_PARAMETER: "/recs/test/api-keys",
    USER_ID_HMAC_KEY_PARAMETER: "/recs/test/user-id-hmac-key",
    SECRETS_MAX_AGE_SECONDS: "60",
    SSM_ENDPOINT_URL: ssm.endpoint,
  });
  const setup = createApp(loadConfig());
  await Promise.all([ensureTables(setup.db, setup.config.dynamo.tables), setup.secrets.refresh()]);
  await seedDemoData(setup, { users: 20, items: 50, seed: 5 });
  await setup.close();
  ({ handler } = await import("../../src/lambda"));
});

afterAll(async () => {
  vi.useRealTimers();
  delete process.env.AWS_LAMBDA_FUNCTION_NAME;
  await ssm.close();
});

describe("Lambda handler with secrets in SSM", () => {
  it("checks keys read from SSM, stores users under the HMAC from SSM, and follows a rotation after the max age", async () => {
    expect((await call('{ item(id: "item-0001") { id } }')).status).toBe(401);
    expect((await call('{ item(id: "item-0001") { id } }', { "x-api-key": "key-1" })).status).toBe(200);
    const record = `mutation { recordEvent(input: { userId: "alice", itemId: "item-0001", type: VIEW }) { eventId } }`;
    expect((await call(record, { "x-api-key": "key-1" })).body.errors).toBeUndefined();
    const app = createApp(
      loadConfig({ ...process.env, API_KEYS_PARAMETER: "", USER_ID_HMAC_KEY_PARAMETER: "" }),
    );
    const stored = (userId: string) => app.stores.events.forUser(userId);
    expect(await stored(userIdPseudonymiser("hmac-1")("alice"))).toHaveLength(1);
    expect(await stored("alice")).toHaveLength(0);

    ssm.put("/recs/test/api-keys", "key-2");
    vi.useFakeTimers({ toFake: ["Date"] });
    expect((await call('{ item(id: "item-0001") { id } }', { "x-api-key": "key-1" })).status).toBe(200);
    vi.setSystemTime(Date.now() + 61_000);
    expect((await call('{ item(id: "item-0001") { id } }', { "x-api-key": "key-1" })).status).toBe(401);
    expect((await call('{ item(id: "item-0001") { id } }', { "x-api-key": "key-2" })).status).toBe(200);
    await app.close();
  });
});
