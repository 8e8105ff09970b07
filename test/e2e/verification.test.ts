import { AxeBuilder } from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startDevOidcProvider, type DevOidcProvider } from '../../src/dev/oidc-provider.js';
import { insertPerson } from '../../src/modules/identity/identity.repository.js';
import { createSession } from '../../src/platform/auth/sessions.js';
import { browserSkipReason, launchBrowser, watchPage, type PageProblems } from '../support/browser.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('identity verification in a browser', { skip: browserSkipReason(), timeout: 180_000 }, () => {
  let database: TestDatabase;
  let provider: DevOidcProvider;
  let server: TestServer;
  let browser: Browser;
  let opened: Array<{ context: BrowserContext; problems: PageProblems }> = [];

  before(async () => {
    database = await openTestDatabase();
    // The provider must know the app's callback URL, which exists once the app has a port.
    server = await startTestServer(database, async (url) => {
      provider = await startDevOidcProvider({ redirectUris: [`${url}/verification/callback`] });
      return provider.configOverrides;
    });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await provider?.close();
    await database?.close();
  });

  afterEach(async () => {
    const problems = opened.flatMap((entry) => entry.problems.errors);
    await Promise.all(opened.map((entry) => entry.context.close()));
    opened = [];
    assert.deepEqual(problems, [], `errors in the browser console:\n${problems.join('\n')}`);
  });

  /** A browser already signed in as a new person (the session is made directly; sign-in has its own tests). */
  async function signedInPage(email: string): Promise<Page> {
    const person = await insertPerson(database.db, email, 'ja');
    const session = await createSession(database.db, { personId: person.id, method: 'email', days: 1 });
    const context = await browser.newContext({ baseURL: server.url, locale: 'ja-JP' });
    context.setDefaultTimeout(10_000);
    await context.addCookies([{ name: 'sid', value: session.token, url: server.url }]);
    const page = await context.newPage();
    opened.push({ context, problems: watchPage(page) });
    return page;
  }

  async function seriousViolations(page: Page): Promise<string[]> {
    const { violations } = await new AxeBuilder({ page }).analyze();
    return violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map(
        (violation) =>
          `${page.url()}: [${violation.impact}] ${violation.id}: ${violation.help} (${violation.nodes
            .map((node) => node.target.join(' '))
            .join(' | ')})`,
      );
  }

  it('verifies an adult at the provider and shows the status and residence', async () => {
    const page = await signedInPage('taro.browser@example.jp');
    await page.goto('/verification');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '本人確認（マイナンバーカード）');
    assert.match(await page.getByRole('main').innerText(), /まだ本人確認をしていません/);
    assert.deepEqual(await seriousViolations(page), []);

    await page.getByRole('button', { name: 'マイナンバーカードで本人確認する' }).click();
    await page.waitForURL((url) => url.origin === provider.issuer);
    assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /デジタル認証アプリ（開発用）/);
    await page.getByRole('button', { name: /山田 太郎/ }).click();

    await page.waitForURL((url) => url.origin === server.url && url.pathname === '/verification/result');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '本人確認が完了しました');
    assert.match(await page.getByRole('status').first().innerText(), /マイナンバーカードで本人確認ができました/);
    const facts = await page.locator('dl.facts').innerText();
    assert.match(facts, /状態\s+確認済み/);
    assert.match(facts, /氏名\s+山田 太郎/);
    assert.match(facts, /お住まいの市区町村\s+東京都 千代田区/);
    assert.match(facts, /有効期限\s+\d{4}年\d{1,2}月\d{1,2}日/);
    assert.deepEqual(await seriousViolations(page), []);

    await page.getByRole('link', { name: 'アカウントへ' }).click();
    await page.waitForURL('**/account');
    assert.match(
      await page.getByRole('region', { name: '本人確認' }).innerText(),
      /確認済み（\d{4}年\d{1,2}月\d{1,2}日まで有効）[\s\S]*東京都 千代田区/,
    );
  });

  it('shows a minor the guardian request form, accessibly', async () => {
    const page = await signedInPage('minato.browser@example.jp');
    await page.goto('/verification');
    await page.getByRole('button', { name: 'マイナンバーカードで本人確認する' }).click();
    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.getByRole('button', { name: /佐藤 みなと/ }).click();
    await page.waitForURL('**/verification/result');
    assert.match(await page.getByRole('main').innerText(), /保護者の同意が必要です/);
    assert.deepEqual(await seriousViolations(page), []);

    await page.getByRole('link', { name: '保護者に同意を依頼する' }).click();
    await page.waitForURL('**/verification');
    await page.getByLabel('保護者のメールアドレス').fill('hanako.browser@example.jp');
    await page.getByRole('button', { name: '保護者に同意を依頼する' }).click();
    await page.waitForURL((url) => url.searchParams.get('notice') === 'guardian_requested');
    assert.match(await page.getByRole('status').first().innerText(), /同意のお願いのメールを送りました/);
    assert.match(await page.getByRole('table').innerText(), /プレミアム登録\s+—\s+保護者の回答待ち/);
    assert.deepEqual(await seriousViolations(page), []);
  });
});
