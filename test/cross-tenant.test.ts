import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { v7 as uuidv7 } from 'uuid';
import { getTenant, TenantSettings } from '../src/modules/municipalities/index.js';
import { registerWithGovernment } from '../src/modules/registrations/index.js';
import { withTenant } from '../src/platform/db/tenant-scope.js';
import type { TestClient } from './support/client.js';
import { signedInClient, startTestRuntime, type TestRuntime } from './support/runtime.js';
import { joinTenants, signedInStaff, type StaffSession } from './support/staff.js';

/**
 * The leak suite: a staff member of one government (A) asks for every tenant-scoped staff page and API
 * of another (B) and gets 404 with nothing of B in the answer, exactly as for a government that does not
 * exist. So does a signed-in person without any membership. A member without a second factor is refused
 * in the own tenant and still gets 404 in the other. B's registrants are B's personal data: A's administrator
 * is also one of them, and still sees nothing of B's staff side. Afterwards B is unchanged.
 */
const tenantA = '042056'; // 気仙沼市
const tenantB = '363421'; // 神山町

describe('cross-tenant access to staff pages and API', () => {
  let runtime: TestRuntime;
  let adminA: StaffSession;
  let staffAWithoutSecondFactor: StaffSession;
  let adminB: StaffSession;
  let colleagueB: StaffSession;
  let outsider: TestClient;
  let invitationB: string;
  let registrationB: string;
  let applicationB: string;
  let auditCountB: number;

  /** Every tenant-scoped staff route of B, with what a request needs to reach the handler. */
  let routesOfB: Array<{ label: string; path: string; send: (client: TestClient) => Promise<Response> }>;

  before(async () => {
    runtime = await startTestRuntime();
    await joinTenants(runtime, [tenantA, tenantB]);
    adminA = await signedInStaff(runtime, {
      lgCode: tenantA,
      email: 'admin@kesennuma.example.jp',
      role: 'tenant_admin',
    });
    staffAWithoutSecondFactor = await signedInStaff(runtime, {
      lgCode: tenantA,
      email: 'staff@kesennuma.example.jp',
      role: 'tenant_staff',
      secondFactor: false,
    });
    adminB = await signedInStaff(runtime, {
      lgCode: tenantB,
      email: 'admin@kamiyama.example.jp',
      role: 'tenant_admin',
    });
    colleagueB = await signedInStaff(runtime, {
      lgCode: tenantB,
      email: 'staff@kamiyama.example.jp',
      role: 'tenant_staff',
      secondFactor: false,
    });
    ({ client: outsider } = await signedInClient(runtime, 'someone@example.jp'));

    // B's registrants: one with a name, and A's administrator, who applied for premium in B.
    const db = runtime.database.db;
    const named = await signedInClient(runtime, 'registrant@kamiyama.example.jp');
    await named.client.sendJson('/api/v1/me', { displayName: '神山 登録者', locale: 'ja' }, 'PATCH');
    await registerWithGovernment({ db, personId: named.personId, lgCode: tenantB, input: { ties: ['family'] } });
    const { registration } = await registerWithGovernment({
      db,
      personId: adminA.personId,
      lgCode: tenantB,
      input: { ties: ['furusato_nozei'] },
    });
    registrationB = registration.id;
    applicationB = uuidv7();
    await withTenant(db, tenantB, (scope) =>
      scope.trx
        .insertInto('premium_applications')
        .values({ lg_code: tenantB, id: applicationB, registration_id: registrationB, person_id: adminA.personId })
        .execute(),
    );

    const invited = await adminB.client.sendJson(`/api/v1/tenants/${tenantB}/invitations`, {
      email: 'new@kamiyama.example.jp',
      role: 'tenant_staff',
    });
    assert.equal(invited.status, 201, await invited.clone().text());
    invitationB = ((await invited.json()) as { id: string }).id;
    const drafted = await adminB.client.sendJson(`/api/v1/tenants/${tenantB}/posts`, {
      kind: 'event',
      title: '神山町の下書きの投稿',
    });
    assert.equal(drafted.status, 201, await drafted.clone().text());
    const postB = ((await drafted.json()) as { id: string }).id;
    auditCountB = await countAuditEvents(tenantB);

    const member = colleagueB.membershipId;
    const api = `/api/v1/tenants/${tenantB}`;
    const pages = `/staff/${tenantB}`;
    const route = (method: string, path: string, body?: Record<string, string>) => ({
      label: `${method} ${path}`,
      path,
      send: (client: TestClient) =>
        path.startsWith('/api/')
          ? method === 'GET'
            ? client.get(path)
            : client.sendJson(path, body, method)
          : method === 'GET'
            ? client.get(path)
            : client.postForm(path, body),
    });
    routesOfB = [
      route('GET', `${api}/me`),
      route('GET', `${api}/members`),
      route('PATCH', `${api}/members/${member}`, { role: 'tenant_admin' }),
      route('DELETE', `${api}/members/${member}`),
      route('GET', `${api}/invitations`),
      route('POST', `${api}/invitations`, { email: 'mole@example.jp', role: 'tenant_admin' }),
      route('DELETE', `${api}/invitations/${invitationB}`),
      route('GET', `${api}/audit-events`),
      route('GET', pages),
      route('GET', `${pages}/members`),
      route('GET', `${pages}/audit`),
      route('GET', `${pages}/settings`),
      route('POST', `${pages}/members/invite`, { email: 'mole@example.jp', role: 'tenant_admin' }),
      route('POST', `${pages}/members/${member}/role`, { role: 'tenant_admin' }),
      route('POST', `${pages}/members/${member}/remove`),
      route('POST', `${pages}/invitations/${invitationB}/revoke`),
      route('POST', `${pages}/settings`, { contactEmail: 'mole@example.jp' }),
      route('GET', `${api}/registrations`),
      route('GET', `${api}/registrations/${registrationB}`),
      route('GET', `${api}/registrations/export`),
      route('GET', `${api}/premium-applications`),
      route('POST', `${api}/premium-applications/${applicationB}/decision`, { decision: 'approve' }),
      route('GET', `${pages}/registrations`),
      route('GET', `${pages}/registrations/${registrationB}`),
      route('GET', `${pages}/registrations.csv`),
      route('GET', `${pages}/premium-applications`),
      route('POST', `${pages}/premium-applications/${applicationB}/decision`, { decision: 'approve' }),
      route('GET', `${pages}/registration-settings`),
      route('POST', `${pages}/registration-settings`, {
        premiumMode: 'automatic',
        premiumMinActivities: '1',
        premiumWindow: 'fiscal_year',
        longStayDays: '1',
        inactivityMonths: '6',
      }),
      route('POST', `${pages}/registration-settings/questions`, { id: 'mole', labelJa: 'もぐら', kind: 'text' }),
      route('POST', `${pages}/registration-settings/questions/mole/remove`),
      route('GET', `${api}/posts`),
      route('POST', `${api}/posts`, { kind: 'notice', title: 'もぐら' }),
      route('GET', `${api}/posts/${postB}`),
      route('PUT', `${api}/posts/${postB}`, { kind: 'notice', title: 'もぐら' }),
      route('POST', `${api}/posts/${postB}/publish`),
      route('POST', `${api}/posts/${postB}/archive`),
      route('DELETE', `${api}/posts/${postB}/images/${uuidv7()}`),
      route('GET', `${pages}/posts`),
      route('GET', `${pages}/posts/new`),
      route('GET', `${pages}/posts/${postB}`),
      route('POST', `${pages}/posts`, { kind: 'notice', title: 'もぐら' }),
      route('POST', `${pages}/posts/${postB}`, { kind: 'notice', title: 'もぐら' }),
      route('POST', `${pages}/posts/${postB}/publish`),
      route('POST', `${pages}/posts/${postB}/schedule`, { publishAt: '2031-01-01T10:00' }),
      route('POST', `${pages}/posts/${postB}/archive`),
      route('GET', `/api/v1/posts/${tenantB}/${postB}`),
      route('GET', `/posts/${tenantB}/${postB}`),
    ];
  });

  after(async () => {
    await runtime.close();
  });

  async function countAuditEvents(lgCode: string): Promise<number> {
    const rows = await withTenant(runtime.database.db, lgCode, (scope) =>
      scope.trx.selectFrom('audit_events').select('id').execute(),
    );
    return rows.length;
  }

  /**
   * A 404 that says nothing about B: none of its addresses, ids or its name. The answer may echo the
   * asked path (problem `instance`, the language link of a page); that is the caller's own input.
   */
  async function assertNotFoundWithoutData(response: Response, route: { label: string; path: string }) {
    const label = route.label;
    const text = (await response.text()).replaceAll(route.path, '(asked path)');
    assert.equal(response.status, 404, `${label}: ${response.status} ${text.slice(0, 200)}`);
    for (const secret of [
      'admin@kamiyama.example.jp',
      'staff@kamiyama.example.jp',
      'new@kamiyama.example.jp',
      adminB.membershipId,
      colleagueB.membershipId,
      invitationB,
      registrationB,
      applicationB,
      'registrant@kamiyama.example.jp',
      '神山',
    ]) {
      assert.ok(!text.includes(secret), `${label}: answer mentions ${secret}`);
    }
  }

  it('the own tenant works for its administrator (the routes are real)', async () => {
    const me = await adminA.client.get(`/api/v1/tenants/${tenantA}/me`);
    assert.equal(me.status, 200);
    const members = await adminB.client.get(`/api/v1/tenants/${tenantB}/members`);
    assert.equal(members.status, 200);
    const page = await adminB.client.get(`/staff/${tenantB}/members`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /staff@kamiyama\.example\.jp/);
    const registrants = await adminB.client.get(`/api/v1/tenants/${tenantB}/registrations`);
    assert.equal(registrants.status, 200);
    assert.equal(((await registrants.json()) as { total: number }).total, 2);
  });

  it("a registrant of B who is staff of A finds nothing of B in A's own registrants or export", async () => {
    const list = await adminA.client.get(`/api/v1/tenants/${tenantA}/registrations`);
    assert.equal(list.status, 200);
    assert.equal(((await list.json()) as { total: number }).total, 0);
    const csv = await (await adminA.client.get(`/staff/${tenantA}/registrations.csv`)).text();
    assert.equal(csv.split('\r\n').filter(Boolean).length, 1, 'the header only');
    for (const secret of [registrationB, '神山 登録者', 'registrant@kamiyama.example.jp']) {
      assert.ok(!csv.includes(secret));
    }
  });

  it('an administrator of A gets 404 and no data on every staff route of B', async () => {
    for (const route of routesOfB) await assertNotFoundWithoutData(await route.send(adminA.client), route);
  });

  it('a signed-in person without any membership gets 404 on every staff route of B', async () => {
    for (const route of routesOfB) await assertNotFoundWithoutData(await route.send(outsider), route);
  });

  it('a member of A without a second factor gets 404 in B', async () => {
    for (const route of routesOfB) {
      await assertNotFoundWithoutData(await route.send(staffAWithoutSecondFactor.client), route);
    }
  });

  it('a member without a second factor is refused in the own tenant: 403 in the API, sent to prove one by pages', async () => {
    const api = await staffAWithoutSecondFactor.client.get(`/api/v1/tenants/${tenantA}/me`);
    assert.equal(api.status, 403);
    assert.equal(((await api.json()) as { code: string }).code, 'second_factor_required');
    const page = await staffAWithoutSecondFactor.client.get(`/staff/${tenantA}`);
    assert.equal(page.status, 303);
    assert.equal(page.headers.get('location'), `/staff/second-factor?next=${encodeURIComponent(`/staff/${tenantA}`)}`);
    const post = await staffAWithoutSecondFactor.client.postForm(`/staff/${tenantA}/settings`, {
      contactEmail: 'x@example.jp',
    });
    assert.equal(post.status, 303);
    assert.match(post.headers.get('location') ?? '', /^\/staff\/second-factor\?/);
  });

  it("ids of B's rows used under A's own path are not found either", async () => {
    const api = `/api/v1/tenants/${tenantA}`;
    const patch = await adminA.client.sendJson(
      `${api}/members/${colleagueB.membershipId}`,
      { role: 'tenant_admin' },
      'PATCH',
    );
    assert.equal(patch.status, 404);
    const remove = await adminA.client.sendJson(`${api}/members/${colleagueB.membershipId}`, undefined, 'DELETE');
    assert.equal(remove.status, 404);
    const revoke = await adminA.client.sendJson(`${api}/invitations/${invitationB}`, undefined, 'DELETE');
    assert.equal(revoke.status, 404);
    const form = await adminA.client.postForm(`/staff/${tenantA}/members/${adminB.membershipId}/remove`);
    assert.equal(form.status, 404);
    assert.equal((await adminA.client.get(`${api}/registrations/${registrationB}`)).status, 404);
    const decide = await adminA.client.sendJson(`${api}/premium-applications/${applicationB}/decision`, {
      decision: 'approve',
    });
    assert.equal(decide.status, 404);
    assert.equal((await adminA.client.get(`/staff/${tenantA}/registrations/${registrationB}`)).status, 404);
    const decideForm = await adminA.client.postForm(`/staff/${tenantA}/premium-applications/${applicationB}/decision`, {
      decision: 'approve',
    });
    assert.equal(decideForm.status, 404);
  });

  it('without a session the API answers 401 and pages send to sign-in', async () => {
    const anonymous = runtime.client();
    const api = await anonymous.get(`/api/v1/tenants/${tenantB}/members`);
    assert.equal(api.status, 401);
    const page = await anonymous.get(`/staff/${tenantB}/members`);
    assert.equal(page.status, 303);
    assert.match(page.headers.get('location') ?? '', /^\/signin\?next=/);
  });

  it('B is unchanged: members, roles, the open invitation, settings and its audit trail', async () => {
    const members = (await (await adminB.client.get(`/api/v1/tenants/${tenantB}/members`)).json()) as {
      items: Array<{ id: string; role: string }>;
    };
    assert.deepEqual(
      members.items.map((item) => [item.id, item.role]),
      [
        [adminB.membershipId, 'tenant_admin'],
        [colleagueB.membershipId, 'tenant_staff'],
      ],
    );
    const invitations = (await (await adminB.client.get(`/api/v1/tenants/${tenantB}/invitations`)).json()) as {
      items: Array<{ id: string }>;
    };
    assert.deepEqual(
      invitations.items.map((item) => item.id),
      [invitationB],
    );
    assert.deepEqual(
      (await getTenant({ db: runtime.database.db, lgCode: tenantB })).settings,
      TenantSettings.parse({}),
    );
    assert.equal(await countAuditEvents(tenantB), auditCountB);
    const application = await withTenant(runtime.database.db, tenantB, (scope) =>
      scope.trx
        .selectFrom('premium_applications as a')
        .innerJoin('registrations as r', 'r.id', 'a.registration_id')
        .select(['a.status', 'r.tier'])
        .where('a.id', '=', applicationB)
        .executeTakeFirstOrThrow(),
    );
    assert.deepEqual(application, { status: 'pending', tier: 'basic' });
    const mail = runtime.mail.messages.filter((message) => message.to.includes('mole@example.jp'));
    assert.equal(mail.length, 0);
  });
});
