import { AxeBuilder } from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { v7 as uuidv7 } from 'uuid';
import { insertPerson } from '../../src/modules/identity/identity.repository.js';
import { joinTenant } from '../../src/modules/municipalities/index.js';
import { createPost, publishPost } from '../../src/modules/outreach/posts.service.js';
import { systemActor, type Actor } from '../../src/platform/audit.js';
import { createSession } from '../../src/platform/auth/sessions.js';
import { browserSkipReason, launchBrowser, watchPage, type PageProblems } from '../support/browser.js';
import { startTestSite, type TestSite } from '../support/site.js';

const kesennuma = '042056';
const kamiyama = '363421';

function staffOf(lgCode: string): Actor {
  return {
    kind: 'staff',
    id: uuidv7(),
    secondFactor: true,
    memberships: [{ lgCode, membershipId: uuidv7(), role: 'tenant_admin', organisationId: null }],
  };
}

/**
 * A person looking for something to help with, in a real browser: searches in half-width katakana,
 * narrows by prefecture, opens a post, and (signed in) saves the search for new matches.
 */
describe('nationwide search in a browser', { skip: browserSkipReason(), timeout: 180_000 }, () => {
  let site: TestSite;
  let browser: Browser;
  let opened: Array<{ context: BrowserContext; problems: PageProblems }> = [];

  before(async () => {
    site = await startTestSite();
    for (const lgCode of [kesennuma, kamiyama]) await joinTenant({ db: site.database.db, actor: systemActor, lgCode });
    const posts: Array<[string, { kind: 'event' | 'notice'; title: string; body: string }]> = [
      [
        kesennuma,
        { kind: 'event', title: '気仙沼みなとまつり ボランティア説明会', body: '夏祭りを支える方の説明会です。' },
      ],
      [kamiyama, { kind: 'event', title: '神山の棚田ボランティア', body: '田植えと草刈りを手伝ってください。' }],
      [kamiyama, { kind: 'notice', title: '神山町からのお知らせ', body: '庁舎の開庁時間が変わります。' }],
    ];
    for (const [lgCode, input] of posts) {
      const actor = staffOf(lgCode);
      const post = await createPost({ db: site.database.db, actor, lgCode, input });
      await publishPost({ db: site.database.db, actor, lgCode, postId: post.id });
    }
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
    context.setDefaultTimeout(5_000);
    const page = await context.newPage();
    opened.push({ context, problems: watchPage(page) });
    return page;
  }

  const resultTitles = (page: Page) => page.locator('.post-list .post-card__title').allInnerTexts();

  it('finds ボランティア from ﾎﾞﾗﾝﾃｨｱ and narrows by prefecture, then opens the post', async () => {
    const page = await openPage();
    await page.goto('/');
    await page.getByRole('link', { name: '活動・お知らせ' }).click();
    await page.getByLabel('キーワード').fill('ﾎﾞﾗﾝﾃｨｱ');
    await page.getByRole('button', { name: '検索', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/search' && url.searchParams.get('q') === 'ﾎﾞﾗﾝﾃｨｱ');
    assert.deepEqual(
      (await resultTitles(page)).sort(),
      ['気仙沼みなとまつり ボランティア説明会', '神山の棚田ボランティア'].sort(),
    );
    assert.match(await page.getByRole('status').first().innerText(), /^2件/);

    await page.getByLabel('都道府県').selectOption({ label: '徳島県' });
    await page.getByRole('button', { name: '検索', exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('prefecture') === '36');
    assert.deepEqual(await resultTitles(page), ['神山の棚田ボランティア']);

    await page.getByRole('link', { name: '神山の棚田ボランティア' }).click();
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '神山の棚田ボランティア');
    assert.match(await page.locator('main').innerText(), /田植えと草刈りを手伝ってください。/);
  });

  it('says so when nothing matches, and explains a bad date range', async () => {
    const page = await openPage();
    await page.goto('/search?q=%E3%83%8F%E3%83%83%E3%82%AB%E3%82%BD%E3%83%B3');
    assert.match(await page.locator('main').innerText(), /条件に合う投稿はありませんでした/);
    const response = await page.goto('/search?from=2031-09-01&to=2031-08-01');
    assert.equal(response?.status(), 400);
    assert.match(await page.getByRole('alert').innerText(), /入力内容を確認|to/);
  });

  it('a signed-in person saves the search and finds it in their saved searches', async () => {
    const person = await insertPerson(site.database.db, 'searcher@example.jp', 'ja');
    const session = await createSession(site.database.db, { personId: person.id, method: 'email', days: 1 });
    const page = await openPage();
    await page.context().addCookies([{ name: 'sid', value: session.token, url: site.server.url }]);
    await page.goto('/search?q=%E7%A5%AD%E3%82%8A');
    assert.deepEqual(await resultTitles(page), ['気仙沼みなとまつり ボランティア説明会']);
    await page.getByRole('button', { name: 'この条件を保存して新着を受け取る' }).click();
    await page.waitForURL((url) => url.searchParams.get('notice') === 'saved');
    assert.match(await page.getByRole('status').first().innerText(), /検索を保存しました/);
    await page.getByRole('link', { name: '保存した検索' }).click();
    assert.equal(await page.getByRole('link', { name: '祭り', exact: true }).count(), 1);

    const { violations } = await new AxeBuilder({ page }).analyze();
    const serious = violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
    await page.goto('/search?q=%E7%A5%AD%E3%82%8A');
    const onSearch = (await new AxeBuilder({ page }).analyze()).violations.filter(
      (violation) => violation.impact === 'serious' || violation.impact === 'critical',
    );
    assert.deepEqual(
      [...serious, ...onSearch].map((violation) => `${violation.id}: ${violation.help}`),
      [],
    );
  });
});
