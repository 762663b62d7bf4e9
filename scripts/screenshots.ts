// `npm run screenshots`: docs/dashboard.png and docs/graphiql.png, taken in Debian's Chromium from a gateway
// on seeded demo data with an A/B split, traffic and two model versions: the README's pictures.
import path from "node:path";
import { launchBrowser, offlinePage } from "../test/support/browser";
import { abTraffic, trainAgain } from "../test/support/dashboard-data";
import { startGatewayOnDynalite } from "../test/support/gateway-on-dynalite";

const docs = path.join(__dirname, "..", "docs");

async function main(): Promise<void> {
  // The demo data at a size where NMF beats popularity; a second version with more factors.
  const gateway = await startGatewayOnDynalite({
    RECS_AB: "NMF:50,POPULAR:50",
    SEED_USERS: "300",
    SEED_ITEMS: "400",
    NMF_COMPONENTS: "16",
  });
  const browser = await launchBrowser();
  try {
    trainAgain(gateway, { NMF_COMPONENTS: "32" });
    await abTraffic(gateway.server.url, 300, "NMF:50");
    const origin = new URL(gateway.server.url).origin;

    const dashboard = await offlinePage(browser, 1280, 1800);
    await dashboard.page.goto(`${origin}/dashboard`);
    await dashboard.page.waitForSelector("body[data-loaded]");
    await dashboard.page.click("#explore");
    await dashboard.page.waitForSelector(".list li");
    await dashboard.page.screenshot({ path: path.join(docs, "dashboard.png"), fullPage: true });

    const ide = await offlinePage(browser, 1280, 720);
    await ide.page.goto(gateway.server.url, { waitUntil: "load" });
    await ide.page.click(".graphiql-execute-button");
    await ide.page.locator(".result-window", { hasText: "itemId" }).waitFor();
    await ide.page.screenshot({ path: path.join(docs, "graphiql.png") });
    for (const { blocked, errors } of [dashboard, ide]) {
      if (blocked.length || errors.length) console.warn("blocked:", blocked, "errors:", errors);
    }
    console.log(`wrote ${path.join(docs, "dashboard.png")} and ${path.join(docs, "graphiql.png")}`);
  } finally {
    await browser.close();
    await gateway.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
