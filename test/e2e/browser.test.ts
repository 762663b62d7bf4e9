import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, offlinePage } from "../support/browser";
import { abTraffic, trainAgain } from "../support/dashboard-data";
import { startGatewayOnDynalite, type GatewayOnDynalite } from "../support/gateway-on-dynalite";
import { startServerProcess, type ServerProcess } from "../support/server-process";

/**
 * The dashboard and GraphiQL in Debian's Chromium, against the real server on seeded data with an A/B
 * split, two model versions and attributed traffic. Every request to anything but this machine is
 * refused (test/support/browser.ts), and each test checks that none was even tried.
 */
// Generous: a loaded machine may take seconds; nothing here measures time.
const POLL = { timeout: 15_000 };
let gateway: GatewayOnDynalite;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  gateway = await startGatewayOnDynalite({ RECS_AB: "NMF:50,POPULAR:50" });
  origin = new URL(gateway.server.url).origin;
  trainAgain(gateway);
  await abTraffic(gateway.server.url, 40, "NMF:50");
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
});

/** Pixels a canvas has painted (alpha > 0): a chart that drew nothing has none. */
function paintedPixels(page: Page, id: string): Promise<number> {
  return page.evaluate(`(() => {
    const canvas = document.getElementById(${JSON.stringify(id)});
    if (!canvas || !canvas.width) return 0;
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
    return painted;
  })()`);
}

const texts = (page: Page, selector: string) => page.locator(selector).allTextContents();

describe("dashboard", () => {
  it("shows health and breakers, model versions and the A/B readout as charts drawn from the gateway's data", async () => {
    const { page, blocked, errors } = await offlinePage(browser);
    await page.goto(`${origin}/dashboard`);
    await page.waitForSelector("body[data-loaded]");

    const nmf = (await texts(page, '#health tr[data-strategy="NMF"] td')).join(" ");
    expect(nmf).toMatch(/ready/);
    expect(nmf).toMatch(/closed/);
    expect(await texts(page, '#health tr[data-strategy="PERSONALIZE"] td')).toContain("not configured");

    // Four versions: NMF, ALS and EASE seeded, NMF trained again; the newest of each family is latest.
    expect(await page.locator("#models-chart").getAttribute("data-points")).toBe("4");
    const nmfVersions = await texts(page, '#models tr[data-family="NMF"] td:nth-child(2)');
    expect(nmfVersions).toHaveLength(2);
    expect(nmfVersions[0]).toMatch(/\(latest\)$/);
    expect(nmfVersions[1]).not.toMatch(/latest/);
    for (const family of ["ALS", "EASE"]) {
      const versions = await texts(page, `#models tr[data-family="${family}"] td:nth-child(2)`);
      expect(versions).toEqual([expect.stringMatching(/\(latest\)$/)]);
    }

    // POPULAR:50 against the control NMF:50, for VIEW and PURCHASE.
    expect(await page.locator("#ab-chart").getAttribute("data-points")).toBe("2");
    const comparisons = await texts(page, "#ab-comparisons tr");
    expect(comparisons.some((row) => row.startsWith("POPULAR:50PURCHASE"))).toBe(true);
    expect(await page.locator("#ab .note").first().textContent()).toMatch(/Control: NMF:50/);

    await expect.poll(() => paintedPixels(page, "models-chart"), POLL).toBeGreaterThan(2_000);
    await expect.poll(() => paintedPixels(page, "ab-chart"), POLL).toBeGreaterThan(2_000);
    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("explorer shows each strategy's list with titles and categories; a recorded test event changes the next list", async () => {
    const { page, blocked, errors } = await offlinePage(browser);
    await page.goto(`${origin}/dashboard`);
    await page.waitForSelector("body[data-loaded]");
    await page.fill("#explore-id", "user-0002");
    await page.click("#explore");
    const nmfItems = page.locator('.list[data-strategy="NMF"] li');
    await nmfItems.first().waitFor();
    expect(await nmfItems.count()).toBe(10);
    expect(await page.locator('.list[data-strategy="POPULAR"] li').count()).toBe(10);
    expect((await texts(page, '.list[data-strategy="NMF"] .title')).every((t) => t.length > 0)).toBe(true);
    expect((await texts(page, '.list[data-strategy="NMF"] .category')).every((t) => t.length > 0)).toBe(true);

    const before = await gateway.countEvents("user-0002");
    const first = (await nmfItems.first().getAttribute("data-item"))!;
    await nmfItems.first().locator("button.record").click();
    // The purchase is stored, and the item the user now has is no longer recommended to them.
    await expect.poll(() => gateway.countEvents("user-0002"), POLL).toBe(before + 1);
    await expect
      .poll(() => page.locator(`.list[data-strategy="NMF"] li[data-item="${first}"]`).count(), POLL)
      .toBe(0);
    expect(await nmfItems.count()).toBe(10);
    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("asks for the API key when API_KEYS is set, loads everything with it, and explores without overrides", async () => {
    let secured: ServerProcess | undefined;
    try {
      secured = await startServerProcess({
        API_KEYS: "dashboard-test-key",
        DYNAMODB_ENDPOINT: gateway.dynamo.endpoint,
        MODEL_URI: `${gateway.server.dataDir}/models`,
        SEED_ON_START: "false",
        // As in a deployed stage: the explorer cannot ask for each strategy, only for the routed list.
        ALLOW_STRATEGY_OVERRIDE: "false",
      });
      const { page, blocked } = await offlinePage(browser);
      await page.goto(`${new URL(secured.url).origin}/dashboard`);
      await page.waitForSelector("#key-form");
      expect(await texts(page, "#models")).toEqual([
        expect.stringMatching(/UNAUTHENTICATED|API key|x-api-key/i),
      ]);
      await page.fill("#api-key", "dashboard-test-key");
      await page.click("#key-form button");
      await expect.poll(() => page.locator("#models-chart").getAttribute("data-points"), POLL).toBe("4");
      await page.click("#explore");
      await page.locator('.list[data-strategy="routed"] li').first().waitFor();
      expect(await page.locator(".list").count()).toBe(1);
      expect(await page.locator(".list .note").textContent()).toMatch(/answered by NMF · variant default/);
      expect(blocked).toEqual([]);
      await page.close();
    } finally {
      await secured?.stop();
    }
  }, 90_000);
});

describe("GraphiQL", () => {
  it("runs a query with every request kept on this machine", async () => {
    const { page, blocked, errors } = await offlinePage(browser);
    await page.goto(gateway.server.url);
    await page.locator(".graphiql-container").waitFor();
    await page.click(".graphiql-execute-button");
    const result = page.locator(".result-window", { hasText: "itemId" });
    await result.waitFor();
    expect(await result.textContent()).toMatch(/"recommendations"/);
    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
