import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { linkIn, signedInClient, startTestRuntime, type TestRuntime } from '../../../test/support/runtime.js';
import {
  cliOperator,
  enrolAuthenticator,
  inviteByMail,
  joinTenants,
  lastUsedStep,
  signedInStaff,
  TestAuthenticator,
  tokenOf,
  type StaffSession,
} from '../../../test/support/staff.js';
import { systemActor, type Actor } from '../../platform/audit.js';
import type { StaffRole } from '../../platform/db/schema.js';
import { withPerson, withTenant } from '../../platform/db/tenant-scope.js';
import { getTenant, TenantSettings } from '../municipalities/index.js';
import {
  knowsTenant,
  mayActAsStaff,
  mayManageStaff,
  mayReadTenantAuditTrail,
  mayUpdateTenantSettings,
} from './staff.policy.js';
import { grantOperator } from './staff.service.js';

const own = '042056'; // 気仙沼市
const other = '363421'; // 神山町

describe('staff policy', () => {
  const member = (role: StaffRole, secondFactor: boolean | undefined): Actor => ({
    kind: 'staff',
    id: 'p',
    memberships: [{ lgCode: own, membershipId: 'm', role, organisationId: null }],
    ...(secondFactor === undefined ? {} : { secondFactor }),
  });
  const actors: Record<string, Actor> = {
    'tenant_admin, second factor': member('tenant_admin', true),
    'tenant_staff, second factor': member('tenant_staff', true),
    'organisation_staff, second factor': member('organisation_staff', true),
    'tenant_admin, no second factor': member('tenant_admin', false),
    'tenant_staff, no second factor': member('tenant_staff', false),
    'organisation_staff, no second factor': member('organisation_staff', false),
    'tenant_admin, second factor unknown': member('tenant_admin', undefined),
    'operator session, second factor': { kind: 'operator', id: 'o', memberships: [], secondFactor: true },
    'operator session, no second factor': { kind: 'operator', id: 'o', memberships: [], secondFactor: false },
    'operator command': cliOperator,
    'person without membership': { kind: 'person', id: 'x', memberships: [], secondFactor: true },
    system: systemActor,
  };
  const actions = {
    knowsTenant,
    mayActAsStaff,
    mayManageStaff,
    mayReadTenantAuditTrail,
    mayUpdateTenantSettings,
  };
  // Columns: knows, act, manage staff, read audit trail, update settings; for the own tenant, then another.
  const T = true;
  const F = false;
  const expected: Record<string, { own: boolean[]; other: boolean[] }> = {
    'tenant_admin, second factor': { own: [T, T, T, T, T], other: [F, F, F, F, F] },
    'tenant_staff, second factor': { own: [T, T, F, F, F], other: [F, F, F, F, F] },
    'organisation_staff, second factor': { own: [T, T, F, F, F], other: [F, F, F, F, F] },
    'tenant_admin, no second factor': { own: [T, F, F, F, F], other: [F, F, F, F, F] },
    'tenant_staff, no second factor': { own: [T, F, F, F, F], other: [F, F, F, F, F] },
    'organisation_staff, no second factor': { own: [T, F, F, F, F], other: [F, F, F, F, F] },
    'tenant_admin, second factor unknown': { own: [T, F, F, F, F], other: [F, F, F, F, F] },
    'operator session, second factor': { own: [T, T, T, T, T], other: [T, T, T, T, T] },
    'operator session, no second factor': { own: [T, F, F, F, F], other: [T, F, F, F, F] },
    'operator command': { own: [T, T, T, T, T], other: [T, T, T, T, T] },
    'person without membership': { own: [F, F, F, F, F], other: [F, F, F, F, F] },
    // The system changes settings (demo data, jobs) but has no staff area.
    system: { own: [F, F, F, F, T], other: [F, F, F, F, T] },
  };

  for (const [name, actor] of Object.entries(actors)) {
    for (const tenant of ['own', 'other'] as const) {
      it(`${name} in the ${tenant} tenant`, () => {
        const lgCode = tenant === 'own' ? own : other;
        const actual = Object.values(actions).map((predicate) => predicate(actor, lgCode));
        assert.deepEqual(actual, expected[name]![tenant], Object.keys(actions).join(', '));
      });
    }
  }
});

