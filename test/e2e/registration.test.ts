import { AxeBuilder } from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { joinTenant } from '../../src/modules/municipalities/index.js';
import { browserSkipReason, launchBrowser, watchPage, type PageProblems } from '../support/browser.js';
import { codeIn } from '../support/runtime.js';
import { startTestSite, type TestSite } from '../support/site.js';
import { cliOperator } from '../support/staff.js';

const kesennuma = '042056';
const miyagi = '040002';

/**
 * A registrant in a real browser: signs up by e-mail code, finds 気仙沼市, answers the survey, sees the
 * registration and the prefecture link to 宮城県 on "my places", reads what premium needs, and leaves;
 * no console errors and no serious accessibility violations on the way.
 */
describe('registering with a town in a browser', { skip: browserSkipReason(), timeout: 180_000 }, () => {
  let site: TestSite;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;

  before(async () => {
    site = await startTestSite();
    await joinTenant({
      db: site.database.db,
      actor: cliOperator,
      lgCode: kesennuma,
      settings: {
        registration: {
          surveyQuestions: [
            {
              id: 'visit',
              label: { ja: '気仙沼にはどのくらい来ますか', en: 'How often do you come?' },
              kind: 'choice',
              choices: ['年に1回', '年に数回', '毎月'],
              required: true,
            },
          ],
        },
      },
    });
    await joinTenant({ db: site.database.db, actor: cliOperator, lgCode: miyagi });
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
      .map(
        (violation) =>
          `${label}: [${violation.impact}] ${violation.id}: ${violation.help} (${violation.nodes
            .map((node) => node.target.join(' '))
            .join(' | ')})`,
      );
    assert.deepEqual(serious, []);
  }

  it('signs up, registers with 気仙沼市 and 宮城県, reads the premium conditions and leaves', async () => {
    const email = 'furusato.browser@example.jp';
    await page.goto('/signin');
    const sentAfter = new Date();
    await page.getByLabel('メールアドレス').fill(email);
    await page.getByRole('button', { name: 'ログイン用のメールを送る' }).click();
    const mail = await site.mail.waitForMail(email, (message) => message.receivedAt > sentAfter);
    await page.getByLabel('確認コード（6桁）').fill(codeIn(mail.text));
    await page.getByRole('button', { name: 'ログインする' }).click();
    await page.waitForURL('**/account?welcome=1');

    await page
      .getByRole('navigation', { name: 'メインメニュー' })
      .getByRole('link', { name: '登録している自治体' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'マイページ：登録している自治体' }).waitFor();
    await page.getByText('まだどの自治体にも登録していません。').waitFor();
    await page.getByRole('link', { name: '自治体を選んで登録する' }).click();

    await page.getByRole('heading', { level: 1, name: 'ふるさと住民登録をする' }).waitFor();
    await page.getByLabel('名前・よみ').fill('けせんぬま');
    await page.getByRole('button', { name: 'さがす' }).click();
    await page.getByRole('link', { name: '宮城県気仙沼市' }).click();

    await page.getByRole('heading', { level: 1, name: '宮城県気仙沼市に登録する' }).waitFor();
    await assertAccessible('register form');
    await page.getByRole('checkbox', { name: '出身・居住歴がある' }).check();
    await page.getByRole('checkbox', { name: 'ふるさと納税をしている' }).check();
    await page.getByLabel('気仙沼にはどのくらい来ますか（必須）').selectOption('年に数回');
    assert.equal(await page.getByRole('checkbox', { name: '宮城県にも登録する' }).isChecked(), true);
    // Where the person lives, in two steps without script: the prefecture, then its municipalities.
    await page.getByLabel('都道府県', { exact: true }).selectOption({ label: '東京都' });
    await page.getByRole('button', { name: '市区町村を表示する' }).click();
    assert.equal(await page.getByRole('checkbox', { name: 'ふるさと納税をしている' }).isChecked(), true);
    await page.getByLabel('市区町村', { exact: true }).selectOption({ label: '千代田区' });
    await page.getByRole('radio', { name: '表示する', exact: true }).check();
    await page.getByRole('button', { name: '登録する', exact: true }).click();

    await page.waitForURL('**/my/places?notice=registered*');
    await page.getByText('宮城県気仙沼市に登録しました。あわせて宮城県にも登録しました。').waitFor();
    const town = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /宮城県気仙沼市/ }) });
    const prefecture = page
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { level: 3, name: /^宮城県\s*ベーシック$/ }) });
    assert.match(await town.innerText(), /ベーシック/);
    assert.match(await prefecture.innerText(), /（宮城県気仙沼市の登録により県にも登録）/);
    assert.match(
      await page.getByRole('region', { name: '都道府県への登録' }).innerText(),
      /宮城県\s+登録しています（宮城県気仙沼市の登録により県にも登録）。/,
    );
    await assertAccessible('my places');

    await town.getByRole('link', { name: 'プレミアム登録について' }).click();
    await page.getByRole('heading', { level: 1, name: '宮城県気仙沼市のプレミアム登録' }).waitFor();
    const conditions = await page.getByRole('region', { name: 'プレミアム登録の条件' }).innerText();
    assert.match(conditions, /マイナンバーカードによる本人確認\s*✕ まだです/);
    assert.match(conditions, /プレミアム登録には本人確認が必要です。/);
    await assertAccessible('premium');
    await page.getByRole('button', { name: 'プレミアム登録を申請する' }).click();
    assert.match(
      await page.getByRole('alert').innerText(),
      /プレミアム登録には、マイナンバーカードによる有効な本人確認が必要です。/,
    );
    await page.getByRole('alert').getByRole('link', { name: '本人確認のページへ' }).waitFor();

    await page.getByRole('link', { name: '← 登録している自治体' }).click();
    await town.getByRole('link', { name: '登録をやめる' }).click();
    await page.getByRole('heading', { level: 1, name: '宮城県気仙沼市の登録をやめる' }).waitFor();
    await assertAccessible('leave');
    await page.getByRole('button', { name: '登録をやめる' }).click();
    await page.getByText('宮城県気仙沼市の登録をやめました。').waitFor();
    await page.getByText('まだどの自治体にも登録していません。').waitFor();
    assert.match(
      await page.getByRole('region', { name: '過去の登録' }).innerText(),
      /宮城県気仙沼市[\s\S]*ご自身で登録をやめました/,
    );
    await assertAccessible('my places after leaving');
  });
});
