import { InvalidInputException, ResourceNotFoundException } from "@aws-sdk/client-personalize-runtime";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPersonalizeEventsClient, createPersonalizeRuntimeClient } from "../../src/personalize/clients";
import { PersonalizeEventForwarder } from "../../src/personalize/event-forwarder";
import {
  PERSONALIZE_MAX_OVERFETCH,
  PersonalizeStrategy,
  type PersonalizeSettings,
} from "../../src/strategies/personalize";
import { StrategyUnavailableError, type RecommendQuery } from "../../src/strategies/strategy";
import { createTestApp } from "../support/local-dynamo";
import { startPersonalizeServer, type PersonalizeServer } from "../support/personalize-server";

const CAMPAIGN = "arn:aws:personalize:us-east-1:123456789012:campaign/user-personalization";
const RECOMMENDER = "arn:aws:personalize:us-east-1:123456789012:recommender/recommended-for-you";
const SIMS = "arn:aws:personalize:us-east-1:123456789012:campaign/sims";
const SIMILAR_RECOMMENDER = "arn:aws:personalize:us-east-1:123456789012:recommender/more-like-x";
const CATEGORY_FILTER = "arn:aws:personalize:us-east-1:123456789012:filter/by-category";
const SEEN_FILTER = "arn:aws:personalize:us-east-1:123456789012:filter/not-seen";

const TABLE = {
  byKey: {
    alice: [
      { itemId: "i1", score: 0.9, category: "shoes" },
      { itemId: "i2", score: 0.8, category: "bags" },
      { itemId: "i3", score: 0.7, category: "shoes" },
      { itemId: "i4", score: 0.6, category: "bags" },
      { itemId: "i5", score: 0.5, category: "shoes" },
      { itemId: "i6", score: 0.4, category: "hats" },
    ],
    i1: [
      { itemId: "i1", score: 1 },
      { itemId: "i9", score: 0.55 },
      { itemId: "i8", score: 0.45 },
      { itemId: "i7", score: 0.35 },
    ],
  },
};

let server: PersonalizeServer;

beforeAll(async () => {
  server = await startPersonalizeServer({
    knownArns: [CAMPAIGN, RECOMMENDER, SIMS, SIMILAR_RECOMMENDER],
    seenFilterArn: SEEN_FILTER,
  });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
  server.faults = {};
  server.table = structuredClone(TABLE);
});

function strategy(
  settings: PersonalizeSettings = { campaignArn: CAMPAIGN },
  forwarder?: PersonalizeEventForwarder,
): PersonalizeStrategy {
  return new PersonalizeStrategy(
    settings,
    createPersonalizeRuntimeClient({ region: "us-east-1", endpointUrl: server.url }),
    forwarder,
  );
}

function userQuery(overrides: Partial<RecommendQuery> = {}): RecommendQuery {
  return { userId: "alice", k: 3, exclude: new Set(), interactions: new Map(), ...overrides };
}

const never = (): AbortSignal => new AbortController().signal;

describe("PersonalizeStrategy.recommend: request mapping", () => {
  it("calls GetRecommendations with the campaign ARN, the user and k plus the exclusions", async () => {
    await strategy().recommend(userQuery({ k: 3, exclude: new Set(["i1", "x"]) }), never());
    expect(server.requests).toHaveLength(1);
    const { path, body, headers } = server.requests[0]!;
    expect(path).toBe("/recommendations");
    expect(headers["content-type"]).toBe("application/json");
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
    expect(body).toEqual({ campaignArn: CAMPAIGN, userId: "alice", numResults: 5 });
  });

  it("uses the recommender ARN when no campaign is configured", async () => {
    await strategy({ recommenderArn: RECOMMENDER }).recommend(userQuery(), never());
    expect(server.requests[0]!.body).toEqual({ recommenderArn: RECOMMENDER, userId: "alice", numResults: 3 });
  });

  it("asks for at most 50 results beyond k, however long the exclusions", async () => {
    const exclude = new Set(Array.from({ length: 1000 }, (_, i) => `seen-${i}`));
    await strategy().recommend(userQuery({ k: 10, exclude }), never());
    expect(server.requests[0]!.body.numResults).toBe(10 + PERSONALIZE_MAX_OVERFETCH);
  });

  it("leaves seen items to the seen-items filter and over-fetches only for the other exclusions", async () => {
    const forwarder = new PersonalizeEventForwarder(
      createPersonalizeEventsClient({ region: "us-east-1", endpointUrl: server.url }),
      { trackingId: "tracker-1" },
    );
    server.table.byKey!.carol = TABLE.byKey.alice;
    for (const itemId of ["i1", "i2"])
      forwarder.enqueue({
        eventId: itemId,
        userId: "carol",
        itemId,
        type: "VIEW",
        weight: 1,
        timestamp: new Date(),
      });
    await forwarder.flush();
    const seen = new Set(["i1", "i2"]);
    const query = userQuery({ userId: "carol", k: 3, seen, exclude: new Set([...seen, "i6"]) });

    const result = await strategy({ campaignArn: CAMPAIGN, seenFilterArn: SEEN_FILTER }).recommend(
      query,
      never(),
    );
    const body = server.requests.at(-1)!.body;
    expect(body).toMatchObject({ filterArn: SEEN_FILTER, numResults: 4 });
    expect(body.filterValues).toBeUndefined();
    expect(result.items.map((i) => i.itemId)).toEqual(["i3", "i4", "i5"]);

    // A category takes the one filter a call may carry: seen items are over-fetched again.
    await strategy({
      campaignArn: CAMPAIGN,
      seenFilterArn: SEEN_FILTER,
      categoryFilterArn: CATEGORY_FILTER,
    }).recommend({ ...query, category: "shoes" }, never());
    expect(server.requests.at(-1)!.body).toMatchObject({ filterArn: CATEGORY_FILTER, numResults: 6 });
  });

  it("passes the context through", async () => {
    await strategy().recommend(userQuery({ context: { DEVICE: "mobile", LOCATION: "home" } }), never());
    expect(server.requests[0]!.body.context).toEqual({ DEVICE: "mobile", LOCATION: "home" });
  });

  it("maps the category to the filter ARN with a JSON-quoted filter value", async () => {
    const result = await strategy({ campaignArn: CAMPAIGN, categoryFilterArn: CATEGORY_FILTER }).recommend(
      userQuery({ category: "shoes" }),
      never(),
    );
    const body = server.requests[0]!.body;
    expect(body.filterArn).toBe(CATEGORY_FILTER);
    expect(body.filterValues).toEqual({ CATEGORY: '"shoes"' });
    expect(result.items.map((i) => i.itemId)).toEqual(["i1", "i3", "i5"]);
  });

  it("refuses a category it cannot filter without calling Personalize", async () => {
    await expect(strategy().recommend(userQuery({ category: "shoes" }), never())).rejects.toBeInstanceOf(
      StrategyUnavailableError,
    );
    expect(server.requests).toHaveLength(0);
  });
});

