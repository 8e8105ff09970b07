import { AxeBuilder } from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { findOrCreatePerson } from '../../src/modules/identity/index.js';
import {
  answerSurvey,
  createRoom,
  createSurvey,
  createThread,
  publishSurvey,
  replaceSurveyQuestions,
  saveRoomProfile,
} from '../../src/modules/outreach/index.js';
import { registerWithGovernment } from '../../src/modules/registrations/index.js';
import type { Actor } from '../../src/platform/audit.js';
import { browserSkipReason, launchBrowser, watchPage, type PageProblems } from '../support/browser.js';
import { signedInClient, startTestRuntime, type TestRuntime } from '../support/runtime.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { joinTenants, signedInStaff } from '../support/staff.js';

const kesennuma = '042056';

/**
 * A registrant answers a survey and talks in a community room in a real browser (the conditional question
 * appears when its answer is given; a refused answer is explained next to the question), and the town's
 * staff read the results as a chart with its table; no console errors, no serious accessibility violations.
 */
describe('surveys and community rooms in a browser', { skip: browserSkipReason(), timeout: 240_000 }, () => {
  let runtime: TestRuntime;
  let server: TestServer;
  let browser: Browser;
  let registrantContext: BrowserContext;
  let staffContext: BrowserContext;
  let page: Page;
  let staffPage: Page;
  let problems: PageProblems;
  let staffProblems: PageProblems;
  let surveyId: string;
  let neighbourId: string;

  async function assertAccessible(target: Page, label: string): Promise<void> {
    const { violations } = await new AxeBuilder({ page: target }).analyze();
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

  before(async () => {
    runtime = await startTestRuntime();
    const db = runtime.database.db;
    await joinTenants(runtime, [kesennuma]);
    const admin = await signedInStaff(runtime, {
      lgCode: kesennuma,
      email: 'admin@kesennuma.example.jp',
      role: 'tenant_admin',
    });
    const actor: Actor = {
      kind: 'staff',
      id: admin.personId,
      secondFactor: true,
      memberships: [
        { lgCode: kesennuma, membershipId: admin.membershipId, role: 'tenant_admin', organisationId: null },
      ],
    };
    const survey = await createSurvey({
      db,
      actor,
      lgCode: kesennuma,
      input: { title: '港まちアンケート', closesAt: new Date(Date.now() + 86_400_000) },
    });
    surveyId = survey.id;
    await replaceSurveyQuestions({
      db,
      actor,
      lgCode: kesennuma,
      surveyId,
      questions: [
        {
          id: 'q1',
          kind: 'single',
          label: { ja: 'この1年に気仙沼を訪れましたか' },
          required: true,
          choices: [
            { value: 'c1', label: { ja: '訪れた' } },
            { value: 'c2', label: { ja: '訪れていない' } },
          ],
        },
        {
          id: 'q2',
          kind: 'multiple',
          label: { ja: '訪れたときにしたこと' },
          required: true,
          showIf: { questionId: 'q1', anyOf: ['c1'] },
          choices: [
            { value: 'c1', label: { ja: '朝市' } },
            { value: 'c2', label: { ja: '祭り' } },
          ],
        },
        { id: 'q3', kind: 'scale', label: { ja: 'また行きたいですか' }, required: true, min: 1, max: 5 },
        { id: 'q4', kind: 'text', label: { ja: 'ご意見' }, required: false, maxLength: 500, multiline: true },
      ],
    });
    await publishSurvey({ db, actor, lgCode: kesennuma, surveyId });
    // Twelve others answered already: the staff see results.
    for (let index = 0; index < 12; index += 1) {
      const { personId } = await findOrCreatePerson({ db, email: `earlier-${index}@example.jp` });
      await registerWithGovernment({ db, personId, lgCode: kesennuma, input: { ties: ['family'] } });
      await answerSurvey({
        db,
        personId,
        lgCode: kesennuma,
        surveyId,
        answers: index % 3 === 0 ? { q1: 'c2', q3: '3' } : { q1: 'c1', q2: ['c1'], q3: '5' },
      });
    }

    const { id: roomId } = await createRoom({
      db,
      actor,
      lgCode: kesennuma,
      input: { name: '気仙沼ふるさと住民の広場' },
    });
    const neighbour = await findOrCreatePerson({ db, email: 'neighbour@example.jp' });
    neighbourId = neighbour.personId;
    await registerWithGovernment({ db, personId: neighbourId, lgCode: kesennuma, input: { ties: ['family'] } });
    const neighbourActor: Actor = { kind: 'person', id: neighbourId };
    await saveRoomProfile({
      db,
      actor: neighbourActor,
      lgCode: kesennuma,
      input: { handle: 'umineko', displayName: 'うみねこ' },
    });
    await createThread({
      db,
      actor: neighbourActor,
      lgCode: kesennuma,
      roomId,
      input: { title: '朝市のおすすめ', body: '帰省したら朝市に行きます。おすすめは？' },
    });

    const registrant = await signedInClient(runtime, 'hanako@example.jp');
    await registerWithGovernment({ db, personId: registrant.personId, lgCode: kesennuma, input: { ties: ['family'] } });

    server = await startTestServer(runtime.database);
    browser = await launchBrowser();
    registrantContext = await browser.newContext({ baseURL: server.url, locale: 'ja-JP' });
    registrantContext.setDefaultTimeout(10_000);
    await registrantContext.addCookies([
      { name: 'sid', value: registrant.client.cookies.get('sid') ?? '', url: server.url },
    ]);
    page = await registrantContext.newPage();
    problems = watchPage(page);
    staffContext = await browser.newContext({ baseURL: server.url, locale: 'ja-JP' });
    staffContext.setDefaultTimeout(10_000);
    await staffContext.addCookies([{ name: 'sid', value: admin.client.cookies.get('sid') ?? '', url: server.url }]);
    staffPage = await staffContext.newPage();
    staffProblems = watchPage(staffPage);
  });

  after(async () => {
    await registrantContext?.close();
    await staffContext?.close();
    await browser?.close();
    await server?.close();
    await runtime?.close();
  });

  afterEach(() => {
    assert.deepEqual(problems.errors, [], `errors in the browser console:\n${problems.errors.join('\n')}`);
    assert.deepEqual(
      staffProblems.errors,
      [],
      `errors in the staff browser console:\n${staffProblems.errors.join('\n')}`,
    );
  });

  it('answers a survey: the conditional question appears with its answer, a missing answer is explained', async () => {
    await page.goto('/my/places');
    await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: 'アンケート' }).click();
    await page.getByRole('heading', { level: 1, name: 'アンケート' }).waitFor();
    await page.getByRole('link', { name: '港まちアンケート' }).click();
    await page.getByRole('heading', { level: 1, name: '港まちアンケート' }).waitFor();
    await assertAccessible(page, 'survey form');

    const followUp = page.getByRole('group', { name: /Q2\. 訪れたときにしたこと/ });
    assert.equal(await followUp.isVisible(), false, 'hidden until Q1 is answered 訪れた');
    await page.getByRole('radio', { name: '訪れた', exact: true }).check();
    await followUp.waitFor({ state: 'visible' });
    await page.getByRole('radio', { name: '4', exact: true }).check();
    await page.getByRole('button', { name: '回答を送る' }).click();

    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Q2: 回答してください/);
    assert.equal(await page.getByRole('radio', { name: '訪れた', exact: true }).isChecked(), true, 'answers kept');
    await assertAccessible(page, 'survey form with an error');
    await alert.getByRole('link', { name: 'Q2: 回答してください' }).click();
    await page.getByRole('checkbox', { name: '朝市' }).check();
    await page.getByRole('checkbox', { name: '祭り' }).check();
    await page.getByLabel(/Q4\. ご意見/).fill('カツオがおいしかったです');
    await page.getByRole('button', { name: '回答を送る' }).click();

    await page.getByText('回答を送りました。ご協力ありがとうございました。').waitFor();
    const mine = await page.getByRole('region', { name: 'あなたの回答' }).innerText();
    assert.match(mine, /朝市、祭り/);
    assert.match(mine, /カツオがおいしかったです/);
    await assertAccessible(page, 'survey answered');
  });

  it('lets staff read the results as a chart with the same numbers in a table', async () => {
    await staffPage.goto(`/staff/${kesennuma}/surveys`);
    await staffPage.getByRole('link', { name: '港まちアンケート' }).click();
    await staffPage.getByRole('link', { name: '結果を見る' }).click();
    await staffPage.getByRole('heading', { level: 1, name: '港まちアンケート：結果' }).waitFor();
    const chart = staffPage.getByRole('img', { name: /Q1\. この1年に気仙沼を訪れましたか/ });
    await chart.waitFor();
    // 13 answers so far: the results count the first 10 (in steps of 5), 4 of which had not visited.
    const table = staffPage.getByRole('table', { name: 'Q1. この1年に気仙沼を訪れましたか' });
    assert.match(await table.innerText(), /訪れた\s+6\s+60%/);
    await assertAccessible(staffPage, 'survey results');
  });

  it('posts in a room: chooses a name, replies with a mention, reacts', async () => {
    await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: 'コミュニティ' }).click();
    await page.getByRole('heading', { level: 1, name: 'コミュニティ' }).waitFor();
    await page.getByRole('link', { name: '気仙沼ふるさと住民の広場' }).click();
    await page.getByRole('heading', { level: 1, name: '気仙沼ふるさと住民の広場' }).waitFor();
    await assertAccessible(page, 'room');

    await page.getByLabel('表示名（40文字まで）').fill('はなこ');
    await page.getByLabel('ID（半角英数字と _、2〜20文字）').fill('hanako_k');
    await page.getByRole('button', { name: 'この名前で参加する' }).click();
    await page.getByText('表示名を保存しました。').waitFor();

    await page.getByRole('link', { name: '朝市のおすすめ' }).click();
    await page.getByRole('heading', { level: 1, name: '朝市のおすすめ' }).waitFor();
    await page.getByLabel('返信の本文').fill('@umineko さん、初夏ならカツオです！');
    await page.getByRole('button', { name: '返信する' }).click();
    await page.getByText('投稿しました。').waitFor();
    const posts = page.getByRole('list').filter({ hasText: '初夏ならカツオです' });
    assert.match(await posts.innerText(), /はなこ\s+@hanako_k/);

    const like = page.getByRole('button', { name: 'いいね（0）' }).first();
    await like.click();
    await page.getByRole('button', { name: 'いいね（1）' }).first().waitFor();
    assert.equal(await page.getByRole('button', { name: 'いいね（1）' }).first().getAttribute('aria-pressed'), 'true');
    await assertAccessible(page, 'thread');

    const told = await runtime.database.db
      .selectFrom('notifications')
      .select('link')
      .where('person_id', '=', neighbourId)
      .where('kind', '=', 'outreach.room_mention')
      .execute();
    assert.equal(told.length, 1, 'the person mentioned is told');
  });
});
