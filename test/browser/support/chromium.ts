/**
 * Debian's Chromium driven by playwright-core. Absent browser → the suite skips and says why (CI installs it).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);
export const SCREENSHOT_DIR = join(process.cwd(), 'test-results', 'browser');

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A fresh context (own cookies and storage) at desktop size. */
export async function newPage(
  browser: Browser,
  baseURL: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, viewport: DESKTOP });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return { context, page };
}

/** Saves `<journey>-<step>.png`, and with `phone` also the same screen at 390×844. */
export async function shoot(page: Page, name: string, opts: { phone?: boolean } = {}): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  if (opts.phone) {
    const size = page.viewportSize() ?? DESKTOP;
    await page.setViewportSize(PHONE);
    await page.waitForTimeout(100);
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-phone.png`), fullPage: true });
    await page.setViewportSize(size);
  }
}

/** Width the document overflows the viewport by (0 when nothing sticks out sideways). */
export async function horizontalOverflow(page: Page): Promise<number> {
  // A string expression: this file is type-checked without the DOM library.
  return page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
}
