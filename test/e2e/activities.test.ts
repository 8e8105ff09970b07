import { AxeBuilder } from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserSkipReason, launchBrowser, watchPage, type PageProblems } from '../support/browser.js';
import { signedInClient, startTestRuntime, type TestRuntime } from '../support/runtime.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { joinTenants, signedInStaff } from '../support/staff.js';

const kesennuma = '042056';

/**
 * A registrant on a phone finds an activity, applies (the last place), and sees it in 「わたしの活動」; a
 * second person joins the waiting list; the first cancels and the second moves up. Every page passes
 * axe without serious violations and the console stays clean.
 */
describe('applying to activities in a browser', { skip: browserSkipReason(), timeout: 180_000 }, () => {
  let runtime: TestRuntime;
  let server: TestServer;
  let browser: Browser;
  const opened: Array<{ context: BrowserContext; problems: PageProblems }> = [];
  const sids: string[] = [];

  before(async () => {
    runtime = await startTestRuntime();
    await joinTenants(runtime, [kesennuma]);
    const clerk = await signedInStaff(runtime, {
      lgCode: kesennuma,
      email: 'clerk@kesennuma.example.jp',
      role: 'tenant_staff',
    });
    const api = `/api/v1/tenants/${kesennuma}`;
    const project = (await (
      await clerk.client.sendJson(`${api}/projects`, {
        title: 'みなとまつり 会場設営',
        category: 'festival',
        placeName: '気仙沼港',
        whatToBring: '軍手',
      })
    ).json()) as { id: string };
    await clerk.client.sendJson(`${api}/projects/${project.id}/designation`, { designation: 'designated' }, 'PUT');
    await clerk.client.sendJson(`${api}/projects/${project.id}/status`, { status: 'published' }, 'PUT');
    await clerk.client.sendJson(`${api}/projects/${project.id}/sessions`, {
      startsAt: new Date(Date.now() + 3 * 24 * 60 * 60_000).toISOString(),
      endsAt: new Date(Date.now() + 3 * 24 * 60 * 60_000 + 4 * 60 * 60_000).toISOString(),
      capacity: 1,
    });
    for (const [email, name] of [
      ['taro@example.jp', '熊谷 太郎'],
      ['jiro@example.jp', '及川 次郎'],
    ] as const) {
      const { client } = await signedInClient(runtime, email);
      await client.sendJson('/api/v1/me', { displayName: name, locale: 'ja' }, 'PATCH');
      sids.push(client.cookies.get('sid') ?? '');
    }
    server = await startTestServer(runtime.database);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await runtime?.close();
  });

  afterEach(async () => {
    const problems = opened.flatMap((entry) => entry.problems.errors);
    await Promise.all(opened.map((entry) => entry.context.close()));
    opened.length = 0;
    assert.deepEqual(problems, [], `errors in the browser console:\n${problems.join('\n')}`);
  });

  async function phone(sid: string): Promise<Page> {
    const context = await browser.newContext({
      baseURL: server.url,
      locale: 'ja-JP',
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    context.setDefaultTimeout(10_000);
    await context.addCookies([{ name: 'sid', value: sid, url: server.url }]);
    const page = await context.newPage();
    opened.push({ context, problems: watchPage(page) });
    return page;
  }

  async function assertAccessible(page: Page, label: string): Promise<void> {
    const { violations } = await new AxeBuilder({ page }).analyze();
    const serious = violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => `${label}: [${violation.impact}] ${violation.id}: ${violation.help}`);
    assert.deepEqual(serious, []);
  }

  it('applies for the last place, the next person waits, and moves up when the first cancels', async () => {
    const taro = await phone(sids[0]!);
    await taro.goto('/');
    await taro.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '担い手活動' }).click();
    await taro.getByLabel('分野').selectOption({ label: '祭り・伝統行事' });
    await taro.getByLabel('プレミアム登録の対象活動だけ').check();
    await taro.getByRole('button', { name: 'さがす' }).click();
    await assertAccessible(taro, 'activities');
    await taro.getByRole('link', { name: 'みなとまつり 会場設営' }).click();
    await taro.getByRole('heading', { level: 1, name: 'みなとまつり 会場設営' }).waitFor();
    await taro.getByText('残り1人').waitFor();
    await assertAccessible(taro, 'project');
    await taro.getByRole('button', { name: '参加を申し込む' }).click();
    await taro.getByText('参加を申し込みました（参加確定）。').waitFor();

    const jiro = await phone(sids[1]!);
    await jiro.goto(taro.url().replace(/\?.*$/, ''));
    await jiro.getByText('満員（キャンセル待ちで申し込めます）').waitFor();
    await jiro.getByRole('button', { name: 'キャンセル待ちで申し込む' }).click();
    await jiro.getByText(/キャンセル待ち（1番目）で申し込みました/).waitFor();

    await taro.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: 'わたしの活動' }).click();
    await taro.getByRole('heading', { level: 1, name: 'わたしの活動' }).waitFor();
    await assertAccessible(taro, 'my activities');
    await taro.getByRole('button', { name: 'キャンセルする' }).click();
    await taro.getByText('申し込みをキャンセルしました。').waitFor();

    await jiro.goto('/my/activities');
    await jiro.getByText('参加確定').waitFor();
  });
});
