import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { demoAccounts, demoTotpSecret, seedDemoData } from '../src/demo/demo-data.js';
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
    assert.equal(before, demoAccounts.length);
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

  it('explains the demo at /dev/demo with the current code', async () => {
    const page = await runtime.client().get('/dev/demo');
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /hanako@furusato-demo\.example/);
    assert.match(html, new RegExp(`<strong>${currentTotpCode(demoTotpSecret)}</strong>`));
  });
});