describe("PersonalizeStrategy.recommend: response mapping", () => {
  it("keeps Personalize's scores and order, its recommendationId and the campaign as model version", async () => {
    const result = await strategy().recommend(userQuery({ k: 3 }), never());
    expect(result.items).toEqual([
      { itemId: "i1", score: 0.9 },
      { itemId: "i2", score: 0.8 },
      { itemId: "i3", score: 0.7 },
    ]);
    expect(result.externalId).toMatch(/^RID-/);
    expect(result.modelVersion).toBe("user-personalization");
  });

  it("never returns an excluded item and still fills k", async () => {
    const result = await strategy().recommend(userQuery({ k: 3, exclude: new Set(["i1", "i3"]) }), never());
    expect(result.items.map((i) => i.itemId)).toEqual(["i2", "i4", "i5"]);
  });

  it("returns fewer than k when Personalize has no more", async () => {
    const result = await strategy().recommend(
      userQuery({ k: 5, exclude: new Set(["i1", "i2", "i3", "i4"]) }),
      never(),
    );
    expect(result.items.map((i) => i.itemId)).toEqual(["i5", "i6"]);
  });

  it("answers an unknown user from the fallback list", async () => {
    server.table = {
      fallback: [
        { itemId: "p1", score: 0.5 },
        { itemId: "p2", score: 0.4 },
      ],
    };
    const result = await strategy().recommend(userQuery({ userId: "new-user", k: 2 }), never());
    expect(result.items.map((i) => i.itemId).sort()).toEqual(["p1", "p2"]);
  });
});

describe("PersonalizeStrategy.related", () => {
  it("asks the similar-items campaign with the item id and leaves out the anchor and exclusions", async () => {
    const result = await strategy({ similarItemsArn: SIMS }).related(
      { itemId: "i1", k: 2, exclude: new Set(["i9"]) },
      never(),
    );
    expect(server.requests[0]!.body).toEqual({ campaignArn: SIMS, itemId: "i1", numResults: 4 });
    expect(result.items).toEqual([
      { itemId: "i8", score: 0.45 },
      { itemId: "i7", score: 0.35 },
    ]);
    expect(result.externalId).toMatch(/^RID-/);
  });

  it("sends a similar-items recommender ARN as recommenderArn", async () => {
    await strategy({ similarItemsArn: SIMILAR_RECOMMENDER }).related(
      { itemId: "i1", k: 2, exclude: new Set() },
      never(),
    );
    expect(server.requests[0]!.body).toMatchObject({ recommenderArn: SIMILAR_RECOMMENDER, itemId: "i1" });
    expect(server.requests[0]!.body.campaignArn).toBeUndefined();
  });

  it("is unavailable without a similar-items ARN", async () => {
    await expect(
      strategy().related({ itemId: "i1", k: 2, exclude: new Set() }, never()),
    ).rejects.toBeInstanceOf(StrategyUnavailableError);
    expect(server.requests).toHaveLength(0);
  });
});

