import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGatewayOnDynalite, type GatewayOnDynalite } from "../support/gateway-on-dynalite";
import { postGraphQL } from "../support/graphql-client";
import { checkAnswer, documentRequests, eventRequests, variableRequests } from "./gateway-properties";

/** `npm test` runs a bounded, seeded run; `npm run fuzz` sets FUZZ_RUNS (and optionally FUZZ_SEED) for a longer one. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 800);
const SEED = Number(process.env.FUZZ_SEED ?? 20261121);
const LONG_RUN_MS = Math.max(60_000, RUNS * 100);

let gateway: GatewayOnDynalite;

beforeAll(async () => {
  gateway = await startGatewayOnDynalite();
}, 120_000);
afterAll(() => gateway?.stop());

/** Runs one property; resolves to how many requests the gateway accepted (so a test can see it is not vacuous). */
async function property(arbitrary: typeof documentRequests, numRuns = RUNS): Promise<number> {
  let accepted = 0;
  await fc.assert(
    fc.asyncProperty(arbitrary, async (request) => {
      if (await checkAnswer(gateway, request)) accepted++;
    }),
    { numRuns, seed: SEED, endOnFailure: true },
  );
  return accepted;
}

describe(`fuzzing the real server (${RUNS} cases per property, seed ${SEED})`, () => {
  it(
    "random and malformed documents, bodies and content types: no 5xx, no hang, every error coded",
    () => property(documentRequests),
    LONG_RUN_MS,
  );

  it(
    "valid documents with random variables: no 5xx, no hang, every error coded",
    () => property(variableRequests),
    LONG_RUN_MS,
  );

  it(
    "random events: nothing stored from a rejected event",
    async () => {
      // Events cost a few writes each: half the cases keep the bounded run short.
      const accepted = await property(eventRequests, Math.ceil(RUNS / 2));
      expect(accepted).toBeGreaterThan(0);
    },
    LONG_RUN_MS,
  );

  it("still answers health afterwards (no crash)", async () => {
    const res = await postGraphQL(gateway.server.url, { query: "{ health { status } }" });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ health: { status: expect.any(String) } });
  });
});
