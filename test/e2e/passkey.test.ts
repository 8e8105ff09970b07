import { AxeBuilder } from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, BrowserContextOptions, CDPSession, Page } from 'playwright-core';
import { browserSkipReason, launchBrowser, watchPage, type PageProblems } from '../support/browser.js';
import { codeIn } from '../support/runtime.js';
import { startTestSite, type TestSite } from '../support/site.js';

interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId: string;
  signCount: number;
}

describe('passkeys in a browser', { skip: browserSkipReason(), timeout: 180_000 }, () => {
  let site: TestSite;
  let browser: Browser;
  let opened: Array<{ context: BrowserContext; problems: PageProblems }> = [];

  before(async () => {
    // WebAuthn refuses an IP address as relying party id: the site must be reached as localhost.
    site = await startTestSite({ publicHost: 'localhost' });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await site?.close();
  });

  afterEach(async () => {
    const problems = opened.flatMap((entry) => entry.problems.errors);
    await Promise.all(opened.map((entry) => entry.context.close()));
    opened = [];
    assert.deepEqual(problems, [], `errors in the browser console:\n${problems.join('\n')}`);
  });

  async function openPage(options: BrowserContextOptions = {}): Promise<Page> {
    const context = await browser.newContext({ baseURL: site.server.url, locale: 'ja-JP', ...options });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    opened.push({ context, problems: watchPage(page) });
    return page;
  }

  /**
   * Chromium's virtual authenticator, as a phone's platform authenticator: it keeps discoverable
   * credentials and verifies the user (as a fingerprint would) without a prompt.
   */
  async function addVirtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    return { cdp, authenticatorId };
  }

  async function credentialsOf(cdp: CDPSession, authenticatorId: string): Promise<VirtualCredential[]> {
    const { credentials } = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })) as {
      credentials: VirtualCredential[];
    };
    return credentials;
  }

  async function signUpByEmail(page: Page, email: string): Promise<void> {
    await page.goto('/signup');
    await page.getByLabel('メールアドレス').fill(email);
    const mailsBefore = site.mail.lastSequence();
    await page.getByRole('button', { name: '登録用のメールを送る' }).click();
    await page.getByRole('heading', { level: 1, name: 'メールを確認してください' }).waitFor();
    const mail = await site.mail.waitForMail(email, (message) => message.sequence > mailsBefore);
    await page.getByLabel('確認コード（6桁）').fill(codeIn(mail.text));
    await page.getByRole('button', { name: 'ログインする' }).click();
    await page.waitForURL((url) => url.pathname === '/account');
  }

  const heading = (page: Page) => page.getByRole('heading', { level: 1 }).innerText();

  it('adds a passkey on the account page, signs out, and signs back in with it without an address', async () => {
    const page = await openPage();
    const { cdp, authenticatorId } = await addVirtualAuthenticator(page);
    await signUpByEmail(page, 'hanako.passkey@example.jp');

    const section = page.getByRole('region', { name: 'パスキー' });
    assert.match(await section.innerText(), /まだ登録されていません/);
    await section.getByLabel('パスキーの名前（任意）').fill('テスト用の端末');
    await section.getByRole('button', { name: 'パスキーを追加する' }).click();
    await page.waitForURL((url) => url.searchParams.get('notice') === 'passkey-added');
    assert.match(await section.getByRole('status').innerText(), /パスキーを追加しました/);
    assert.match(await section.getByRole('table').innerText(), /テスト用の端末/);

    const credentials = await credentialsOf(cdp, authenticatorId);
    assert.equal(credentials.length, 1);
    assert.equal(credentials[0]?.isResidentCredential, true, 'a discoverable credential');
    assert.equal(credentials[0]?.rpId, 'localhost');
    const stored = await site.database.db.selectFrom('passkeys').select(['id', 'label']).execute();
    assert.deepEqual(
      stored.map((row) => row.label),
      ['テスト用の端末'],
    );

    await page.getByRole('button', { name: 'ログアウト' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    assert.equal(await page.getByRole('link', { name: 'ログイン', exact: true }).count(), 1);

    await page.goto('/signin');
    const passkeyButton = page.getByRole('button', { name: 'パスキーでログイン' });
    await passkeyButton.waitFor({ state: 'visible' });
    await passkeyButton.click();
    await page.waitForURL((url) => url.pathname === '/account');
    assert.equal(await heading(page), 'アカウント');
    assert.match(await page.getByRole('region', { name: 'ログイン中の端末' }).innerText(), /パスキーでログイン/);
    const used = await credentialsOf(cdp, authenticatorId);
    assert.ok((used[0]?.signCount ?? 0) >= 1, 'the authenticator signed');

    const session = await site.database.db
      .selectFrom('sessions')
      .select(['authenticated_by', 'second_factor_at'])
      .where('authenticated_by', '=', 'passkey')
      .executeTakeFirstOrThrow();
    assert.ok(session.second_factor_at, 'a user-verified passkey counts as a second factor');
  });

  it('tells a person whose device has no passkey for the site what happened, and keeps the e-mail form', async () => {
    const page = await openPage();
    await addVirtualAuthenticator(page);
    await page.goto('/signin');
    await page.getByRole('button', { name: 'パスキーでログイン' }).click();
    const alert = page.locator('#passkey-sign-in').getByRole('alert');
    await alert.waitFor({ state: 'visible', timeout: 20_000 });
    assert.match(
      await alert.innerText(),
      /^パスキーでログインできませんでした。この端末にこのサイトのパスキーがないか/,
    );
    assert.equal(await page.getByLabel('メールアドレス').isVisible(), true);
    assert.equal(await page.getByRole('button', { name: 'パスキーでログイン' }).isEnabled(), true);
    assert.equal(new URL(page.url()).pathname, '/signin');
  });

  it('shows no passkey button without JavaScript, and the e-mail sign-in still works', async () => {
    const page = await openPage({ javaScriptEnabled: false });
    await page.goto('/signin');
    assert.equal(await page.getByRole('button', { name: 'パスキーでログイン' }).isVisible(), false);
    await signUpByEmail(page, 'no.script@example.jp');
    assert.equal(await heading(page), 'アカウント');
    const section = page.getByRole('region', { name: 'パスキー' });
    assert.equal(await section.getByRole('button', { name: 'パスキーを追加する' }).isVisible(), false);
    assert.match(await section.innerText(), /JavaScriptを有効にしてください/);
  });

  it('has no serious or critical accessibility violations on the account page with a passkey (axe)', async () => {
    const page = await openPage();
    await addVirtualAuthenticator(page);
    await signUpByEmail(page, 'axe.passkey@example.jp');
    await page.getByRole('button', { name: 'パスキーを追加する' }).click();
    await page.waitForURL((url) => url.searchParams.get('notice') === 'passkey-added');
    // The rename form is inside <details>: open it so axe checks it too.
    await page.getByText('名前を変更').click();

    const found: string[] = [];
    for (const path of ['/account?notice=passkey-added', '/signin']) {
      if (path === '/signin') {
        await page.getByRole('button', { name: 'ログアウト' }).click();
        await page.waitForURL((url) => url.pathname === '/');
        await page.goto(path);
        await page.getByRole('button', { name: 'パスキーでログイン' }).waitFor({ state: 'visible' });
      }
      const { violations } = await new AxeBuilder({ page }).analyze();
      for (const violation of violations) {
        if (violation.impact !== 'serious' && violation.impact !== 'critical') continue;
        const targets = violation.nodes.map((node) => node.target.join(' ')).join(' | ');
        found.push(`${path}: [${violation.impact}] ${violation.id}: ${violation.help} (${targets})`);
      }
    }
    assert.deepEqual(found, [], `axe violations:\n${found.join('\n')}`);
  });
});
