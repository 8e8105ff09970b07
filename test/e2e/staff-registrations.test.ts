import { AxeBuilder } from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { v7 as uuidv7 } from 'uuid';
import { registerWithGovernment } from '../../src/modules/registrations/index.js';
import { withTenant } from '../../src/platform/db/tenant-scope.js';
import { browserSkipReason, launchBrowser, watchPage, type PageProblems } from '../support/browser.js';
import { signedInClient, startTestRuntime, type TestRuntime } from '../support/runtime.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { joinTenants, signedInStaff } from '../support/staff.js';

const kesennuma = '042056';

/**
 * A town's administrator works with its registrants in a real browser: the list and its search, one
 * registrant, the premium queue (a rejection with its reason), the registration rules and the CSV
 * download, with no console errors and no serious accessibility violations. The session is made over
 * the API (as the staff tests do) and handed to the browser as its cookie.
 */
describe('registrants in the staff area, in a browser', { skip: browserSkipReason(), timeout: 180_000 }, () => {
  let runtime: TestRuntime;
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;
  let applicationId: string;

  before(async () => {
    runtime = await startTestRuntime();
    await joinTenants(runtime, [kesennuma]);
    const admin = await signedInStaff(runtime, {
      lgCode: kesennuma,
      email: 'admin@kesennuma.example.jp',
      role: 'tenant_admin',
    });
    const db = runtime.database.db;
    for (const [email, name, residence] of [
      ['suzuki@example.jp', '鈴木 一郎', '131016'],
      ['sato@example.jp', '佐藤 花子', kesennuma],
    ] as const) {
      const { client, personId } = await signedInClient(runtime, email);
      await client.sendJson('/api/v1/me', { displayName: name, locale: 'ja' }, 'PATCH');
      const { registration } = await registerWithGovernment({
        db,
        personId,
        lgCode: kesennuma,
        input: { ties: ['family'], declaredResidenceLgCode: residence },
      });
      if (email.startsWith('suzuki')) {
        applicationId = uuidv7();
        await withTenant(db, kesennuma, (scope) =>
          scope.trx
            .insertInto('premium_applications')
            .values({ lg_code: kesennuma, id: applicationId, registration_id: registration.id, person_id: personId })
            .execute(),
        );
      }
    }

    server = await startTestServer(runtime.database);
    browser = await launchBrowser();
    context = await browser.newContext({ baseURL: server.url, locale: 'ja-JP', acceptDownloads: true });
    context.setDefaultTimeout(10_000);
    await context.addCookies([{ name: 'sid', value: admin.client.cookies.get('sid') ?? '', url: server.url }]);
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

  it('searches the registrants and opens one', async () => {
    await page.goto(`/staff/${kesennuma}`);
    await menu().getByRole('link', { name: '登録者' }).click();
    await page.getByRole('heading', { level: 1, name: '登録者' }).waitFor();
    await page.getByText('登録中 2人（ベーシック 2人・プレミアム 0人、うち住所地 1人）').waitFor();
    await assertAccessible('registrants');
    await page.getByLabel('氏名・メールアドレス（先頭から）').fill('鈴木');
    await page.getByRole('button', { name: 'さがす' }).click();
    await page.getByRole('heading', { name: '該当 1件' }).waitFor();
    await page.getByRole('link', { name: '鈴木 一郎' }).click();
    await page.getByRole('heading', { level: 1, name: '鈴木 一郎' }).waitFor();
    await page.getByText('suzuki@example.jp').waitFor();
    await assertAccessible('registrant');

    await page.goBack();
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'この条件でCSVをダウンロード（Excel用）' }).click();
    assert.match((await download).suggestedFilename(), /^registrations-042056-\d{8}\.csv$/);
  });

  it('rejects an application with a reason in the queue', async () => {
    await menu().getByRole('link', { name: 'プレミアム登録の審査' }).click();
    await page.getByRole('heading', { level: 2, name: '審査待ち（1件）' }).waitFor();
    await assertAccessible('queue');
    await page.getByLabel('却下の理由（本人に届きます）').fill('活動の記録がまだありません');
    await page.getByRole('button', { name: '却下する' }).click();
    await page.getByText('却下しました。').waitFor();
    await page.getByRole('cell', { name: '活動の記録がまだありません' }).waitFor();
    await assertAccessible('queue after a decision');
    const row = await withTenant(runtime.database.db, kesennuma, (scope) =>
      scope.trx.selectFrom('premium_applications').select('status').where('id', '=', applicationId).executeTakeFirst(),
    );
    assert.equal(row?.status, 'rejected');
  });

  it('sets the registration rules and adds a survey question', async () => {
    await menu().getByRole('link', { name: '登録のルール' }).click();
    await page.getByRole('heading', { level: 1, name: '登録のルール' }).waitFor();
    await assertAccessible('rules');
    await page.getByLabel('必要な担い手活動の回数').fill('5');
    await page.getByLabel('年度（4月〜3月）').check();
    await page.getByRole('button', { name: '保存する' }).click();
    await page.getByText('保存しました。').waitFor();
    assert.equal(await page.getByLabel('必要な担い手活動の回数').inputValue(), '5');

    await page.getByLabel('設問ID').fill('visit_purpose');
    await page.getByLabel('設問文（日本語）').fill('主な訪問の目的');
    await page.getByLabel('回答の形式').selectOption('choice');
    await page.getByLabel('選択肢').fill('観光\n仕事');
    await page.getByRole('button', { name: '設問を追加する' }).click();
    await page.getByRole('cell', { name: '主な訪問の目的' }).waitFor();
    await assertAccessible('rules with a question');
  });
});
