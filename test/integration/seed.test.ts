import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { InputError } from "../../src/domain/errors";
import { seedIfEmpty } from "../../src/jobs/seed";
import { createTestApp, type TestApp } from "../support/local-dynamo";

let test: TestApp;

beforeAll(async () => {
  test = await createTestApp({ SEED_ON_START: "true", SEED_USERS: "40", SEED_ITEMS: "60" });
});
afterAll(() => test?.close());

describe("seedIfEmpty", () => {
  it("trains the families that take the demo data and leaves one that refuses it, with a warning", async () => {
    const { app } = test;
    // EASE's size limit, as SEED_USERS and SEED_ITEMS in the thousands meet it (without the minutes
    // that seeding that many events takes).
    const refusal = new InputError("EASE", "a model of 5000 x 5000 numbers, more than EASE's limit");
    vi.spyOn(app.factorModels.EASE.store.family, "train").mockImplementation(() => {
      throw refusal;
    });
    const warn = vi.spyOn(app.log, "warn");
    await seedIfEmpty(app);
    expect(await app.stores.events.isEmpty()).toBe(false);
    expect(await app.factorModels.NMF.store.latestSummary()).toBeDefined();
    expect(await app.factorModels.ALS.store.latestSummary()).toBeDefined();
    expect(await app.factorModels.EASE.store.latestSummary()).toBeUndefined();
    expect(warn).toHaveBeenCalledWith("demo model not trained", { family: "EASE", reason: refusal.message });
  });
});
