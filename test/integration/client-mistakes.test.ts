import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { InputError } from "../../src/domain/errors";
import { countEvents } from "../support/gateway-on-dynalite";
import { createTestApp, type TestApp } from "../support/local-dynamo";
import { startPersonalizeServer, type PersonalizeServer } from "../support/personalize-server";

const CAMPAIGN = "arn:aws:personalize:us-east-1:123456789012:campaign/user-personalization";

let t: TestApp;
let personalize: PersonalizeServer;

beforeAll(async () => {
  personalize = await startPersonalizeServer();
  t = await createTestApp({
    RECS_STRATEGY: "PERSONALIZE",
    PERSONALIZE_CAMPAIGN_ARN: CAMPAIGN,
    PERSONALIZE_ENDPOINT_URL: personalize.url,
    BREAKER_FAILURES: "3",
    BREAKER_WINDOW_SECONDS: "3600",
  });
});
afterAll(async () => {
  await t.close();
  await personalize.close();
});
beforeEach(() => {
  personalize.requests.length = 0;
  personalize.faults = {};
});

async function inputErrorField(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return (error as InputError).field;
}

const circuit = () => t.app.router.status().find((s) => s.name === "PERSONALIZE")!.circuit;

describe("a client's mistake is the client's", () => {
  it("answers context keys Personalize would refuse as bad input, without calling it", async () => {
    const ask = (key: string) =>
      t.app.recommendations.recommendations("u1", { context: [{ key, value: "mobile" }] });
    expect(await inputErrorField(ask("K".repeat(151)))).toBe("context[0].key");
    expect(await inputErrorField(ask("DEVICE-TYPE"))).toBe("context[0].key");
    expect(personalize.requests).toHaveLength(0);
    const served = await ask("D".repeat(150));
    expect(served.strategy).toBe("PERSONALIZE");
    expect(personalize.requests[0]!.body.context).toEqual({ ["D".repeat(150)]: "mobile" });
  });

  it("a request Personalize refuses (400) falls back but never opens the breaker; its 5xx do", async () => {
    personalize.faults = { fail: { error: "InvalidInputException" } };
    for (let i = 0; i < 6; i++) {
      const served = await t.app.recommendations.recommendations(`u${i}`, {});
      expect(served).toMatchObject({ strategy: "POPULAR", fallbackFrom: "PERSONALIZE" });
    }
    expect(personalize.requests).toHaveLength(6);
    expect(circuit()).toBe("closed");

    personalize.faults = { fail: { error: "InternalServerError" } };
    for (let i = 0; i < 3; i++) await t.app.recommendations.recommendations(`v${i}`, {});
    expect(circuit()).toBe("open");
  });

  it("event values the store cannot hold are bad input, and nothing is stored", async () => {
    for (const value of [1e300, 1e-200, 2 ** 53]) {
      const field = await inputErrorField(
        t.app.events.record({ userId: "tiny-or-huge", itemId: "i1", type: "VIEW", value }),
      );
      expect(field).toBe("value");
    }
    expect(await countEvents(t.app.db, "tiny-or-huge", t.config.dynamo.tables.events)).toBe(0);
    // The bounds themselves are stored (dynalite checks DynamoDB's number range like the service).
    for (const value of [1e-130, -Number.MAX_SAFE_INTEGER])
      await t.app.events.record({ userId: "bounds", itemId: "i1", type: "PURCHASE", value });
    expect(await countEvents(t.app.db, "bounds", t.config.dynamo.tables.events)).toBe(2);
  });
});
