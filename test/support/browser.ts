import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium; the tests never download a browser. */
export const chromiumPath = '/usr/bin/chromium';

/**
 * Why the browser tests cannot run here, or undefined when they can. On CI a missing browser is a
 * broken image, not a reason to skip, so it throws instead of letting the suite pass silently.
 */
export function browserSkipReason(executablePath: string = chromiumPath): string | undefined {
  if (existsSync(executablePath)) return undefined;
  const message = `Chromium not found at ${executablePath} (install it with: apt-get install chromium fonts-noto-cjk)`;
  if (process.env.CI === 'true') throw new Error(`${message}; browser tests must run on CI`);
  return `${message}; skipping the browser tests`;
}

export function launchBrowser(executablePath: string = chromiumPath): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    // Without the background-networking flags Chromium keeps calling Google services, which on a
    // closed network means a stream of failed lookups and slow shutdowns.
    args: [
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

export interface PageProblems {
  /** Console errors (CSP violations among them) and uncaught exceptions, as text. */
  errors: string[];
}

/**
 * Records what a person with the developer tools open would see go wrong on the page. Two kinds of
 * "Failed to load resource" lines are left out: the page's own 4xx status, which the tests assert
 * directly when they ask for an error page, and the browser's own guess at /favicon.ico, which no
 * page asks for.
 */
export function watchPage(page: Page): PageProblems {
  const problems: PageProblems = { errors: [] };
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const source = message.location().url;
    if (message.text().startsWith('Failed to load resource')) {
      if (source === page.url()) return;
      if (source && new URL(source).pathname === '/favicon.ico') return;
    }
    problems.errors.push(`console: ${message.text()} (${source || page.url()})`);
  });
  page.on('pageerror', (error) => problems.errors.push(`exception: ${error.message} (${page.url()})`));
  return problems;
}
