import { AxeBuilder } from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { withTenant } from '../../src/platform/db/tenant-scope.js';
import { japanDate } from '../../src/platform/time.js';
import { browserSkipReason, launchBrowser, watchPage, type PageProblems } from '../support/browser.js';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { joinTenants, signedInStaff } from '../support/staff.js';

const kesennuma = '042056';

/**
 * A town's officer sets up a 担い手 activity in a real browser, without any script of ours: registers a
 * neighbourhood association, plans a project for it, designates the project, adds a session and opens its
 * roster, which links to the check-in page. Every page is checked with axe (no serious or critical
 * violations) and the console stays clean.
 */
describe('担い手 activities in the staff area, in a browser', { skip: browserSkipReason(), timeout: 240_000 }, () => {
  let runtime: TestRuntime;
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;
  const tomorrow = (() => {
    const date = new Date(`${japanDate(new Date())}T00:00:00Z`);
    date.setUTCDate(date.getUTCDate() + 1);
    return date.toISOString().slice(0, 10);
  })();

  before(async () => {
    runtime = await startTestRuntime();
    await joinTenants(runtime, [kesennuma]);
    const officer = await signedInStaff(runtime, {
      lgCode: kesennuma,
      email: 'staff@kesennuma.example.jp',
      role: 'tenant_staff',
    });
    server = await startTestServer(runtime.database);
    browser = await launchBrowser();
    context = await browser.newContext({ baseURL: server.url, locale: 'ja-JP' });
    context.setDefaultTimeout(10_000);
    await context.addCookies([{ name: 'sid', value: officer.client.cookies.get('sid') ?? '', url: server.url }]);
    page = await context.newPage();
    problems = watchPage(page);
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

  async function assertAccessible(label: string): Promise<void> {
    const { violations } = await new AxeBuilder({ page }).analyze();
    const serious = violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => `${label}: [${violation.impact}] ${violation.id}: ${violation.help}`);
    assert.deepEqual(serious, []);
  }

  const menu = () => page.getByRole('navigation', { name: '職員用メニュー' });

  it('registers a neighbourhood association, after an error named in Japanese', async () => {
    await page.goto(`/staff/${kesennuma}`);
    await menu().getByRole('link', { name: '関係団体' }).click();
    await page.getByRole('heading', { level: 1, name: '関係団体' }).waitFor();
    await assertAccessible('organisations');

    await page.getByLabel('団体名（必須）').fill('魚町自治会');
    await page.getByLabel('団体の種類（必須）').selectOption({ label: '自治会・町内会' });
    await page.getByLabel('連絡先メールアドレス').fill('not-an-address');
    // The browser's own check would stop this address; the server's message is the one under test.
    await page.locator('form.form-stack').evaluate((form) => form.setAttribute('novalidate', ''));
    await page.getByRole('button', { name: '団体を登録する' }).click();
    const alert = page.getByRole('alert');
    await alert.getByText('連絡先メールアドレス: メールアドレスの形式が正しくありません').waitFor();
    await assertAccessible('organisations with an error');

    await page.getByLabel('連絡先メールアドレス').fill('uomachi@example.jp');
    await page.getByLabel('活動地域').fill('魚町地区');
    await page.getByRole('button', { name: '団体を登録する' }).click();
    await page.getByText('団体を登録しました。').waitFor();
    await page.getByRole('heading', { level: 1, name: /魚町自治会/ }).waitFor();
    await assertAccessible('organisation');
  });

  it('plans a project for it, designates the project and adds a session', async () => {
    await menu().getByRole('link', { name: '担い手活動' }).click();
    await page.getByRole('heading', { level: 1, name: '担い手活動' }).waitFor();
    await assertAccessible('projects');
    const plan = page.getByRole('region', { name: '事業を計画する' });
    await plan.getByLabel('実施する団体').selectOption({ label: '魚町自治会' });
    await plan.getByLabel('事業名（必須）').fill('魚町 朝の清掃活動');
    await plan.getByLabel('分野（必須）').selectOption({ label: '清掃・環境' });
    await plan.getByLabel('場所', { exact: true }).fill('魚町公民館');
    await plan.getByLabel('持ち物').fill('軍手、飲み物');
    await plan.getByRole('button', { name: '事業を計画する' }).click();
    await page.getByText('事業を計画しました（非公開）。').waitFor();
    await page.getByRole('heading', { level: 1, name: '魚町 朝の清掃活動' }).waitFor();
    await assertAccessible('project');

    await page.getByLabel('この事業を指定する（パターン①）').check();
    await page.getByRole('button', { name: '指定を保存する' }).click();
    await page.getByText('指定を変更しました。').waitFor();
    await page.getByText('数える（指定された担い手活動）').waitFor();

    await page.getByLabel('開始日時（必須）').fill(`${tomorrow}T09:00`);
    await page.getByLabel('終了日時（必須）').fill(`${tomorrow}T11:30`);
    await page.getByLabel('定員').fill('20');
    await page.getByRole('button', { name: '日程を追加する' }).click();
    await page.getByText('日程を追加しました。').waitFor();
    await page.getByRole('heading', { level: 2, name: '日程（1回）' }).waitFor();
    await assertAccessible('project with a session');

    await page.getByRole('button', { name: '公開する' }).click();
    await page.getByText('事業を公開しました。').waitFor();

    const project = await withTenant(runtime.database.db, kesennuma, (scope) =>
      scope.trx.selectFrom('projects').select(['status', 'designation']).executeTakeFirstOrThrow(),
    );
    assert.deepEqual(project, { status: 'published', designation: 'designated' });
  });

  it('opens the roster of the session, which links to the check-in page', async () => {
    await page.getByRole('link', { name: /9:00〜11:30/ }).click();
    await page.getByRole('heading', { level: 1, name: /参加者と出欠/ }).waitFor();
    const checkIn = page.getByRole('link', { name: 'チェックイン画面を開く' });
    await checkIn.waitFor();
    assert.match((await checkIn.getAttribute('href')) ?? '', /^\/staff\/042056\/sessions\/[0-9a-f-]{36}\/check-in$/);
    await page.getByText('参加確定の方も出席者もまだいません。').waitFor();
    await assertAccessible('roster');

    await page.getByLabel('件名（必須）').fill('集合場所のご案内');
    await page.getByLabel('本文（必須）').fill('魚町公民館の前に集合してください。');
    await page.getByRole('button', { name: 'メッセージを送る' }).click();
    await page.getByText('メッセージを送りました。').waitFor();
    await page.getByRole('heading', { level: 3, name: '集合場所のご案内' }).waitFor();
    await assertAccessible('roster after a message');
  });
});
