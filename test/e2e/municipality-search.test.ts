import { AxeBuilder } from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { joinTenant } from '../../src/modules/municipalities/index.js';
import { systemActor } from '../../src/platform/audit.js';
import { browserSkipReason, launchBrowser, watchPage, type PageProblems } from '../support/browser.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/server.js';

const screenshotFolder = fileURLToPath(new URL('../../test-results/', import.meta.url));

const kesennuma = { lgCode: '042056', name: '宮城県 気仙沼市', url: 'https://www.kesennuma.miyagi.jp/' };
const kamiyama = { lgCode: '363421', name: '徳島県 神山町' };

/** The number in 「1,234件（1 / 62ページ）」 or 「1,234 found (page 1 of 62)」. */
function totalOf(statusText: string): number {
  const match = /^([\d,]+)/.exec(statusText.trim());
  assert.ok(match, `no count in the status text: ${statusText}`);
  return Number(match[1]!.replaceAll(',', ''));
}

describe('municipality search in a browser', { skip: browserSkipReason(), timeout: 300_000 }, () => {
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let opened: Array<{ context: BrowserContext; problems: PageProblems }> = [];

  before(async () => {
    database = await openTestDatabase();
    await joinTenant({ db: database.db, actor: systemActor, lgCode: kesennuma.lgCode });
    await joinTenant({ db: database.db, actor: systemActor, lgCode: kamiyama.lgCode });
    server = await startTestServer(database);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await database?.close();
  });

  // Every page every test opens must be free of console errors and CSP violations, not only the
  // pages of the test that looks for them.
  afterEach(async () => {
    const problems = opened.flatMap((entry) => entry.problems.errors);
    await Promise.all(opened.map((entry) => entry.context.close()));
    opened = [];
    assert.deepEqual(problems, [], `errors in the browser console:\n${problems.join('\n')}`);
  });

  /** A fresh browser profile (no cookies) on a Japanese system unless told otherwise. */
  async function openPage(options: BrowserContextOptions = {}): Promise<Page> {
    const context = await browser.newContext({ baseURL: server.url, locale: 'ja-JP', ...options });
    // Pages answer in milliseconds; a missing element should fail fast, not after 30 s.
    context.setDefaultTimeout(5_000);
    const page = await context.newPage();
    opened.push({ context, problems: watchPage(page) });
    return page;
  }

  const heading = (page: Page) => page.getByRole('heading', { level: 1 }).innerText();
  const language = (page: Page) => page.locator('html').getAttribute('lang');
  const resultItem = (page: Page, name: string) =>
    page.locator('.result-list li').filter({ has: page.getByRole('link', { name, exact: true }) });

  /** After a form submission: the person sees results, not 「次の項目を確認してください。」. */
  async function assertSearchAccepted(page: Page): Promise<void> {
    const alerts = await page.getByRole('alert').allInnerTexts();
    assert.deepEqual(alerts, [], `the search form was rejected at ${decodeURI(page.url())}: ${alerts.join(' / ')}`);
  }

  async function search(page: Page, query: string): Promise<void> {
    await page.getByLabel('名前・よみ').fill(query);
    await page.getByRole('button', { name: 'さがす', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/municipalities' && url.searchParams.get('q') === query);
    await assertSearchAccepted(page);
  }

  it('finds 気仙沼市 from the home page by its reading and shows its details', async () => {
    const page = await openPage();
    await page.goto('/');
    await page.getByRole('main').getByRole('link', { name: '自治体をさがす' }).click();
    await page.waitForURL('**/municipalities');
    assert.equal(await heading(page), '自治体をさがす');

    await search(page, 'けせん');
    const item = resultItem(page, kesennuma.name);
    assert.equal(await item.count(), 1);
    assert.match(await item.innerText(), /参加中/);

    await item.getByRole('link', { name: kesennuma.name }).click();
    await page.waitForURL(`**/municipalities/${kesennuma.lgCode}`);
    assert.match(await heading(page), /宮城県 気仙沼市\s*参加中/);
    assert.match(await page.locator('dl.facts').innerText(), /全国地方公共団体コード\s+042056/);
    const official = page.getByRole('link', { name: kesennuma.url });
    assert.equal(await official.getAttribute('href'), kesennuma.url);
  });

  it('matches katakana and kanji prefixes, filters by prefecture and keeps the filter when paging', async () => {
    const page = await openPage();
    await page.goto('/municipalities');

    await search(page, 'カミヤマ');
    assert.equal(await resultItem(page, kamiyama.name).count(), 1);
    assert.equal(await page.getByLabel('名前・よみ').inputValue(), 'カミヤマ');

    await search(page, '札幌');
    assert.equal(await resultItem(page, '北海道 札幌市').count(), 1);

    await search(page, '');
    const everywhere = await page.getByRole('status').innerText();
    await page.getByLabel('都道府県').selectOption({ label: '北海道' });
    await page.getByRole('button', { name: 'さがす', exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('prefecture') === '01');
    await assertSearchAccepted(page);
    const hokkaido = await page.getByRole('status').innerText();
    assert.notEqual(hokkaido, everywhere);
    assert.ok(totalOf(hokkaido) < totalOf(everywhere), `${hokkaido} should be fewer than ${everywhere}`);
    assert.match(hokkaido, /（1 \/ \d+ページ）/);
    const firstOnPageOne = await page.locator('.result-list li a').first().innerText();

    await page.getByRole('link', { name: '次のページ' }).click();
    await page.waitForURL((url) => url.searchParams.get('page') === '2');
    assert.equal(new URL(page.url()).searchParams.get('prefecture'), '01');
    assert.equal(await page.getByLabel('都道府県').inputValue(), '01');
    assert.match(
      await page.getByRole('status').innerText(),
      new RegExp(`^${totalOf(hokkaido).toLocaleString('ja-JP')}件（2 / `),
    );
    const namesOnPageTwo = await page.locator('.result-list li a').allInnerTexts();
    assert.ok(namesOnPageTwo.length > 0);
    assert.ok(!namesOnPageTwo.includes(firstOnPageOne), 'page 2 repeats page 1');
    assert.ok(
      namesOnPageTwo.every((name) => name.startsWith('北海道')),
      namesOnPageTwo.join(', '),
    );
  });

  it('works with JavaScript turned off', async () => {
    const page = await openPage({ javaScriptEnabled: false });
    await page.goto('/');
    await page.getByRole('main').getByRole('link', { name: '自治体をさがす' }).click();
    await page.waitForURL('**/municipalities');

    await page.getByLabel('名前・よみ').fill('けせんぬま');
    await page.getByLabel('都道府県').selectOption({ label: '宮城県' });
    await page.getByRole('button', { name: 'さがす', exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('prefecture') === '04');
    await assertSearchAccepted(page);
    assert.match(await page.getByRole('status').innerText(), /^1件/);

    await page.getByRole('link', { name: kesennuma.name }).click();
    await page.waitForURL(`**/municipalities/${kesennuma.lgCode}`);
    assert.match(await heading(page), /宮城県 気仙沼市/);
  });

  it('can be used with the keyboard alone', async () => {
    const page = await openPage();
    const focused = page.locator(':focus');
    await page.goto('/');

    await page.keyboard.press('Tab');
    assert.equal(await focused.innerText(), '本文へ移動');
    const box = await focused.boundingBox();
    assert.ok(box && box.y >= 0 && box.height > 0, 'the skip link is on screen when focused');
    assert.notEqual(
      await focused.evaluate((element) => getComputedStyle(element).outlineStyle),
      'none',
      'focus is visible',
    );
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');

    // From the start of main, the next stop is the home page's call to action.
    await page.keyboard.press('Tab');
    assert.equal(await focused.innerText(), '自治体をさがす');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/municipalities');

    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    assert.equal(await focused.getAttribute('id'), 'q');
    await page.keyboard.type('けせん');
    await page.keyboard.press('Tab');
    assert.equal(await focused.getAttribute('id'), 'prefecture');
    // すべて → 北海道 → 青森県 → 岩手県 → 宮城県
    for (let step = 0; step < 4; step++) await page.keyboard.press('ArrowDown');
    assert.equal(await focused.inputValue(), '04');
    await page.keyboard.press('Tab');
    assert.equal(await focused.getAttribute('id'), 'kind');
    await page.keyboard.press('Tab');
    assert.equal(await focused.getAttribute('name'), 'participating');
    await page.keyboard.press('Space');
    assert.equal(await focused.isChecked(), true);
    await page.keyboard.press('Tab');
    assert.equal(await focused.innerText(), 'さがす');
    await page.keyboard.press('Enter');

    await page.waitForURL((url) => url.searchParams.get('participating') === 'true');
    await assertSearchAccepted(page);
    const params = new URL(page.url()).searchParams;
    assert.equal(params.get('q'), 'けせん');
    assert.equal(params.get('prefecture'), '04');
    assert.match(await page.getByRole('status').innerText(), /^1件/);
    assert.equal(await resultItem(page, kesennuma.name).count(), 1);
  });

  it('switches to English with the language link and remembers the choice', async () => {
    const page = await openPage();
    await page.goto('/');
    assert.equal(await language(page), 'ja');

    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL((url) => url.searchParams.get('lang') === 'en');
    assert.equal(await language(page), 'en');
    assert.equal(await heading(page), 'Furusato Resident Registration');

    await page
      .getByRole('navigation', { name: 'Main menu' })
      .getByRole('link', { name: 'Find a local government' })
      .click();
    await page.waitForURL((url) => url.pathname === '/municipalities' && !url.searchParams.has('lang'));
    assert.equal(await language(page), 'en');
    assert.equal(await heading(page), 'Find a local government');
    assert.equal(await page.getByRole('link', { name: '日本語' }).count(), 1);
    const cookies = await page.context().cookies();
    assert.equal(cookies.find((cookie) => cookie.name === 'lang')?.value, 'en');
  });

  it('answers in English when the browser asks for English', async () => {
    const page = await openPage({ locale: 'en-US' });
    await page.goto('/municipalities');
    assert.equal(await language(page), 'en');
    assert.equal(await heading(page), 'Find a local government');
  });

  it('explains bad input and unknown codes in Japanese', async () => {
    const page = await openPage();

    const badPage = await page.goto('/municipalities?page=abc');
    assert.equal(badPage?.status(), 400);
    assert.equal(await language(page), 'ja');
    const alert = await page.getByRole('alert').innerText();
    assert.match(alert, /次の項目を確認してください。/);
    assert.match(alert, /ページ/);
    assert.equal(await page.getByRole('search').count(), 1, 'the form stays for a new try');

    const unknown = await page.goto('/municipalities/999999');
    assert.equal(unknown?.status(), 404);
    assert.equal(await language(page), 'ja');
    assert.equal(await heading(page), '自治体が見つかりません');
    assert.equal(await page.getByRole('alert').innerText(), '指定された全国地方公共団体コードの自治体はありません。');
    assert.equal(await page.getByRole('link', { name: 'ホームへ戻る' }).getAttribute('href'), '/');
  });

  it('has no serious or critical accessibility violations (axe)', async () => {
    const page = await openPage();
    const pages = [
      '/',
      '/municipalities?q=%E3%81%8B%E3%81%BF',
      `/municipalities/${kesennuma.lgCode}`,
      '/municipalities/999999',
      '/municipalities?page=abc',
    ];
    const found: string[] = [];
    for (const path of pages) {
      await page.goto(path);
      const { violations } = await new AxeBuilder({ page }).analyze();
      for (const violation of violations) {
        if (violation.impact !== 'serious' && violation.impact !== 'critical') continue;
        const targets = violation.nodes.map((node) => node.target.join(' ')).join(' | ');
        found.push(`${path}: [${violation.impact}] ${violation.id}: ${violation.help} (${targets})`);
      }
    }
    assert.deepEqual(found, [], `axe violations:\n${found.join('\n')}`);
  });

  it('loads pages under the CSP without console errors', async () => {
    const page = await openPage();
    for (const path of [
      '/',
      '/municipalities?q=%E3%81%91%E3%81%9B%E3%82%93',
      `/municipalities/${kesennuma.lgCode}`,
      '/municipalities?lang=en',
    ]) {
      const response = await page.goto(path);
      assert.equal(response?.status(), 200, path);
      // Without the header there would be nothing to violate; the console check below relies on it.
      assert.match(response?.headers()['content-security-policy'] ?? '', /script-src 'self'/, path);
      const styled = await page
        .locator('.site-header')
        .evaluate((element) => getComputedStyle(element).borderBottomStyle);
      assert.equal(styled, 'solid', `${path}: app.css was applied`);
    }
    // The afterEach hook fails the test on any console error or uncaught exception seen here.
  });

  for (const viewport of [
    { name: 'mobile', width: 390, height: 844, isMobile: true },
    { name: 'desktop', width: 1280, height: 800, isMobile: false },
  ]) {
    it(`renders the results and a detail page on a ${viewport.name} screen`, async () => {
      await mkdir(screenshotFolder, { recursive: true });
      const page = await openPage({
        viewport: { width: viewport.width, height: viewport.height },
        isMobile: viewport.isMobile,
        hasTouch: viewport.isMobile,
      });
      for (const [label, path] of [
        ['results', '/municipalities?q=%E3%81%8B%E3%81%BF'],
        ['detail', `/municipalities/${kesennuma.lgCode}`],
      ] as const) {
        await page.goto(path);
        await page.evaluate(() => document.fonts.ready.then(() => undefined));
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        assert.ok(overflow <= 0, `${path} scrolls sideways by ${overflow}px at ${viewport.width}px wide`);
        await page.screenshot({
          path: `${screenshotFolder}municipality-${label}-${viewport.name}.png`,
          fullPage: true,
        });
      }
    });
  }
});
