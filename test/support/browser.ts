import { chromium, type Browser, type Page } from "playwright-core";

/** Debian's Chromium (apt-get install chromium); a test never downloads a browser. */
export const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];

export interface OfflinePage {
  page: Page;
  /** Every request the page tried to send anywhere but this machine (all of them were refused). */
  blocked: string[];
  /** Errors the page's scripts threw or logged. */
  errors: string[];
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** A page that can reach localhost only: "offline" is real, not assumed. */
export async function offlinePage(browser: Browser, width = 1280, height = 900): Promise<OfflinePage> {
  const page = await browser.newPage({ viewport: { width, height } });
  const blocked: string[] = [];
  const errors: string[] = [];
  await page.route("**/*", (route) => {
    const url = new URL(route.request().url());
    const local = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname) || url.protocol === "data:";
    if (local) return route.continue();
    blocked.push(url.href);
    return route.abort("internetdisconnected");
  });
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  return { page, blocked, errors };
}
