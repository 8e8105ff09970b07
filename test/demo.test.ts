import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { demoAccounts, demoTotpSecret, seedDemoData } from '../src/demo/demo-data.js';
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
