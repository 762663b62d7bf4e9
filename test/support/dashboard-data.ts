import { execFileSync } from "node:child_process";
import path from "node:path";
import { RecommendationsDocument, RecordEventDocument } from "../../src/generated/operations";
import type { GatewayOnDynalite } from "./gateway-on-dynalite";
import { execute } from "./graphql-client";

/**
 * Lists for `users` seeded users (each gets their sticky A/B variant) and events that echo the lists'
 * recommendationIds: every list is viewed, and the variant named `better` converts to purchases twice
 * as often, so the readout has a difference to show.
 */
export async function abTraffic(url: string, users: number, better: string): Promise<void> {
  for (let u = 1; u <= users; u++) {
    const userId = `user-${String(u).padStart(4, "0")}`;
    const res = await execute(url, RecommendationsDocument, { userId, k: 5 });
    const list = res.data?.recommendations;
    if (!list?.items.length) throw new Error(`no list for ${userId}: ${JSON.stringify(res.errors)}`);
    const event = (type: "VIEW" | "PURCHASE", rank: number) =>
      execute(url, RecordEventDocument, {
        input: { userId, itemId: list.items[rank]!.itemId, type, recommendationId: list.recommendationId },
      });
    await event("VIEW", 0);
    if (u % (list.variant === better ? 2 : 4) === 0) await event("PURCHASE", 1);
  }
}

/** A second model version beside the seeded one (`recs train --force` on the gateway's own store). */
export function trainAgain(gateway: GatewayOnDynalite, env: Record<string, string> = {}): void {
  execFileSync(process.execPath, ["bin/recs.js", "train", "--force"], {
    cwd: path.join(__dirname, "..", ".."),
    env: {
      ...process.env,
      STAGE: "local",
      LOG_LEVEL: "warn",
      DYNAMODB_ENDPOINT: gateway.dynamo.endpoint,
      MODEL_URI: path.join(gateway.server.dataDir, "models"),
      NMF_COMPONENTS: "8",
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
}
