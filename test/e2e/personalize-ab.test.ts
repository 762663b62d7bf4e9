import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDemoData } from "../../src/demo/synthetic";
import {
  RecommendationsDocument,
  RecordEventDocument,
  RelatedItemsDocument,
  StrategyReportDocument,
  HealthDocument,
} from "../../src/generated/operations";
import { execute } from "../support/graphql-client";
import { startPersonalizeServer, type PersonalizeServer } from "../support/personalize-server";
import { startServerProcess, type ServerProcess } from "../support/server-process";

const SEED = { users: 120, items: 200, seed: 5 };
const CAMPAIGN = "arn:aws:personalize:us-east-1:123456789012:campaign/recs";
const SIMS = "arn:aws:personalize:us-east-1:123456789012:campaign/sims";
// Long enough that a loaded machine never times out a healthy call; the dead-endpoint test measures against it.
const TIMEOUT_MS = 1_000;

let personalize: PersonalizeServer;
let gateway: ServerProcess;

beforeAll(async () => {
  // Personalize answers with ids of the seeded catalog, like a campaign trained on the same data.
  const { items } = generateDemoData(SEED);
  personalize = await startPersonalizeServer({
    table: {
      fallback: items
        .slice(0, 60)
        .map((item, i) => ({ itemId: item.itemId, score: 1 - i / 100, category: item.category })),
    },
  });
  gateway = await startServerProcess({
    SEED_USERS: String(SEED.users),
    SEED_ITEMS: String(SEED.items),
    SEED_RANDOM: String(SEED.seed),
    NMF_COMPONENTS: "16",
    PERSONALIZE_CAMPAIGN_ARN: CAMPAIGN,
    PERSONALIZE_SIMILAR_ITEMS_ARN: SIMS,
    PERSONALIZE_ENDPOINT_URL: personalize.url,
    RECS_AB: "NMF:50,PERSONALIZE:50",
    STRATEGY_TIMEOUT_MS: String(TIMEOUT_MS),
    BREAKER_FAILURES: "3",
    BREAKER_OPEN_SECONDS: "600",
  });
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await personalize?.close();
});

describe("A/B split between NMF and Personalize", () => {
  it("serves both variants to different users, sticky per user, and reports them in strategyReport", async () => {
    const served = new Map<string, string>();
    for (let u = 1; u <= 30; u++) {
      const userId = `user-${String(u).padStart(4, "0")}`;
      const res = await execute(gateway.url, RecommendationsDocument, { userId, k: 5 });
      const list = res.data!.recommendations;
      expect(list.strategy).toBe(list.variant.split(":")[0]);
      served.set(userId, list.variant);
      if (list.strategy === "PERSONALIZE") {
        await execute(gateway.url, RecordEventDocument, {
          input: {
            userId,
            itemId: list.items[0]!.itemId,
            type: "PURCHASE",
            recommendationId: list.recommendationId,
          },
        });
      }
    }
    expect(new Set(served.values())).toEqual(new Set(["NMF:50", "PERSONALIZE:50"]));
    const again = await execute(gateway.url, RecommendationsDocument, { userId: "user-0001", k: 5 });
    expect(again.data!.recommendations.variant).toBe(served.get("user-0001"));

    const report = await execute(gateway.url, StrategyReportDocument, { days: 1 });
    const rows = report.data!.strategyReport.rows;
    const personalizeLists = [...served.values()].filter((v) => v === "PERSONALIZE:50").length;
    const personalizeRow = rows.find((r) => r.variant === "PERSONALIZE:50")!;
    expect(personalizeRow.served).toBe(
      personalizeLists + (served.get("user-0001") === "PERSONALIZE:50" ? 1 : 0),
    );
    expect(personalizeRow.events.find((e) => e.type === "PURCHASE")?.count).toBe(personalizeLists);
    expect(rows.find((r) => r.variant === "NMF:50")!.served).toBeGreaterThan(0);
    const personalizeUser = [...served].find(([, variant]) => variant === "PERSONALIZE:50")![0];
    expect(
      personalize.requests.some((r) => r.body.campaignArn === CAMPAIGN && r.body.userId === personalizeUser),
    ).toBe(true);
  });

  it("passes the request context through to Personalize", async () => {
    const context = [
      { key: "DEVICE", value: "mobile" },
      { key: "LOCATION", value: "home" },
    ];
    const res = await execute(gateway.url, RecommendationsDocument, {
      userId: "user-0003",
      k: 3,
      strategy: "PERSONALIZE",
      context,
    });
    expect(res.data!.recommendations.strategy).toBe("PERSONALIZE");
    expect(personalize.requests.at(-1)!.body).toMatchObject({
      userId: "user-0003",
      context: { DEVICE: "mobile", LOCATION: "home" },
    });
  });

  it("serves relatedItems from the similar-items campaign when asked for PERSONALIZE", async () => {
    const res = await execute(gateway.url, RelatedItemsDocument, {
      itemId: "item-0001",
      k: 5,
      strategy: "PERSONALIZE",
    });
    expect(res.data!.relatedItems.strategy).toBe("PERSONALIZE");
    expect(res.data!.relatedItems.items.map((i) => i.itemId)).not.toContain("item-0001");
    expect(personalize.requests.at(-1)!.body).toMatchObject({ campaignArn: SIMS, itemId: "item-0001" });
  });

  it("a dead Personalize costs at most its timeout per request, and nothing once the breaker is open", async () => {
    personalize.faults.delayMs = 5_000;
    const before = personalize.requests.length;
    for (let i = 0; i < 6; i++) {
      const started = Date.now();
      const res = await execute(gateway.url, RecommendationsDocument, {
        userId: "user-0002",
        k: 5,
        strategy: "PERSONALIZE",
      });
      expect(res.data!.recommendations).toMatchObject({ fallbackFrom: "PERSONALIZE" });
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1_000);
    }
    // Three failures open the breaker: the three calls after them never reach Personalize.
    expect(personalize.requests.length - before).toBe(3);
    const health = await execute(gateway.url, HealthDocument, {});
    expect(health.data!.health.strategies.find((s) => s.name === "PERSONALIZE")?.circuit).toBe("open");
    personalize.faults.delayMs = 0;
  });
});
