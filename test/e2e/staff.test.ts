import { AxeBuilder } from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { inviteStaff } from '../../src/modules/staff/index.js';
import { browserSkipReason, launchBrowser, watchPage, type PageProblems } from '../support/browser.js';
import { codeIn } from '../support/runtime.js';
import { startTestSite, type TestSite } from '../support/site.js';
import { cliOperator, TestAuthenticator } from '../support/staff.js';
import { joinTenant } from '../../src/modules/municipalities/index.js';

const screenshotFolder = fileURLToPath(new URL('../../test-results/', import.meta.url));
const kesennuma = '042056';

/**
 * The first administrator of a town, in a real browser: the invitation mail, sign-up by e-mail code,
 * accepting, setting up an authenticator app from the QR page, and the staff pages, with no console
 * errors (the QR code is a data: image under the CSP) and no serious accessibility violations.
 */
describe('staff area in a browser', { skip: browserSkipReason(), timeout: 180_000 }, () => {
  let site: TestSite;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;

  before(async () => {
    site = await startTestSite();
    await joinTenant({ db: site.database.db, actor: cliOperator, lgCode: kesennuma });
    browser = await launchBrowser();
    context = await browser.newContext({ baseURL: site.server.url, locale: 'ja-JP' });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    problems = watchPage(page);
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await site?.close();
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

  it('an invited administrator signs up, sets up an authenticator app and manages the staff', async () => {
    const email = 'kikaku@kesennuma.example.jp';
    const { link } = await inviteStaff({
      db: site.database.db,
      config: { PUBLIC_URL: site.server.url },
      actor: cliOperator,
      lgCode: kesennuma,
      input: { email, role: 'tenant_admin' },
    });
    await site.mail.waitForMail(email, (mail) => mail.text.includes(link));

    await page.goto(link);
    await page.getByText('「自治体管理者」として招待されています').waitFor();
    await assertAccessible('invitation');
    await page.getByRole('link', { name: 'ログインして招待を受ける' }).click();
    const sentAfter = new Date();
    await page.getByLabel('メールアドレス').fill(email);
    await page.getByRole('button', { name: 'ログイン用のメールを送る' }).click();
    const mail = await site.mail.waitForMail(email, (message) => message.receivedAt > sentAfter);
    await page.getByLabel('確認コード（6桁）').fill(codeIn(mail.text));
    await page.getByRole('button', { name: 'ログインする' }).click();

    await page.getByRole('button', { name: '招待を受ける' }).click();
    await page.getByRole('heading', { level: 1, name: '認証アプリの設定' }).waitFor();
    const qr = page.getByRole('img', { name: '認証アプリ設定用のQRコード' });
    assert.ok(await qr.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth > 0), 'QR drawn');
    await assertAccessible('enrolment');
    await mkdir(screenshotFolder, { recursive: true });
    await page.screenshot({ path: `${screenshotFolder}staff-enrolment.png`, fullPage: true });
    const secret = await page.locator('code.secret-code').first().innerText();
    await page.getByLabel('確認コード（6桁）').fill(new TestAuthenticator(secret).code());
    await page.getByRole('button', { name: '設定を完了する' }).click();

    await page.getByRole('heading', { level: 1, name: '宮城県 気仙沼市' }).waitFor();
    await assertAccessible('dashboard');
    await page.getByRole('navigation', { name: '職員用メニュー' }).getByRole('link', { name: '職員の管理' }).click();
    await page.getByRole('heading', { level: 1, name: '職員の管理' }).waitFor();
    await page.getByLabel('メールアドレス', { exact: true }).fill('tanto@kesennuma.example.jp');
    await page.getByLabel('役割', { exact: true }).selectOption('tenant_staff');
    await page.getByRole('button', { name: '招待メールを送る' }).click();
    await page.getByText('招待メールを送りました。').waitFor();
    await page.getByRole('cell', { name: 'tanto@kesennuma.example.jp' }).waitFor();
    await assertAccessible('members');
    await page.screenshot({ path: `${screenshotFolder}staff-members.png`, fullPage: true });

    await page
      .getByRole('navigation', { name: '職員用メニュー' })
      .getByRole('link', { name: '操作の記録（監査ログ）' })
      .click();
    await page
      .getByRole('cell', { name: /職員の招待/ })
      .first()
      .waitFor();
    await assertAccessible('audit');

    await page.getByRole('navigation', { name: '職員用メニュー' }).getByRole('link', { name: '自治体の設定' }).click();
    await page.getByLabel('お問い合わせ用メールアドレス').fill('furusato@kesennuma.example.jp');
    await page.getByRole('button', { name: '保存する' }).click();
    await page.getByText('保存しました。').waitFor();
    await assertAccessible('settings');
  });
});
