/**
 * Headless Chromium for the page's tests: Debian's chromium driven by playwright-core, with
 * what a test wants to know about a page (script errors, CSP violations, dialogs) recorded,
 * and screenshots saved under test-output/screenshots/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Where Debian's chromium package puts the browser (scripts/ensure-tools.sh installs it). */
export const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';

/** Screenshots of the page tests. */
export const SCREENSHOT_DIR = resolve('test-output', 'screenshots');

/** Launches the browser; throws a clear error when it is not installed (the test must not pass without it). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (scripts/ensure-tools.sh does, as root) to run the web page's tests`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** A page and what happened on it that a page must never do. */
export interface WatchedPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught script errors. */
  readonly errors: string[];
  /** Console messages about Content-Security-Policy or Trusted Types violations. */
  readonly cspViolations: string[];
  /** alert()/confirm()/prompt() messages (an XSS payload calling alert(1) shows up here). */
  readonly dialogs: string[];
}

/** A fresh context (own sessionStorage) and page of `size`. */
export async function openPage(browser: Browser, size: { width: number; height: number }, mobile = false): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: size, ...(mobile ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}) });
  const page = await context.newPage();
  page.setDefaultTimeout(5_000);
  const w: WatchedPage = { context, page, errors: [], cspViolations: [], dialogs: [] };
  page.on('pageerror', (e) => void w.errors.push(e.message));
  page.on('console', (m) => {
    if (/Content Security Policy|Trusted Type/i.test(m.text())) w.cspViolations.push(m.text());
  });
  page.on('dialog', (d) => {
    w.dialogs.push(d.message());
    void d.dismiss();
  });
  return w;
}

/** Opens the page at `baseUrl` and signs in with `token`. */
export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.fill('#signin-token', token);
  await page.click('#signin button[type=submit]');
  await page.waitForSelector('#app', { state: 'visible' });
}

/** Saves a full-page PNG as `name`.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