describe('staff', () => {
  let runtime: TestRuntime;
  let admin: StaffSession;

  const db = () => runtime.database.db;

  async function tenantAuditActions(lgCode: string): Promise<string[]> {
    const rows = await withTenant(db(), lgCode, (scope) =>
      scope.trx.selectFrom('audit_events').select('action').orderBy('id').execute(),
    );
    return rows.map((row) => row.action);
  }

  async function personAuditActions(personId: string): Promise<string[]> {
    const rows = await db()
      .selectFrom('person_audit_events')
      .select('action')
      .where('subject', '=', `person:${personId}`)
      .orderBy('id')
      .execute();
    return rows.map((row) => row.action);
  }

  before(async () => {
    runtime = await startTestRuntime();
    await joinTenants(runtime, [own, other]);
    admin = await signedInStaff(runtime, { lgCode: own, email: 'admin@kesennuma.example.jp', role: 'tenant_admin' });
  });

  after(async () => {
    await runtime.close();
  });

  describe('person scope (withPerson)', () => {
    it('shows a person their own memberships in every tenant, and nothing else', async () => {
      const personId = uuidv7();
      for (const lgCode of [own, other]) {
        await withTenant(db(), lgCode, (scope) =>
          scope.trx
            .insertInto('staff_memberships')
            .values({
              lg_code: lgCode,
              id: uuidv7(),
              person_id: personId,
              email: 'two@example.jp',
              role: 'tenant_staff',
            })
            .execute(),
        );
      }
      const rows = await withPerson(db(), personId, (trx) =>
        trx.selectFrom('staff_memberships').select(['lg_code', 'person_id']).execute(),
      );
      assert.deepEqual(rows.map((row) => row.lg_code).sort(), [own, other]);
      assert.ok(rows.every((row) => row.person_id === personId));
    });

    it('is read-only: updates and inserts in the person scope change nothing', async () => {
      const updated = await withPerson(db(), admin.personId, (trx) =>
        trx.updateTable('staff_memberships').set({ role: 'tenant_staff' }).executeTakeFirst(),
      );
      assert.equal(updated.numUpdatedRows, 0n);
      await assert.rejects(
        withPerson(db(), admin.personId, (trx) =>
          trx
            .insertInto('staff_memberships')
            .values({
              lg_code: other,
              id: uuidv7(),
              person_id: admin.personId,
              email: 'x@example.jp',
              role: 'tenant_admin',
            })
            .execute(),
        ),
        /row-level security/,
      );
    });

    it('refuses an id that is not a UUID before it reaches SQL', async () => {
      await assert.rejects(
        withPerson(db(), "x'; reset role; --", async () => undefined),
        /invalid person id/,
      );
    });
  });

  describe('invitations', () => {
    it('invitee follows the mail link, signs up, accepts, enrols an authenticator app and reaches the dashboard', async () => {
      const link = await inviteByMail(runtime, {
        lgCode: own,
        email: 'new.staff@kesennuma.example.jp',
        role: 'tenant_staff',
      });
      assert.match(link, /^\/staff\/invitations\/accept\?token=042056\./);

      const anonymous = runtime.client();
      const landing = await anonymous.get(link);
      assert.equal(landing.status, 200);
      const landingHtml = await landing.text();
      assert.match(landingHtml, /気仙沼市から、「自治体職員」として招待されています/);
      assert.ok(landingHtml.includes(`/signin?next=${encodeURIComponent(link)}`), 'sign-in keeps the way back');

      await new Promise((resolve) => setTimeout(resolve, 5));
      const { client, personId } = await signedInClient(runtime, 'new.staff@kesennuma.example.jp');
      const page = await client.get(link);
      assert.match(await page.text(), /招待を受ける/);
      const accepted = await client.postForm('/staff/invitations/accept', { token: tokenOf(link) });
      assert.equal(accepted.status, 303);
      const secondFactorPath = accepted.headers.get('location') ?? '';
      assert.equal(secondFactorPath, `/staff/second-factor?next=${encodeURIComponent(`/staff/${own}`)}`);

      const enrolPage = await client.get(secondFactorPath);
      const html = await enrolPage.text();
      const qr = /<img src="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)"/.exec(html)?.[1];
      assert.ok(qr, 'the QR code is an inline SVG image');
      assert.match(Buffer.from(qr, 'base64').toString('utf8'), /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      const secret = /<code class="secret-code">([A-Z2-7 ]+)<\/code>/.exec(html)?.[1];
      assert.ok(secret, 'the secret is shown for typing in');
      assert.match(html, /otpauth:\/\/totp\/Furusato:new\.staff%40kesennuma\.example\.jp\?/);
      // Opening the page again shows the same secret: the QR code scanned first stays valid.
      assert.ok((await (await client.get(secondFactorPath)).text()).includes(secret));

      const authenticator = new TestAuthenticator(secret);
      const confirmed = await client.postForm(
        `/staff/second-factor/enrol?next=${encodeURIComponent(`/staff/${own}`)}`,
        {
          code: authenticator.code(),
        },
      );
      assert.equal(confirmed.status, 303);
      assert.equal(confirmed.headers.get('location'), `/staff/${own}`);
      const dashboard = await client.get(`/staff/${own}`);
      assert.equal(dashboard.status, 200);
      const dashboardHtml = await dashboard.text();
      assert.match(dashboardHtml, /宮城県 気仙沼市/);
      assert.match(dashboardHtml, /自治体職員/);
      // A member of exactly one government goes straight to it.
      const home = await client.get('/staff');
      assert.equal(home.headers.get('location'), `/staff/${own}`);

      assert.deepEqual((await personAuditActions(personId)).slice(-1), ['person.second_factor_enrolled']);
      const actions = await tenantAuditActions(own);
      assert.ok(actions.includes('staff.invited') && actions.includes('staff.joined'));
    });

    it('refuses expired, withdrawn, used and mistyped invitations with a reason, and invitations for another address', async () => {
      const { client } = await signedInClient(runtime, 'late@example.jp');
      const accept = (token: string) => client.sendJson('/api/v1/staff/invitations/accept', { token });
      const detail = async (response: Response) => {
        const body = (await response.json()) as { code: string; localized: { ja: { detail: string } } };
        return `${response.status} ${body.code} ${body.localized.ja.detail}`;
      };

      const expired = tokenOf(
        await inviteByMail(runtime, { lgCode: own, email: 'late@example.jp', role: 'tenant_staff' }),
      );
      await db()
        .updateTable('staff_invitations')
        .set({ expires_at: sql<Date>`now() - interval '1 second'` })
        .where('email', '=', 'late@example.jp')
        .execute();
      assert.match(await detail(await accept(expired)), /^409 invitation_not_usable .*有効期限（7日間）が過ぎています/);
      const page = await client.get(`/staff/invitations/accept?token=${encodeURIComponent(expired)}`);
      assert.equal(page.status, 409);
      assert.match(await page.text(), /有効期限/);

      const revokedLink = await inviteByMail(runtime, { lgCode: own, email: 'late@example.jp', role: 'tenant_staff' });
      const open = (await (await admin.client.get(`/api/v1/tenants/${own}/invitations`)).json()) as {
        items: Array<{ id: string; email: string; expired: boolean }>;
      };
      const pending = open.items.find((item) => item.email === 'late@example.jp' && !item.expired);
      assert.ok(pending);
      const revoke = await admin.client.sendJson(
        `/api/v1/tenants/${own}/invitations/${pending.id}`,
        undefined,
        'DELETE',
      );
      assert.equal(revoke.status, 204);
      assert.match(await detail(await accept(tokenOf(revokedLink))), /^409 invitation_not_usable .*取り消されました/);

      assert.match(
        await detail(await accept(`${own}.${'A'.repeat(43)}`)),
        /^409 invitation_not_usable .*正しくありません/,
      );
      assert.match(await detail(await accept('garbage')), /^409 invitation_not_usable/);

      const elsewhere = tokenOf(
        await inviteByMail(runtime, { lgCode: own, email: 'someone.else@example.jp', role: 'tenant_staff' }),
      );
      assert.match(await detail(await accept(elsewhere)), /^403 forbidden .*別のメールアドレス宛て/);

      const used = tokenOf(
        await inviteByMail(runtime, { lgCode: own, email: 'late@example.jp', role: 'tenant_staff' }),
      );
      assert.equal((await accept(used)).status, 200);
      assert.match(await detail(await accept(used)), /^409 invitation_not_usable .*すでに使われています/);
      assert.ok((await tenantAuditActions(own)).includes('staff.invitation_revoked'));
    });

    it('refuses to invite an address that already belongs to a member', async () => {
      const response = await admin.client.sendJson(`/api/v1/tenants/${own}/invitations`, {
        email: 'ADMIN@kesennuma.example.jp',
        role: 'tenant_staff',
      });
      assert.equal(response.status, 409);
      assert.equal(((await response.json()) as { code: string }).code, 'staff_already_member');
    });
  });

  describe('managing members', () => {
    it('an administrator invites on the members page, changes a role and removes a member, all in the audit trail', async () => {
      const invited = await admin.client.postForm(`/staff/${own}/members/invite`, {
        email: 'clerk@kesennuma.example.jp',
        role: 'organisation_staff',
      });
      assert.equal(invited.status, 303);
      const mail = await runtime.mail.waitForMail('clerk@kesennuma.example.jp', (message) =>
        message.subject.includes('招待'),
      );
      assert.match(mail.text, /「団体担当者」/);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const { client } = await signedInClient(runtime, 'clerk@kesennuma.example.jp');
      const joined = await client.sendJson('/api/v1/staff/invitations/accept', { token: tokenOf(linkIn(mail.text)) });
      assert.equal(joined.status, 200);
      const { member } = (await joined.json()) as { member: { id: string; role: string } };
      assert.equal(member.role, 'organisation_staff');
      await enrolAuthenticator(client);

      const membersPage = await admin.client.get(`/staff/${own}/members`);
      assert.match(await membersPage.text(), /clerk@kesennuma\.example\.jp/);

      const changed = await admin.client.postForm(`/staff/${own}/members/${member.id}/role`, { role: 'tenant_staff' });
      assert.equal(changed.status, 303);
      assert.equal(changed.headers.get('location'), `/staff/${own}/members?notice=role`);
      const me = (await (await client.get(`/api/v1/tenants/${own}/me`)).json()) as { role: string };
      assert.equal(me.role, 'tenant_staff');

      const removed = await admin.client.sendJson(`/api/v1/tenants/${own}/members/${member.id}`, undefined, 'DELETE');
      assert.equal(removed.status, 204);
      // A removed member's staff area is gone: 404, like any outsider's.
      assert.equal((await client.get(`/api/v1/tenants/${own}/me`)).status, 404);
      assert.equal((await client.get(`/staff/${own}`)).status, 404);

      const trail = (await (await admin.client.get(`/api/v1/tenants/${own}/audit-events?limit=200`)).json()) as {
        items: Array<{ action: string; actor: { kind: string; id: string }; subject: { id: string }; data: object }>;
      };
      const roleChanged = trail.items.find((item) => item.action === 'staff.role_changed');
      assert.deepEqual(roleChanged?.data, { from: 'organisation_staff', to: 'tenant_staff' });
      assert.deepEqual(roleChanged?.actor, { kind: 'staff', id: admin.personId });
      assert.equal(roleChanged?.subject.id, member.id);
      assert.ok(trail.items.some((item) => item.action === 'staff.removed' && item.subject.id === member.id));
      assert.ok(!JSON.stringify(trail).includes('@'), 'no addresses in the audit trail');
    });

    it('keeps at least one administrator', async () => {
      const demote = await admin.client.sendJson(
        `/api/v1/tenants/${own}/members/${admin.membershipId}`,
        { role: 'tenant_staff' },
        'PATCH',
      );
      assert.equal(demote.status, 409);
      const remove = await admin.client.postForm(`/staff/${own}/members/${admin.membershipId}/remove`);
      assert.equal(remove.status, 409);
      assert.match(await remove.text(), /自治体管理者がいなくなるため/);
    });

    it('staff who are not administrators see the dashboard but not members, audit trail or settings (403)', async () => {
      const staff = await signedInStaff(runtime, {
        lgCode: own,
        email: 'plain@kesennuma.example.jp',
        role: 'tenant_staff',
      });
      assert.equal((await staff.client.get(`/staff/${own}`)).status, 200);
      for (const path of [`/staff/${own}/members`, `/staff/${own}/audit`, `/staff/${own}/settings`]) {
        assert.equal((await staff.client.get(path)).status, 403, path);
      }
      for (const path of [`/api/v1/tenants/${own}/members`, `/api/v1/tenants/${own}/audit-events`]) {
        const response = await staff.client.get(path);
        assert.equal(response.status, 403, path);
        assert.equal(((await response.json()) as { code: string }).code, 'forbidden');
      }
      const invite = await staff.client.sendJson(`/api/v1/tenants/${own}/invitations`, {
        email: 'friend@example.jp',
        role: 'tenant_admin',
      });
      assert.equal(invite.status, 403);
    });
  });

  describe('audit trail and settings', () => {
    it('pages the trail newest first with a cursor', async () => {
      const first = (await (await admin.client.get(`/api/v1/tenants/${own}/audit-events?limit=2`)).json()) as {
        items: Array<{ id: string; occurredAt: string }>;
        nextBefore: string | null;
      };
      assert.equal(first.items.length, 2);
      assert.ok(first.nextBefore);
      assert.ok(first.items[0]!.id > first.items[1]!.id);
      const second = (await (
        await admin.client.get(`/api/v1/tenants/${own}/audit-events?limit=2&before=${first.nextBefore}`)
      ).json()) as { items: Array<{ id: string }> };
      assert.ok(second.items.every((item) => item.id < first.items[1]!.id));
      const page = await admin.client.get(`/staff/${own}/audit`);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /職員の参加/);
      assert.ok(!html.includes('@kesennuma.example.jp'), 'no addresses on the audit page');
    });

    it('an administrator updates the settings; other settings are kept and the change is audited', async () => {
      await withTenant(db(), own, (scope) =>
        scope.trx
          .updateTable('tenants')
          .set({ settings: JSON.stringify({ contactPhone: '0226-22-6600' }) })
          .execute(),
      );
      const form = await admin.client.get(`/staff/${own}/settings`);
      assert.match(await form.text(), /0226-22-6600/);
      const saved = await admin.client.postForm(`/staff/${own}/settings`, {
        contactEmail: 'furusato@kesennuma.example.jp',
        contactPhone: '0226-22-6600',
        welcomeJa: 'ようこそ気仙沼へ',
        welcomeEn: '',
      });
      assert.equal(saved.status, 303);
      const tenant = await getTenant({ db: db(), lgCode: own });
      assert.deepEqual(tenant.settings, {
        ...TenantSettings.parse({}),
        contactEmail: 'furusato@kesennuma.example.jp',
        contactPhone: '0226-22-6600',
        welcomeMessage: { ja: 'ようこそ気仙沼へ' },
      });
      const event = await withTenant(db(), own, (scope) =>
        scope.trx
          .selectFrom('audit_events')
          .select(['actor_kind', 'actor_id', 'data'])
          .where('action', '=', 'tenant.settings_updated')
          .orderBy('id', 'desc')
          .executeTakeFirstOrThrow(),
      );
      assert.deepEqual(event, {
        actor_kind: 'staff',
        actor_id: admin.personId,
        data: { changedKeys: ['contactEmail', 'welcomeMessage'] },
      });

      const invalid = await admin.client.postForm(`/staff/${own}/settings`, { contactEmail: 'not an address' });
      assert.equal(invalid.status, 400);
      assert.match(await invalid.text(), /お問い合わせ用メールアドレス/);
    });
  });

  describe('second factor', () => {
    it('refuses a wrong code and a reused one, records failures in the person trail, accepts the next code', async () => {
      const { client, personId } = await signedInClient(runtime, 'admin@kesennuma.example.jp');
      assert.equal(personId, admin.personId);
      const api = await client.get(`/api/v1/tenants/${own}/members`);
      assert.equal(api.status, 403, 'a new e-mail session has no second factor');

      const wrong = await client.sendJson('/api/v1/staff/second-factor/totp', { code: '000000' });
      assert.equal(wrong.status, 400);
      const code = admin.authenticator!.codeAfter(await lastUsedStep(runtime, personId));
      const fresh = await client.sendJson('/api/v1/staff/second-factor/totp', { code });
      assert.equal(fresh.status, 204);
      // A code is good once, in any session.
      const reused = await client.sendJson('/api/v1/staff/second-factor/totp', { code });
      assert.equal(reused.status, 400);
      assert.match(((await reused.json()) as { detail: string }).detail, /すでに使われました/);
      assert.equal((await client.get(`/api/v1/tenants/${own}/members`)).status, 200);

      const failures = await db()
        .selectFrom('person_audit_events')
        .select('data')
        .where('subject', '=', `person:${personId}`)
        .where('action', '=', 'person.second_factor_failed')
        .execute();
      assert.deepEqual(
        failures.map((row) => (row.data as { reason: string }).reason),
        ['wrong_code', 'reused'],
      );
      assert.ok((await personAuditActions(personId)).includes('person.second_factor_verified'));
    });

    it('the page asks for a code, says why one was refused, and brings the member back', async () => {
      const { client } = await signedInClient(runtime, 'admin@kesennuma.example.jp');
      const sent = await client.get(`/staff/${own}/audit`);
      assert.equal(sent.status, 303);
      const location = sent.headers.get('location') ?? '';
      const page = await client.get(location);
      const html = await page.text();
      assert.match(html, /認証アプリの確認コードを入力してください/);
      assert.ok(!html.includes('secret-code'), 'an enrolled app is not shown again');
      const wrong = await client.postForm(location, { code: '123' });
      assert.equal(wrong.status, 400);
      assert.match(await wrong.text(), /確認コードが正しくありません/);
    });

    it('a second factor lasts 12 hours in a session', async () => {
      await db()
        .updateTable('sessions')
        .set({ second_factor_at: sql<Date>`now() - interval '13 hours'` })
        .where('person_id', '=', admin.personId)
        .execute();
      const response = await admin.client.get(`/api/v1/tenants/${own}/me`);
      assert.equal(response.status, 403);
      assert.equal(((await response.json()) as { code: string }).code, 'second_factor_required');
    });

    it('limits attempts per person', async () => {
      const staff = await signedInStaff(runtime, {
        lgCode: own,
        email: 'typo@kesennuma.example.jp',
        role: 'tenant_staff',
      });
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 5; attempt += 1) {
        statuses.push((await staff.client.sendJson('/api/v1/staff/second-factor/totp', { code: '000000' })).status);
      }
      // The enrolment confirmation was the first attempt of the window.
      assert.deepEqual(statuses, [400, 400, 400, 400, 429]);
      const page = await staff.client.postForm('/staff/second-factor', { code: '000000' });
      assert.equal(page.status, 429);
      assert.match(await page.text(), /操作が多すぎます|短い時間に操作が多すぎます/);
    });

    it('people who are not staff are not offered an authenticator app', async () => {
      const { client } = await signedInClient(runtime, 'resident@example.jp');
      const enrol = await client.sendJson('/api/v1/staff/second-factor/totp/enrolment', undefined);
      assert.equal(enrol.status, 403);
      const page = await client.get('/staff');
      assert.match(await page.text(), /どの自治体の職員としても登録されていません/);
    });
  });

  describe('account deletion', () => {
    it('ends the memberships in every government, removes the authenticator and keeps the governments’ records', async () => {
      const third = '074071'; // 磐梯町, so that the trails other tests read stay as they expect
      await joinTenants(runtime, [third]);
      const leaving = await signedInStaff(runtime, {
        lgCode: own,
        email: 'leaving@kesennuma.example.jp',
        role: 'tenant_staff',
      });
      const invitation = await inviteByMail(runtime, {
        lgCode: third,
        email: 'leaving@kesennuma.example.jp',
        role: 'tenant_staff',
      });
      const accepted = await leaving.client.sendJson('/api/v1/staff/invitations/accept', {
        token: tokenOf(invitation),
      });
      assert.equal(accepted.status, 200);

      const deleted = await leaving.client.sendJson('/api/v1/me', { confirmation: 'delete' }, 'DELETE');
      assert.equal(deleted.status, 204);

      for (const lgCode of [own, third]) {
        const membership = await withTenant(db(), lgCode, (scope) =>
          scope.trx
            .selectFrom('staff_memberships')
            .select(['status', 'email'])
            .where('person_id', '=', leaving.personId)
            .executeTakeFirstOrThrow(),
        );
        assert.deepEqual(membership, { status: 'removed', email: 'leaving@kesennuma.example.jp' }, lgCode);
        const removal = await withTenant(db(), lgCode, (scope) =>
          scope.trx
            .selectFrom('audit_events')
            .select('data')
            .where('action', '=', 'staff.removed')
            .where('actor_id', '=', leaving.personId)
            .executeTakeFirstOrThrow(),
        );
        assert.deepEqual(removal.data, { role: 'tenant_staff', reason: 'account_deleted' });
      }
      const factor = await db()
        .selectFrom('totp_factors')
        .select('person_id')
        .where('person_id', '=', leaving.personId)
        .execute();
      assert.equal(factor.length, 0);
    });
  });

  describe('operators', () => {
    it('an operator with a second factor onboards a first administrator of any government; without one, nothing', async () => {
      const { client, personId } = await signedInClient(runtime, 'operator@digital.example.jp');
      await grantOperator({ db: db(), actor: cliOperator, email: 'operator@digital.example.jp' });
      const before = await client.get(`/api/v1/tenants/${other}/me`);
      assert.equal(before.status, 403, 'operator without a second factor');
      await enrolAuthenticator(client);
      const me = (await (await client.get(`/api/v1/tenants/${other}/me`)).json()) as {
        role: string | null;
        permissions: Record<string, boolean>;
      };
      assert.deepEqual(me, {
        lgCode: other,
        name: '徳島県 神山町',
        role: null,
        permissions: { manageStaff: true, readAuditTrail: true, updateSettings: true },
      });
      const invite = await client.sendJson(`/api/v1/tenants/${other}/invitations`, {
        email: 'first.admin@kamiyama.example.jp',
        role: 'tenant_admin',
      });
      assert.equal(invite.status, 201);
      const event = await withTenant(db(), other, (scope) =>
        scope.trx
          .selectFrom('audit_events')
          .select(['actor_kind', 'actor_id'])
          .where('action', '=', 'staff.invited')
          .executeTakeFirstOrThrow(),
      );
      assert.deepEqual(event, { actor_kind: 'operator', actor_id: personId });
      // A government that has not joined has no staff area, even for the operator.
      assert.equal((await client.get('/api/v1/tenants/011002/me')).status, 404);
    });
  });
});