describe("PersonalizeStrategy: not configured", () => {
  it("reports itself unconfigured and refuses without a call", async () => {
    const s = strategy({});
    expect(s.status()).toMatchObject({ configured: false, ready: false });
    await expect(s.recommend(userQuery(), never())).rejects.toBeInstanceOf(StrategyUnavailableError);
    expect(server.requests).toHaveLength(0);
  });

  it("reports a similar-items resource alone as ready for relatedItems only", async () => {
    const s = strategy({ similarItemsArn: SIMS });
    expect(s.status()).toMatchObject({ configured: true, ready: true, modelVersion: "sims" });
    await expect(s.recommend(userQuery(), never())).rejects.toBeInstanceOf(StrategyUnavailableError);
    expect(server.requests).toHaveLength(0);
  });

  it("reports a configured campaign as ready", () => {
    expect(strategy().status()).toEqual({
      configured: true,
      ready: true,
      modelVersion: "user-personalization",
    });
  });
});

describe("PersonalizeStrategy: service errors surface as the SDK's named exceptions", () => {
  it("ResourceNotFoundException for an unknown campaign", async () => {
    const s = strategy({ campaignArn: "arn:aws:personalize:us-east-1:123456789012:campaign/gone" });
    const err = await s.recommend(userQuery(), never()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    expect((err as ResourceNotFoundException).message).toMatch(/does not exist/);
    expect((err as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
  });

  it("InvalidInputException for a refused request", async () => {
    server.faults = { fail: { error: "InvalidInputException", message: "numResults too large" } };
    const err = await strategy()
      .recommend(userQuery(), never())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputException);
    expect((err as InvalidInputException).message).toBe("numResults too large");
  });

  it("ThrottlingException (429) once, without SDK retries eating the router's budget", async () => {
    server.faults = { fail: { error: "ThrottlingException" } };
    const err = (await strategy()
      .recommend(userQuery(), never())
      .catch((e: unknown) => e)) as {
      name: string;
      $metadata: { httpStatusCode: number };
    };
    expect(err.name).toBe("ThrottlingException");
    expect(err.$metadata.httpStatusCode).toBe(429);
    expect(server.requests).toHaveLength(1);
  });

  it("a body that is not JSON rejects instead of answering garbage", async () => {
    server.faults = { garbage: true };
    await expect(strategy().recommend(userQuery(), never())).rejects.toThrow();
  });

  it("recovers once a transient failure has passed", async () => {
    server.faults = { fail: { error: "InternalServerError", times: 1 } };
    const s = strategy();
    await expect(s.recommend(userQuery(), never())).rejects.toMatchObject({ name: "InternalServerError" });
    await expect(s.recommend(userQuery(), never())).resolves.toMatchObject({ items: expect.any(Array) });
  });
});

describe("PersonalizeStrategy: abort", () => {
  async function until(check: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  }

  it("an aborted call rejects with AbortError before the server answers and closes the connection", async () => {
    server.faults = { delayMs: 5_000 };
    const aborted = server.abortedRequests;
    const controller = new AbortController();
    const call = strategy().recommend(userQuery(), controller.signal);
    await until(() => server.openRequests === 1);
    controller.abort();
    const err = (await call.catch((e: unknown) => e)) as Error;
    expect(err.name).toBe("AbortError");
    // The server never answered: it saw the connection close while it was still waiting.
    await until(() => server.abortedRequests > aborted);
    expect(server.abortedRequests).toBe(aborted + 1);
    expect(server.openRequests).toBe(0);
  });

  it("a timeout signal ends a slow call", async () => {
    server.faults = { delayMs: 5_000 };
    const err = (await strategy()
      .recommend(userQuery(), AbortSignal.timeout(100))
      .catch((e: unknown) => e)) as Error;
    expect(err.name).toBe("AbortError");
  });
});

describe("PersonalizeStrategy.onEvent", () => {
  it("hands stored events to the forwarder, which sends them to the event tracker", async () => {
    const forwarder = new PersonalizeEventForwarder(
      createPersonalizeEventsClient({ region: "us-east-1", endpointUrl: server.url }),
      {
        trackingId: "tracker-1",
      },
    );
    const s = strategy({ campaignArn: CAMPAIGN }, forwarder);
    await s.onEvent({
      eventId: "e1",
      userId: "alice",
      itemId: "i1",
      type: "VIEW",
      weight: 1,
      timestamp: new Date("2024-05-01T10:00:00Z"),
    });
    await forwarder.flush();
    expect(server.requests.map((r) => r.path)).toEqual(["/events"]);
    expect(forwarder.stats()).toMatchObject({ forwarded: 1, failed: 0, pending: 0 });
  });
});

describe("a gateway configured with a similar-items resource only", () => {
  it("registers Personalize and answers relatedItems from it", async () => {
    const t = await createTestApp({
      PERSONALIZE_SIMILAR_ITEMS_ARN: SIMS,
      PERSONALIZE_ENDPOINT_URL: server.url,
    });
    try {
      const list = await t.app.recommendations.relatedItems("i1", { k: 2, strategy: "PERSONALIZE" });
      expect(list).toMatchObject({ strategy: "PERSONALIZE", fallbackFrom: undefined });
      expect(list.items.map((i) => i.itemId)).toEqual(["i9", "i8"]);
      expect(server.requests[0]!.body).toMatchObject({ campaignArn: SIMS, itemId: "i1" });
    } finally {
      await t.close();
    }
  });
});
