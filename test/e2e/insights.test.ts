import { AxeBuilder } from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  insertSyntheticPopulation,
  kesennumaResidences,
  syntheticActivities,
  syntheticRegistrations,
} from '../../src/demo/synthetic-population.js';
import { refreshInsights } from '../../src/modules/insights/index.js';
import { grantOperator } from '../../src/modules/staff/index.js';
import { browserSkipReason, launchBrowser, watchPage, type PageProblems } from '../support/browser.js';
import { signedInClient, startTestRuntime, type TestRuntime } from '../support/runtime.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { cliOperator, enrolAuthenticator, joinTenants, signedInStaff } from '../support/staff.js';

const kesennuma = '042056';
const miyagi = '040002';

/**
 * The dashboards in a real browser: a town's administrator reads its figures, switches the period,
 * downloads CSV and JSON and publishes open data; a prefecture looks at its municipalities together; the
 * national operator opens the national page. No console errors, no serious accessibility violations.
 */
describe('insights dashboards, in a browser', { skip: browserSkipReason(), timeout: 300_000 }, () => {
  let runtime: TestRuntime;
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;
  let expectedTotal: number;
  const sessions: Record<string, string> = {};

  before(async () => {
    runtime = await startTestRuntime();
    await joinTenants(runtime, [kesennuma, miyagi]);
    const now = new Date();
    const town = syntheticRegistrations({
      seed: 5,
      lgCode: kesennuma,
      count: 500,
      now,
      days: 500,
      residences: kesennumaResidences,
      premiumShare: 0.15,
      withdrawnShare: 0.05,
      releasedShare: 0.02,
      prefectureLink: { lgCode: miyagi, share: 0.8 },
      label: '（テスト）',
    });
    const activities = syntheticActivities({
      seed: 5,
      lgCode: kesennuma,
      now,
      days: 300,
      everyDays: 7,
      registrations: town,
      attendanceShare: 0.05,
      label: '（テスト）',
    });
    await insertSyntheticPopulation(runtime.database.db, town, [activities]);
    await refreshInsights({ db: runtime.database.db });
    expectedTotal = town.filter(
      (row) => row.lg_code === kesennuma && row.status === 'active' && !row.own_residence,
    ).length;

    const admin = await signedInStaff(runtime, {
      lgCode: kesennuma,
      email: 'admin@kesennuma.example.jp',
      role: 'tenant_admin',
    });
    const prefecture = await signedInStaff(runtime, {
      lgCode: miyagi,
      email: 'staff@miyagi.example.jp',
      role: 'tenant_staff',
    });
    const operator = await signedInClient(runtime, 'operator@example.jp');
    await grantOperator({ db: runtime.database.db, actor: cliOperator, email: 'operator@example.jp' });
    await enrolAuthenticator(operator.client);
    sessions.admin = admin.client.cookies.get('sid') ?? '';
    sessions.prefecture = prefecture.client.cookies.get('sid') ?? '';
    sessions.operator = operator.client.cookies.get('sid') ?? '';

    server = await startTestServer(runtime.database);
    browser = await launchBrowser();
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    await runtime?.close();
  });

  afterEach(() => {
    assert.deepEqual(problems.errors, [], `errors in the browser console:\n${problems.errors.join('\n')}`);
  });

  async function as(who: string): Promise<void> {
    await context?.close();
    context = await browser.newContext({ baseURL: server.url, locale: 'ja-JP', acceptDownloads: true });
    context.setDefaultTimeout(15_000);
    await context.addCookies([{ name: 'sid', value: sessions[who] ?? '', url: server.url }]);
    page = await context.newPage();
    problems = watchPage(page);
  }

  const screenshots = (name: string) => screenshotsOf(page, name);

  async function assertAccessible(label: string): Promise<void> {
    const { violations } = await new AxeBuilder({ page }).analyze();
    const serious = violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => `${label}: [${violation.impact}] ${violation.id}: ${violation.help}`);
    assert.deepEqual(serious, []);
  }

  it('shows a town its figures with charts and tables, by period, with downloads', async () => {
    await as('admin');
    await page.goto(`/staff/${kesennuma}`);
    await page
      .getByRole('navigation', { name: '職員用メニュー' })
      .getByRole('link', { name: '関係人口の集計' })
      .click();
    await page.getByRole('heading', { level: 1, name: '関係人口の集計: 宮城県気仙沼市' }).waitFor();
    const total = page.locator('.key-figure', { hasText: '登録者（関係人口）' }).locator('.key-figure__value');
    assert.equal(await total.textContent(), expectedTotal.toLocaleString('ja-JP'));
    // Charts are images with a name and a description in words; the same data is in tables.
    const trend = page.getByRole('img', { name: '月末の登録者数（ベーシック・プレミアム）' });
    await trend.waitFor();
    assert.match((await trend.getAttribute('aria-labelledby')) ?? '', /chart-trend-desc/);
    assert.match((await page.locator('#chart-trend-desc').textContent()) ?? '', /最新の月は/);
    await page.getByRole('img', { name: '居住地の都道府県別の登録者' }).waitFor();
    await page.getByRole('table', { name: '月ごとの登録者と動き' }).waitFor();
    await page.getByRole('rowheader', { name: '東京都', exact: true }).waitFor();
    await page.getByText('最終更新').waitFor();
    await assertAccessible('town dashboard');
    await screenshots('town');

    await page.getByLabel('集計期間').selectOption({ label: `${fiscalYear()}年度` });
    await page.getByRole('button', { name: '表示する' }).click();
    await page.waitForURL(/period=FY\d{4}/);
    await page.getByRole('heading', { name: `期間の動き（${fiscalYear()}年度）` }).waitFor();

    const csv = page.waitForEvent('download');
    await page.getByRole('link', { name: 'CSVでダウンロード' }).click();
    const csvFile = await csv;
    assert.match(csvFile.suggestedFilename(), /^insights-042056-FY\d{4}\.csv$/);
    const csvText = await readFile((await csvFile.path())!, 'utf8');
    assert.match(csvText, new RegExp(`登録者（関係人口）,合計,total,,${expectedTotal}\\r\\n`));
    const json = page.waitForEvent('download');
    await page.getByRole('link', { name: 'JSONでダウンロード' }).click();
    const jsonFile = JSON.parse(await readFile((await (await json).path())!, 'utf8')) as {
      own: { figures: { registrants: { total: { value: number } } } };
    };
    assert.equal(jsonFile.own.figures.registrants.total.value, expectedTotal);
  });

  it('lets the administrator publish the figures as open data', async () => {
    await page.getByRole('button', { name: 'オープンデータとして公開する' }).click();
    await page.getByText('オープンデータとして公開しました。').waitFor();
    await assertAccessible('after publishing');
    const response = await page.request.get(`/api/v1/open-data/insights/${kesennuma}`);
    assert.equal(response.status(), 200);
  });

  it("shows a prefecture its municipalities' figures together", async () => {
    await as('prefecture');
    await page.goto(`/staff/${miyagi}/insights`);
    await page.getByRole('heading', { level: 1, name: '関係人口の集計: 宮城県' }).waitFor();
    await page.getByRole('table', { name: '登録の経路' }).waitFor();
    await page.getByRole('link', { name: '域内の参加市区町村（合計）' }).click();
    await page.getByText('域内の参加市区町村（1団体）の登録者を合わせた数です。').waitFor();
    const total = page.locator('.key-figure', { hasText: '登録者（関係人口）' }).locator('.key-figure__value');
    assert.equal(await total.textContent(), expectedTotal.toLocaleString('ja-JP'));
    await assertAccessible('prefecture: municipalities together');
  });

  it('shows the national operator the national figures, in English too', async () => {
    await as('operator');
    await page.goto('/staff');
    await page.getByRole('link', { name: '関係人口の集計（全国）' }).click();
    await page.getByRole('heading', { level: 1, name: '関係人口の集計（全国）' }).waitFor();
    await page.getByRole('table', { name: /各都道府県内の自治体/ }).waitFor();
    await assertAccessible('national');
    await page.goto('/operator/insights?lang=en');
    await page.getByRole('heading', { level: 1, name: 'Related population (national)' }).waitFor();
    await assertAccessible('national in English');
    if (process.env.INSIGHTS_SCREENSHOT)
      await page.screenshot({ path: process.env.INSIGHTS_SCREENSHOT, fullPage: true });
  });

  it('sends organisation staff and other people away (404)', async () => {
    await as('prefecture');
    const town = await page.goto(`/staff/${kesennuma}/insights`);
    assert.equal(town?.status(), 404);
    const national = await page.goto('/operator/insights');
    assert.equal(national?.status(), 404);
  });
});

/** With INSIGHTS_SCREENSHOTS=<folder>, pictures of the page in slices, for a person to look at. */
async function screenshotsOf(page: Page, name: string): Promise<void> {
  const folder = process.env.INSIGHTS_SCREENSHOTS;
  if (!folder) return;
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  for (let y = 0, index = 0; y < height && index < 8; y += 1400, index += 1) {
    await page.screenshot({
      path: `${folder}/${name}-${index}.png`,
      fullPage: true,
      clip: { x: 0, y, width: 1280, height: 1400 },
    });
  }
}

function fiscalYear(): number {
  const japan = new Date(Date.now() + 9 * 60 * 60 * 1000);
  return japan.getUTCMonth() >= 3 ? japan.getUTCFullYear() : japan.getUTCFullYear() - 1;
}
