import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { demoAccounts, demoTotpSecret, seedDemoData } from '../src/demo/demo-data.js';
import { demoRespondents, demoSurveyTitle } from '../src/demo/demo-outreach-b.js';
import { getSurveyResults, listSurveys } from '../src/modules/outreach/index.js';
import { getGovernmentInsights } from '../src/modules/insights/index.js';
import { listMyRegistrations } from '../src/modules/registrations/index.js';
import { currentTotpCode } from '../src/modules/staff/index.js';
import { testConfig } from './support/app.js';
import { signedInClient, startTestRuntime, type TestRuntime } from './support/runtime.js';

/** `npm start` shows every capability with the demo accounts the README lists: they must keep working. */
describe('demo data', () => {
  let runtime: TestRuntime;

  before(async () => {
    runtime = await startTestRuntime({ DEMO_DATA: 'true' });
    await seedDemoData(runtime.database.db, testConfig());
  });

  after(async () => {
    await runtime.close();
  });

  it('is loaded once: a second start changes nothing', async () => {
    const count = async () =>
      Number(
        (
          await runtime.database.db
            .selectFrom('persons')
            .select((eb) => eb.fn.countAll<string>().as('count'))
            .executeTakeFirstOrThrow()
        ).count,
      );
    const before = await count();
    assert.equal(before, demoAccounts.length + demoRespondents.length);
    await seedDemoData(runtime.database.db, testConfig());
    assert.equal(await count(), before);
  });

  // Before the sign-ins: the demo job occupies the job runner (and so the mail it sends) while it works.
  it('fills the dashboards of 気仙沼市 and 宮城県 with a synthetic population, by a job after the start', async () => {
    const db = runtime.database.db;
    const deadline = Date.now() + 120_000;
    for (;;) {
      const job = await db
        .selectFrom('jobs')
        .select('status')
        .where('name', '=', 'demo.insights-population')
        .executeTakeFirst();
      if (job?.status === 'succeeded') break;
      assert.notEqual(job?.status, 'failed');
      assert.ok(Date.now() < deadline, 'the demo population job did not finish');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const staff = (lgCode: string) => ({
      kind: 'staff' as const,
      id: '00000000-0000-7000-8000-000000000001',
      secondFactor: true,
      memberships: [
        {
          lgCode,
          membershipId: '00000000-0000-7000-8000-000000000002',
          role: 'tenant_staff' as const,
          organisationId: null,
        },
      ],
    });
    const town = await getGovernmentInsights({ db, actor: staff('042056'), lgCode: '042056' });
    assert.ok((town.own.figures.registrants.total.value ?? 0) >= 100, 'the town shows its registrants');
    assert.ok((town.own.figures.activity.designatedAttendance.value ?? 0) >= 10, 'and its activities');
    const prefecture = await getGovernmentInsights({ db, actor: staff('040002'), lgCode: '040002' });
    assert.ok((prefecture.own.figures.registrants.total.value ?? 0) >= 100);
    assert.ok((prefecture.municipalities?.figures.registrants.total.value ?? 0) >= 100);
  });

  it('lets the registrant sign in by e-mail, registered with 気仙沼市 (and 宮城県 by the link) and 神山町', async () => {
    const { client, personId } = await signedInClient(runtime, 'hanako@furusato-demo.example');
    const me = (await (await client.get('/api/v1/me')).json()) as { displayName: string };
    assert.equal(me.displayName, 'ふるさと 花子');
    const { registrations } = await listMyRegistrations({ db: runtime.database.db, personId });
    assert.deepEqual(
      registrations.map((registration) => [registration.lgCode, registration.tier, registration.status]).sort(),
      [
        ['040002', 'basic', 'active'],
        ['042056', 'basic', 'active'],
        ['363421', 'basic', 'active'],
      ],
    );
  });

  it('lets the town administrator in with the published demo code, into the staff area of 気仙沼市', async () => {
    const { client } = await signedInClient(runtime, 'admin@kesennuma.furusato-demo.example');
    assert.equal((await client.get('/api/v1/tenants/042056/members')).status, 403, 'the second factor comes first');
    const verified = await client.sendJson('/api/v1/staff/second-factor/totp', {
      code: currentTotpCode(demoTotpSecret),
    });
    assert.equal(verified.status, 204);
    const members = (await (await client.get('/api/v1/tenants/042056/members')).json()) as {
      items: Array<{ email: string; role: string }>;
    };
    assert.deepEqual(members.items.map((member) => [member.email, member.role]).sort(), [
      ['admin@kesennuma.furusato-demo.example', 'tenant_admin'],
      ['jichikai@kesennuma.furusato-demo.example', 'organisation_staff'],
      ['staff@kesennuma.furusato-demo.example', 'tenant_staff'],
    ]);
  });

  it('shows 担い手 activities: the organisation’s own projects, a check-in desk open now, and hanako’s history', async () => {
    const { client } = await signedInClient(runtime, 'jichikai@kesennuma.furusato-demo.example');
    await client.sendJson('/api/v1/staff/second-factor/totp', { code: currentTotpCode(demoTotpSecret) });
    const projects = (await (await client.get('/api/v1/tenants/042056/projects')).json()) as {
      items: Array<{ title: string; designated: boolean; organisationName: string | null }>;
    };
    assert.deepEqual(
      projects.items.map((project) => project.organisationName),
      projects.items.map(() => '魚町自治会'),
      'a 団体担当者 sees their own organisation’s projects only',
    );
    assert.ok(projects.items.some((project) => project.title === '魚町 朝の海岸清掃' && project.designated));

    const open = (await (await runtime.client().get('/api/v1/activities?lgCode=042056&perPage=50')).json()) as {
      items: Array<{ startsAt: string; endsAt: string; open: boolean }>;
    };
    const now = Date.now();
    assert.ok(open.items.some((item) => Date.parse(item.startsAt) <= now && Date.parse(item.endsAt) > now));

    const hanako = await signedInClient(runtime, 'hanako@furusato-demo.example');
    const history = (await (await hanako.client.get('/api/v1/me/activity-history')).json()) as {
      groups: Array<{ designatedDays: number }>;
    };
    assert.equal(
      history.groups.reduce((sum, group) => sum + group.designatedDays, 0),
      2,
    );
  });

  it('shows hanako a survey of 気仙沼市 to answer and its room; staff see the survey’s results', async () => {
    const { client } = await signedInClient(runtime, 'hanako@furusato-demo.example');
    const surveys = (await (await client.get('/api/v1/me/surveys')).json()) as { toAnswer: Array<{ title: string }> };
    assert.deepEqual(
      surveys.toAnswer.map((survey) => survey.title),
      [demoSurveyTitle],
    );
    const rooms = (await (await client.get('/api/v1/me/rooms')).json()) as {
      items: Array<{ id: string; name: string }>;
    };
    assert.deepEqual(
      rooms.items.map((room) => room.name),
      ['気仙沼ふるさと住民の広場'],
    );
    const room = (await (await client.get(`/api/v1/rooms/042056/${rooms.items[0]!.id}`)).json()) as {
      threads: Array<{ title: string; postCount: number }>;
    };
    assert.deepEqual(
      room.threads.map((thread) => [thread.title, thread.postCount]),
      [['朝市のおすすめを教えてください', 3]],
    );

    // The staff's view, as the administrator's actor (the demo code was used by the test before).
    const adminId = (
      await runtime.database.db
        .selectFrom('persons')
        .select('id')
        .where('email', '=', 'admin@kesennuma.furusato-demo.example')
        .executeTakeFirstOrThrow()
    ).id;
    const actor = {
      kind: 'staff' as const,
      id: adminId,
      secondFactor: true,
      memberships: [{ lgCode: '042056', membershipId: adminId, role: 'tenant_admin' as const, organisationId: null }],
    };
    const list = await listSurveys({ db: runtime.database.db, actor, lgCode: '042056' });
    const survey = list.find((item) => item.title === demoSurveyTitle)!;
    assert.equal(survey.responseCount, demoRespondents.length);
    const results = await getSurveyResults({ db: runtime.database.db, actor, lgCode: '042056', surveyId: survey.id });
    assert.equal(results.countedCount, 10);
  });

  it('shows posts nationwide, and hanako her feed, a saved search and notifications', async () => {
    const search = (await (await runtime.client().get('/api/v1/search/posts?q=%E7%A5%AD%E3%82%8A')).json()) as {
      items: Array<{ title: string }>;
    };
    assert.ok(search.items.some((item) => item.title.includes('みなとまつり')));
    const { client } = await signedInClient(runtime, 'hanako@furusato-demo.example');
    const saved = (await (await client.get('/api/v1/me/saved-searches')).json()) as { items: Array<{ name: string }> };
    assert.deepEqual(
      saved.items.map((item) => item.name),
      ['東北の祭り'],
    );
    const feed = (await (await client.get('/api/v1/me/feed')).json()) as { items: Array<{ title: string }> };
    assert.ok(feed.items.some((item) => item.title === '登録者限定：東京で気仙沼の夕べ'));
    await runtime.jobs.drain();
    const notifications = (await (await client.get('/api/v1/me/notifications')).json()) as {
      items: Array<{ kind: string }>;
      unreadCount: number;
    };
    assert.ok(notifications.items.some((item) => item.kind === 'outreach.saved_search'));
    assert.ok(notifications.items.some((item) => item.kind === 'outreach.new_post'));
  });

  it('explains the demo at /dev/demo with the current code', async () => {
    const page = await runtime.client().get('/dev/demo');
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /hanako@furusato-demo\.example/);
    assert.match(html, new RegExp(`<strong>${currentTotpCode(demoTotpSecret)}</strong>`));
  });
});
