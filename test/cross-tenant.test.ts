import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { v7 as uuidv7 } from 'uuid';
import { getTenant, TenantSettings } from '../src/modules/municipalities/index.js';
import { registerWithGovernment } from '../src/modules/registrations/index.js';
import { withTenant } from '../src/platform/db/tenant-scope.js';
import { japanDate } from '../src/platform/time.js';
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
  let organisationB: string;
  let projectB: string;
  let sessionB: string;
  let attendanceB: string;
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

    // B's 担い手 activities: an organisation, its published project, a session going on now with an
    // applicant who was present (recorded by hand).
    const activitiesApi = `/api/v1/tenants/${tenantB}`;
    const created = async (response: Response) => {
      assert.ok(response.status < 300, `${response.status} ${await response.clone().text()}`);
      return ((await response.json()) as { id: string }).id;
    };
    organisationB = await created(
      await adminB.client.sendJson(`${activitiesApi}/organisations`, { name: '神山つなぐ公社', kind: 'npo' }),
    );
    projectB = await created(
      await adminB.client.sendJson(`${activitiesApi}/projects`, {
        organisationId: organisationB,
        title: '神山 棚田の保全',
        category: 'agriculture',
      }),
    );
    sessionB = await created(
      await adminB.client.sendJson(`${activitiesApi}/projects/${projectB}/sessions`, {
        startsAt: new Date(Date.now() - 60 * 60 * 1000).toISOString(),
        endsAt: new Date(Date.now() + 2 * 60 * 60 * 1000).toISOString(),
        capacity: 10,
      }),
    );
    await adminB.client.sendJson(`${activitiesApi}/projects/${projectB}/status`, { status: 'published' }, 'PUT');
    const applied = await named.client.sendJson(`/api/v1/activities/${tenantB}/sessions/${sessionB}/applications`, {});
    const { applicationId } = (await applied.json()) as { applicationId: string };
    const recorded = await adminB.client.sendJson(`${activitiesApi}/sessions/${sessionB}/attendance/manual`, {
      applicationId,
      activityDate: japanDate(new Date()),
      reason: '受付で確認',
    });
    attendanceB = ((await recorded.json()) as { attendanceId: string }).attendanceId;
    assert.ok(attendanceB);
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
    /** JSON bodies may hold any value; form bodies are strings. */
    const route = (method: string, path: string, body?: Record<string, unknown>) => ({
      label: `${method} ${path}`,
      path,
      send: (client: TestClient) =>
        path.startsWith('/api/')
          ? method === 'GET'
            ? client.get(path)
            : client.sendJson(path, body, method)
          : method === 'GET'
            ? client.get(path)
            : client.postForm(path, body as Record<string, string> | undefined),
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
      route('GET', `${pages}/organisations`),
      route('POST', `${pages}/organisations`, { name: 'もぐら会', kind: 'npo' }),
      route('GET', `${pages}/organisations/${organisationB}`),
      route('POST', `${pages}/organisations/${organisationB}`, { name: 'もぐら会', kind: 'npo' }),
      route('POST', `${pages}/organisations/${organisationB}/decision`, { decision: 'approve' }),
      route('POST', `${pages}/organisations/${organisationB}/designation`, { designated: 'true' }),
      route('POST', `${pages}/organisations/${organisationB}/suspension`, { suspended: 'true' }),
      route('POST', `${pages}/organisations/${organisationB}/invitations`, { email: 'mole@example.jp' }),
      route('GET', `${pages}/projects`),
      route('POST', `${pages}/projects`, { title: 'もぐら', category: 'other' }),
      route('GET', `${pages}/projects/${projectB}`),
      route('POST', `${pages}/projects/${projectB}`, { title: 'もぐら', category: 'other' }),
      route('POST', `${pages}/projects/${projectB}/status`, { status: 'cancelled', confirm: 'yes' }),
      route('POST', `${pages}/projects/${projectB}/designation`, { designation: 'designated' }),
      route('POST', `${pages}/projects/${projectB}/designation-request`),
      route('POST', `${pages}/projects/${projectB}/sessions`, {
        startsAt: '2030-01-01T09:00',
        endsAt: '2030-01-01T12:00',
      }),
      route('GET', `${pages}/sessions/${sessionB}`),
      route('POST', `${pages}/sessions/${sessionB}`, { startsAt: '2030-01-01T09:00', endsAt: '2030-01-01T12:00' }),
      route('POST', `${pages}/sessions/${sessionB}/applications-open`, { open: 'false' }),
      route('POST', `${pages}/sessions/${sessionB}/cancellation`, { confirm: 'yes' }),
      route('POST', `${pages}/sessions/${sessionB}/messages`, { subject: 'もぐら', body: 'もぐら' }),
      route('POST', `${pages}/sessions/${sessionB}/attendance`, {
        person: `attendance:${attendanceB}`,
        activityDate: japanDate(new Date()),
        reason: 'もぐら',
      }),
      route('POST', `${pages}/sessions/${sessionB}/attendance/${attendanceB}/removal`, { reason: 'もぐら' }),
      route('GET', `${pages}/attendance`),
      route('GET', `${pages}/attendance.csv`),
      route('GET', `${pages}/sessions/${sessionB}/check-in`),
      route('GET', `${api}/organisations`),
      route('POST', `${api}/organisations`, { name: 'もぐら会', kind: 'npo' }),
      route('GET', `${api}/organisations/${organisationB}`),
      route('PATCH', `${api}/organisations/${organisationB}`, { name: 'もぐら会', kind: 'npo' }),
      route('POST', `${api}/organisations/${organisationB}/decision`, { decision: 'approve' }),
      route('PUT', `${api}/organisations/${organisationB}/designation`, { designated: true }),
      route('PUT', `${api}/organisations/${organisationB}/suspension`, { suspended: true }),
      route('POST', `${api}/organisations/${organisationB}/staff-invitations`, { email: 'mole@example.jp' }),
      route('GET', `${api}/projects`),
      route('POST', `${api}/projects`, { title: 'もぐら', category: 'other' }),
      route('GET', `${api}/projects/${projectB}`),
      route('PATCH', `${api}/projects/${projectB}`, { title: 'もぐら', category: 'other' }),
      route('PUT', `${api}/projects/${projectB}/status`, { status: 'cancelled' }),
      route('PUT', `${api}/projects/${projectB}/designation`, { designation: 'designated' }),
      route('POST', `${api}/projects/${projectB}/designation-request`),
      route('POST', `${api}/projects/${projectB}/sessions`, {
        startsAt: '2030-01-01T09:00:00+09:00',
        endsAt: '2030-01-01T12:00:00+09:00',
      }),
      route('PATCH', `${api}/sessions/${sessionB}`, {
        startsAt: '2030-01-01T09:00:00+09:00',
        endsAt: '2030-01-01T12:00:00+09:00',
      }),
      route('PUT', `${api}/sessions/${sessionB}/applications-open`, { open: false }),
      route('POST', `${api}/sessions/${sessionB}/cancellation`, {}),
      route('GET', `${api}/sessions/${sessionB}/roster`),
      route('POST', `${api}/sessions/${sessionB}/messages`, { subject: 'もぐら', body: 'もぐら' }),
      route('GET', `${api}/sessions/${sessionB}/check-in-code`),
      route('POST', `${api}/sessions/${sessionB}/attendance`, { scanned: 'http://localhost:3000/verify?token=a.b.c' }),
      route('POST', `${api}/sessions/${sessionB}/attendance/sync`, {
        scans: [
          {
            clientScanId: '0190a000-0000-7000-8000-0000000000aa',
            scanned: 'x',
            scannedAt: new Date().toISOString(),
          },
        ],
      }),
      route('POST', `${api}/sessions/${sessionB}/attendance/manual`, {
        attendanceId: attendanceB,
        activityDate: japanDate(new Date()),
        reason: 'もぐら',
      }),
      route('POST', `${api}/attendance/${attendanceB}/removal`, { reason: 'もぐら' }),
      route('GET', `${api}/attendance-report`),
      route('GET', `${api}/attendance-report?format=csv`),
      route('GET', `${api}/insights`),
      route('GET', `${api}/insights/csv`),
      route('PUT', `${api}/insights/open-data`, { enabled: true }),
      route('GET', `${pages}/insights`),
      route('GET', `${pages}/insights.csv`),
      route('GET', `${pages}/insights.json`),
      route('POST', `${pages}/insights/open-data`, { enabled: 'true' }),
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
      organisationB,
      projectB,
      sessionB,
      attendanceB,
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
    for (const path of [
      `/staff/${tenantB}/organisations/${organisationB}`,
      `/staff/${tenantB}/projects/${projectB}`,
      `/staff/${tenantB}/sessions/${sessionB}`,
      `/staff/${tenantB}/attendance`,
    ]) {
      const activityPage = await adminB.client.get(path);
      assert.equal(activityPage.status, 200, path);
      assert.match(await activityPage.text(), /神山/);
    }
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
    for (const path of [
      `/staff/${tenantA}/organisations/${organisationB}`,
      `/staff/${tenantA}/projects/${projectB}`,
      `/staff/${tenantA}/sessions/${sessionB}`,
    ]) {
      assert.equal((await adminA.client.get(path)).status, 404, path);
    }
    const removal = await adminA.client.postForm(
      `/staff/${tenantA}/sessions/${sessionB}/attendance/${attendanceB}/removal`,
      { reason: 'もぐら' },
    );
    assert.equal(removal.status, 404);
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
    const activities = await withTenant(runtime.database.db, tenantB, async (scope) => ({
      organisations: await scope.trx.selectFrom('organisations').select(['name', 'status', 'designated']).execute(),
      projects: await scope.trx.selectFrom('projects').select(['title', 'status', 'designation']).execute(),
      sessions: await scope.trx.selectFrom('activity_sessions').select(['status', 'capacity']).execute(),
      attendance: await scope.trx.selectFrom('attendance').select('status').execute(),
      messages: await scope.trx.selectFrom('session_messages').select('id').execute(),
    }));
    assert.deepEqual(activities, {
      organisations: [{ name: '神山つなぐ公社', status: 'approved', designated: false }],
      projects: [{ title: '神山 棚田の保全', status: 'published', designation: 'inherit' }],
      sessions: [{ status: 'open', capacity: 10 }],
      attendance: [{ status: 'present' }],
      messages: [],
    });
    const mail = runtime.mail.messages.filter((message) => message.to.includes('mole@example.jp'));
    assert.equal(mail.length, 0);
  });
});
