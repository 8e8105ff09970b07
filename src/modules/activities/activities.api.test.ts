import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signCardToken } from '../registrations/card.service.js';
import { registerWithGovernment } from '../registrations/index.js';
import { testConfig } from '../../../test/support/app.js';
import type { TestClient } from '../../../test/support/client.js';
import { signedInClient, startTestRuntime, type TestRuntime } from '../../../test/support/runtime.js';
import { enrolAuthenticator, joinTenants, signedInStaff, type StaffSession } from '../../../test/support/staff.js';
import { withTenant } from '../../platform/db/tenant-scope.js';
import { checkinCodeUrl, codeMac, sessionCodeKey, slotAt } from './checkin-code.js';

/**
 * 担い手 activities through the HTTP API, as the government, an organisation and registrants use it:
 * organisations applying and approved, projects and designation, applications with a waiting list,
 * check-in by the organiser's code and by the registration card (also from the offline queue), hand
 * corrections, the roster, the report and the person's history.
 */
const kesennuma = '042056';
const kamiyama = '363421';
const config = testConfig();

const minutes = (count: number) => count * 60 * 1000;
const inMinutes = (count: number) => new Date(Date.now() + minutes(count)).toISOString();

async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  return (text ? JSON.parse(text) : undefined) as T;
}

function currentCode(sessionId: string, lgCode = kesennuma, slot = slotAt(new Date())): string {
  const key = sessionCodeKey(config.APP_SECRET, lgCode, sessionId);
  return checkinCodeUrl('http://localhost:3000', lgCode, sessionId, slot, codeMac(key, slot));
}

interface Organisation {
  id: string;
  status: string;
  designated: boolean;
}
interface Project {
  id: string;
  status: string;
  designation: string;
  designated: boolean;
  organisationId: string | null;
}
interface Session {
  id: string;
  confirmedCount: number;
  waitlistedCount: number;
  capacity: number | null;
}
interface Applied {
  applicationId: string;
  status: string;
  waitlistPosition: number | null;
}
interface CheckIn {
  result: string;
  attendanceId: string;
  activityDate: string;
  designated: boolean;
  sharedName: string | null;
}

describe('activities API', () => {
  let runtime: TestRuntime;
  let admin: StaffSession;
  let clerk: StaffSession;
  let otherGovernment: StaffSession;
  let organiser: { client: TestClient; personId: string };
  let organisation: Organisation;
  let project: Project;
  const api = `/api/v1/tenants/${kesennuma}`;
  const people: Array<{ client: TestClient; personId: string; email: string }> = [];

  before(async () => {
    runtime = await startTestRuntime();
    await joinTenants(runtime, [kesennuma, kamiyama]);
    admin = await signedInStaff(runtime, {
      lgCode: kesennuma,
      email: 'admin@kesennuma.example.jp',
      role: 'tenant_admin',
    });
    clerk = await signedInStaff(runtime, {
      lgCode: kesennuma,
      email: 'clerk@kesennuma.example.jp',
      role: 'tenant_staff',
    });
    otherGovernment = await signedInStaff(runtime, {
      lgCode: kamiyama,
      email: 'admin@kamiyama.example.jp',
      role: 'tenant_admin',
    });
    for (const name of ['aoi', 'ren', 'mei', 'sora', 'yui']) {
      const email = `${name}@example.jp`;
      const signedIn = await signedInClient(runtime, email);
      await signedIn.client.sendJson('/api/v1/me', { displayName: `${name} さん`, locale: 'ja' }, 'PATCH');
      people.push({ ...signedIn, email });
    }
    // Two of them are ふるさと住民 of 気仙沼市.
    for (const person of people.slice(0, 2)) {
      await registerWithGovernment({
        db: runtime.database.db,
        personId: person.personId,
        lgCode: kesennuma,
        input: { ties: ['furusato_nozei'] },
      });
    }
  });

  after(async () => {
    await runtime?.close();
  });

  describe('organisations', () => {
    it('a person applies for an organisation; the government approves and the applicant becomes its 団体担当者', async () => {
      organiser = await signedInClient(runtime, 'uomachi@example.jp');
      const applied = await json<Organisation>(
        await organiser.client.sendJson('/api/v1/organisation-applications', {
          lgCode: kesennuma,
          name: '魚町自治会',
          kind: 'jichikai',
          area: '魚町地区',
          corporateNumber: '7000012050002',
        }),
        201,
      );
      assert.equal(applied.status, 'pending');

      const list = await json<{ items: Array<{ id: string; status: string }> }>(
        await clerk.client.get(`${api}/organisations`),
        200,
      );
      assert.deepEqual(
        list.items.map((item) => [item.id, item.status]),
        [[applied.id, 'pending']],
      );

      const refused = await clerk.client.sendJson(`${api}/organisations/${applied.id}/decision`, {
        decision: 'reject',
      });
      assert.equal(refused.status, 400, 'a rejection needs a reason');

      const mailsBefore = runtime.mail.lastSequence();
      organisation = await json<Organisation>(
        await clerk.client.sendJson(`${api}/organisations/${applied.id}/decision`, { decision: 'approve' }),
        200,
      );
      assert.equal(organisation.status, 'approved');
      const mail = await runtime.mail.waitForMail('uomachi@example.jp', (message) => message.sequence > mailsBefore);
      assert.match(mail.subject, /魚町自治会/);

      const again = await clerk.client.sendJson(`${api}/organisations/${applied.id}/decision`, { decision: 'approve' });
      assert.equal(again.status, 409);

      // The applicant is now staff of 気仙沼市 for this organisation: with a second factor, its area opens.
      await enrolAuthenticator(organiser.client);
      const own = await json<{ items: Array<{ id: string }> }>(await organiser.client.get(`${api}/organisations`), 200);
      assert.deepEqual(
        own.items.map((item) => item.id),
        [organisation.id],
      );
    });

    it('bad input is named field by field', async () => {
      const response = await clerk.client.sendJson(`${api}/organisations`, {
        name: '',
        kind: 'jichikai',
        contactEmail: 'not-an-address',
        corporateNumber: '1234567890123',
      });
      const problem = await json<{ code: string; errors: Array<{ field: string }> }>(response, 400);
      assert.equal(problem.code, 'validation_failed');
      assert.deepEqual(problem.errors.map((error) => error.field).sort(), ['contactEmail', 'corporateNumber', 'name']);
    });

    it('the government invites more 団体担当者; another organisation and other governments see nothing', async () => {
      const other = await json<Organisation>(
        await admin.client.sendJson(`${api}/organisations`, { name: '気仙沼まちづくり株式会社', kind: 'machizukuri' }),
        201,
      );
      assert.equal(other.status, 'approved');
      const invited = await clerk.client.sendJson(`${api}/organisations/${organisation.id}/staff-invitations`, {
        email: 'second@uomachi.example.jp',
      });
      assert.equal(invited.status, 201, await invited.clone().text());
      const detail = await json<{ staff: { members: unknown[]; invitations: Array<{ email: string }> } }>(
        await clerk.client.get(`${api}/organisations/${organisation.id}`),
        200,
      );
      assert.equal(detail.staff.members.length, 1);
      assert.deepEqual(
        detail.staff.invitations.map((invitation) => invitation.email),
        ['second@uomachi.example.jp'],
      );

      const { invitationId } = (await invited.json()) as { invitationId: string };
      const withdraw = (client: TestClient, organisationId: string) =>
        client.sendJson(
          `${api}/organisations/${organisationId}/staff-invitations/${invitationId}`,
          undefined,
          'DELETE',
        );
      assert.equal((await withdraw(organiser.client, organisation.id)).status, 403, 'an organisation cannot withdraw');
      assert.equal((await withdraw(clerk.client, other.id)).status, 404, 'not an invitation of that organisation');
      assert.equal((await withdraw(clerk.client, organisation.id)).status, 204);
      assert.equal((await withdraw(clerk.client, organisation.id)).status, 404, 'withdrawn already');
      const withdrawn = await json<{ staff: { invitations: unknown[] } }>(
        await clerk.client.get(`${api}/organisations/${organisation.id}`),
        200,
      );
      assert.deepEqual(withdrawn.staff.invitations, []);

      assert.equal((await organiser.client.get(`${api}/organisations/${other.id}`)).status, 404);
      assert.equal((await organiser.client.sendJson(`${api}/organisations`, { name: 'x', kind: 'npo' })).status, 403);
      for (const path of [`${api}/organisations`, `${api}/organisations/${organisation.id}`, `${api}/projects`]) {
        const response = await otherGovernment.client.get(path);
        assert.equal(response.status, 404, path);
        assert.doesNotMatch(await response.text(), /魚町/);
      }
    });
  });

  describe('projects and designation', () => {
    it('the organisation plans a project; only the government designates it', async () => {
      project = await json<Project>(
        await organiser.client.sendJson(`${api}/projects`, {
          title: '魚町 朝の清掃活動',
          category: 'environment',
          placeName: '魚町公民館',
          whatToBring: '軍手、飲み物',
          contact: '魚町自治会 0226-00-0000',
        }),
        201,
      );
      assert.equal(project.status, 'draft');
      assert.equal(project.organisationId, organisation.id);
      assert.equal(project.designated, false);

      // The plan is shared with the government (L5985–5989), before it is public.
      const seen = await json<{ items: Array<{ id: string }> }>(await clerk.client.get(`${api}/projects`), 200);
      assert.ok(seen.items.some((item) => item.id === project.id));
      assert.equal((await runtime.client().get(`/api/v1/activities/${kesennuma}/projects/${project.id}`)).status, 404);

      const tried = await organiser.client.sendJson(
        `${api}/projects/${project.id}/designation`,
        { designation: 'designated' },
        'PUT',
      );
      assert.equal(tried.status, 403);
      const requested = await json<Project & { designationRequestedAt: string | null }>(
        await organiser.client.sendJson(`${api}/projects/${project.id}/designation-request`, undefined),
        200,
      );
      assert.ok(requested.designationRequestedAt);
      const queue = await json<{ items: Array<{ id: string }> }>(
        await clerk.client.get(`${api}/projects?designationRequested=true`),
        200,
      );
      assert.deepEqual(
        queue.items.map((item) => item.id),
        [project.id],
      );
      project = await json<Project>(
        await clerk.client.sendJson(`${api}/projects/${project.id}/designation`, { designation: 'designated' }, 'PUT'),
        200,
      );
      assert.equal(project.designated, true);
      const published = await json<Project>(
        await organiser.client.sendJson(`${api}/projects/${project.id}/status`, { status: 'published' }, 'PUT'),
        200,
      );
      assert.equal(published.status, 'published');
    });

    it('pattern ②: a designated organisation designates its projects unless one is excluded', async () => {
      const second = await json<Project>(
        await organiser.client.sendJson(`${api}/projects`, { title: '魚町 夏祭り', category: 'festival' }),
        201,
      );
      assert.equal(second.designated, false);
      const designated = await json<Organisation>(
        await clerk.client.sendJson(`${api}/organisations/${organisation.id}/designation`, { designated: true }, 'PUT'),
        200,
      );
      assert.equal(designated.designated, true);
      const inherited = await json<{ project: Project }>(
        await organiser.client.get(`${api}/projects/${second.id}`),
        200,
      );
      assert.equal(inherited.project.designated, true);
      const excluded = await json<Project>(
        await clerk.client.sendJson(`${api}/projects/${second.id}/designation`, { designation: 'excluded' }, 'PUT'),
        200,
      );
      assert.equal(excluded.designated, false);
      await json<Organisation>(
        await clerk.client.sendJson(
          `${api}/organisations/${organisation.id}/designation`,
          { designated: false },
          'PUT',
        ),
        200,
      );
    });
  });

  describe('applications and the waiting list', () => {
    let session: Session;

    it('confirms within capacity, then queues in order, and moves the queue up on a cancellation', async () => {
      session = await json<Session>(
        await organiser.client.sendJson(`${api}/projects/${project.id}/sessions`, {
          startsAt: inMinutes(-10),
          endsAt: inMinutes(120),
          capacity: 2,
        }),
        201,
      );
      const results: Applied[] = [];
      for (const person of people.slice(0, 4)) {
        results.push(
          await json<Applied>(
            await person.client.sendJson(`/api/v1/activities/${kesennuma}/sessions/${session.id}/applications`, {
              comment: '',
            }),
            201,
          ),
        );
      }
      assert.deepEqual(
        results.map((result) => [result.status, result.waitlistPosition]),
        [
          ['confirmed', null],
          ['confirmed', null],
          ['waitlisted', 1],
          ['waitlisted', 2],
        ],
      );
      const twice = await people[0]!.client.sendJson(
        `/api/v1/activities/${kesennuma}/sessions/${session.id}/applications`,
        {},
      );
      assert.equal((await json<{ code: string }>(twice, 409)).code, 'session_application_exists');

      const mailsBefore = runtime.mail.lastSequence();
      const cancelled = await people[1]!.client.request(
        `/api/v1/me/session-applications/${kesennuma}/${results[1]!.applicationId}`,
        {
          method: 'DELETE',
          headers: { Origin: 'http://localhost:3000', 'X-CSRF-Token': people[1]!.client.csrfToken },
        },
      );
      assert.equal(cancelled.status, 204);
      const promoted = await runtime.mail.waitForMail(
        people[2]!.email,
        (message) => message.sequence > mailsBefore && message.subject.includes('キャンセル待ちから参加確定'),
      );
      assert.match(promoted.text, /繰り上がりました/);
      const mine = await json<{ items: Array<{ id: string; status: string; waitlistPosition: number | null }> }>(
        await people[3]!.client.get('/api/v1/me/session-applications'),
        200,
      );
      assert.deepEqual(
        mine.items.map((item) => [item.status, item.waitlistPosition]),
        [['waitlisted', 1]],
      );

      const lowered = await organiser.client.sendJson(
        `${api}/sessions/${session.id}`,
        { startsAt: inMinutes(-10), endsAt: inMinutes(120), capacity: 1 },
        'PATCH',
      );
      assert.equal((await json<{ code: string }>(lowered, 409)).code, 'session_capacity_below_confirmed');
      const raised = await json<Session>(
        await organiser.client.sendJson(
          `${api}/sessions/${session.id}`,
          { startsAt: inMinutes(-10), endsAt: inMinutes(120), capacity: 3 },
          'PATCH',
        ),
        200,
      );
      assert.equal(raised.confirmedCount, 3);
      assert.equal(raised.waitlistedCount, 0);
    });

    it('ten people applying at once for three places: three confirmed, seven waiting in order', async () => {
      const crowded = await json<Session>(
        await organiser.client.sendJson(`${api}/projects/${project.id}/sessions`, {
          startsAt: inMinutes(60 * 24),
          endsAt: inMinutes(60 * 26),
          capacity: 3,
        }),
        201,
      );
      const crowd = await Promise.all(
        Array.from({ length: 10 }, (_, index) => signedInClient(runtime, `crowd${index}@example.jp`)),
      );
      const outcomes = await Promise.all(
        crowd.map(async ({ client }) =>
          json<Applied>(
            await client.sendJson(`/api/v1/activities/${kesennuma}/sessions/${crowded.id}/applications`, {}),
            201,
          ),
        ),
      );
      assert.equal(outcomes.filter((outcome) => outcome.status === 'confirmed').length, 3);
      assert.deepEqual(
        outcomes
          .map((outcome) => outcome.waitlistPosition)
          .filter((position) => position !== null)
          .sort((a, b) => a! - b!),
        [1, 2, 3, 4, 5, 6, 7],
      );
    });

    it('closing stops applications; cancelling tells every applicant', async () => {
      const later = await json<Session>(
        await organiser.client.sendJson(`${api}/projects/${project.id}/sessions`, {
          startsAt: inMinutes(60 * 48),
          endsAt: inMinutes(60 * 50),
        }),
        201,
      );
      await json<Applied>(
        await people[4]!.client.sendJson(`/api/v1/activities/${kesennuma}/sessions/${later.id}/applications`, {}),
        201,
      );
      await json<Session>(
        await organiser.client.sendJson(`${api}/sessions/${later.id}/applications-open`, { open: false }, 'PUT'),
        200,
      );
      const closed = await people[0]!.client.sendJson(
        `/api/v1/activities/${kesennuma}/sessions/${later.id}/applications`,
        {},
      );
      assert.equal((await json<{ code: string }>(closed, 409)).code, 'session_not_open');
      const mailsBefore = runtime.mail.lastSequence();
      await json<Session>(
        await organiser.client.sendJson(`${api}/sessions/${later.id}/cancellation`, { reason: '台風のため' }),
        200,
      );
      const notice = await runtime.mail.waitForMail(
        people[4]!.email,
        (message) => message.sequence > mailsBefore && message.subject.includes('中止のお知らせ'),
      );
      assert.match(notice.text, /台風のため/);
    });

    it('check-in by the organiser’s code: once per day, and forged, expired or wrong codes are refused', async () => {
      const [aoi, ren] = [people[0]!, people[1]!];
      const first = await json<CheckIn>(
        await aoi.client.sendJson('/api/v1/me/check-ins', { code: currentCode(session.id), sessionId: session.id }),
        201,
      );
      assert.equal(first.result, 'recorded');
      assert.equal(first.designated, true);
      assert.equal(first.sharedName, 'aoi さん');
      const second = await json<CheckIn>(
        await aoi.client.sendJson('/api/v1/me/check-ins', { code: currentCode(session.id) }),
        200,
      );
      assert.equal(second.result, 'already_present');
      assert.equal(second.attendanceId, first.attendanceId);

      const forged = currentCode(session.id).replace(/\.[A-Za-z0-9_-]{22}$/, '.AAAAAAAAAAAAAAAAAAAAAA');
      const refusals: Array<[string, unknown, number, string]> = [
        ['forged', { code: forged }, 400, 'checkin_code_invalid'],
        ['expired', { code: currentCode(session.id, kesennuma, slotAt(new Date()) - 10) }, 400, 'checkin_code_expired'],
        [
          'another session',
          { code: currentCode(session.id), sessionId: '0190a000-0000-7000-8000-000000000099' },
          409,
          'checkin_wrong_session',
        ],
        ['not a code', { code: 'https://example.com/' }, 400, 'checkin_code_invalid'],
      ];
      for (const [name, body, status, code] of refusals) {
        const problem = await json<{ code: string; detail: string }>(
          await ren.client.sendJson('/api/v1/me/check-ins', body),
          status,
        );
        assert.equal(problem.code, code, name);
        assert.ok(problem.detail.length > 0, name);
      }
    });

    it('a code outside the check-in hours is refused with the hours', async () => {
      const tomorrow = await json<Session>(
        await organiser.client.sendJson(`${api}/projects/${project.id}/sessions`, {
          startsAt: inMinutes(60 * 20),
          endsAt: inMinutes(60 * 22),
        }),
        201,
      );
      const problem = await json<{ code: string; detail: string }>(
        await people[1]!.client.sendJson('/api/v1/me/check-ins', { code: currentCode(tomorrow.id) }),
        409,
      );
      assert.equal(problem.code, 'checkin_outside_window');
      assert.match(problem.detail, /受付時間/);
    });

    it('the organiser scans registration cards, online and from the offline queue, never twice', async () => {
      const ren = people[1]!;
      const registration = await withTenant(runtime.database.db, kesennuma, (scope) =>
        scope.trx
          .selectFrom('registrations')
          .select('id')
          .where('lg_code', '=', kesennuma)
          .where('person_id', '=', ren.personId)
          .executeTakeFirstOrThrow(),
      );
      const card = await signCardToken({ config, lgCode: kesennuma, registrationId: registration.id });
      const scanned = `http://localhost:3000/verify?token=${card.token}`;
      const recorded = await json<CheckIn>(
        await organiser.client.sendJson(`${api}/sessions/${session.id}/attendance`, { scanned }),
        201,
      );
      assert.equal(recorded.sharedName, 'ren さん');
      const again = await json<CheckIn>(
        await organiser.client.sendJson(`${api}/sessions/${session.id}/attendance`, { scanned }),
        200,
      );
      assert.equal(again.result, 'already_present');

      const old = await signCardToken({
        config,
        lgCode: kesennuma,
        registrationId: registration.id,
        now: new Date(Date.now() - minutes(30)),
      });
      const expired = await json<{ code: string; detail: string }>(
        await organiser.client.sendJson(`${api}/sessions/${session.id}/attendance`, {
          scanned: `http://localhost:3000/verify?token=${old.token}`,
        }),
        400,
      );
      assert.equal(expired.code, 'checkin_card_invalid');
      assert.match(expired.detail, /有効期限/);
      const venueCode = await json<{ code: string }>(
        await organiser.client.sendJson(`${api}/sessions/${session.id}/attendance`, {
          scanned: currentCode(session.id),
        }),
        400,
      );
      assert.equal(venueCode.code, 'checkin_card_invalid');

      // Offline: a card scanned 20 minutes ago (valid then), sent now; then the batch sent again.
      const mei = people[2]!;
      await registerWithGovernment({
        db: runtime.database.db,
        personId: mei.personId,
        lgCode: kesennuma,
        input: { ties: ['family'] },
      });
      const meiRegistration = await withTenant(runtime.database.db, kesennuma, (scope) =>
        scope.trx
          .selectFrom('registrations')
          .select('id')
          .where('lg_code', '=', kesennuma)
          .where('person_id', '=', mei.personId)
          .executeTakeFirstOrThrow(),
      );
      const scannedAt = new Date(Date.now() - minutes(20));
      const meiCard = await signCardToken({
        config,
        lgCode: kesennuma,
        registrationId: meiRegistration.id,
        now: scannedAt,
      });
      const batch = {
        scans: [
          {
            clientScanId: '0190a000-0000-7000-8000-0000000000c1',
            scanned: `http://localhost:3000/verify?token=${meiCard.token}`,
            scannedAt: scannedAt.toISOString(),
          },
          {
            clientScanId: '0190a000-0000-7000-8000-0000000000c2',
            scanned: 'not a card',
            scannedAt: scannedAt.toISOString(),
          },
          {
            clientScanId: '0190a000-0000-7000-8000-0000000000c3',
            scanned: `http://localhost:3000/verify?token=${meiCard.token}`,
            scannedAt: new Date(Date.now() - minutes(60 * 80)).toISOString(),
          },
        ],
      };
      type Outcomes = { outcomes: Array<{ ok: boolean; result?: string; code?: string; attendanceId?: string }> };
      const first = await json<Outcomes>(
        await organiser.client.sendJson(`${api}/sessions/${session.id}/attendance/sync`, batch),
        200,
      );
      assert.deepEqual(
        first.outcomes.map((outcome) => (outcome.ok ? outcome.result : outcome.code)),
        ['recorded', 'checkin_card_invalid', 'checkin_sync_too_late'],
      );
      const resent = await json<Outcomes>(
        await organiser.client.sendJson(`${api}/sessions/${session.id}/attendance/sync`, batch),
        200,
      );
      assert.equal(resent.outcomes[0]?.result, 'already_present');
      assert.equal(resent.outcomes[0]?.attendanceId, first.outcomes[0]?.attendanceId);

      const rows = await withTenant(runtime.database.db, kesennuma, (scope) =>
        scope.trx
          .selectFrom('attendance')
          .select(['person_id', 'method'])
          .where('lg_code', '=', kesennuma)
          .where('session_id', '=', session.id)
          .where('status', '=', 'present')
          .execute(),
      );
      assert.deepEqual(rows.map((row) => row.method).sort(), ['card_qr', 'card_qr', 'session_qr']);
    });

    it('the roster shows who applied and who came; hand corrections are audited', async () => {
      type Roster = {
        days: string[];
        applications: Array<{ id: string; status: string; sharedName: string; presentDays: string[] }>;
        walkIns: Array<{ attendanceId: string; sharedName: string }>;
        attendance: Array<{ id: string; sharedName: string; status: string; method: string }>;
      };
      // yui comes without having applied: she checks in at the venue.
      await json<CheckIn>(
        await people[4]!.client.sendJson('/api/v1/me/check-ins', { code: currentCode(session.id) }),
        201,
      );
      const roster = await json<Roster>(await organiser.client.get(`${api}/sessions/${session.id}/roster`), 200);
      const today = roster.days[0]!;
      const byName = new Map(roster.applications.map((row) => [row.sharedName, row]));
      assert.deepEqual(byName.get('aoi さん')?.presentDays, [today]);
      // ren cancelled but came after all (her card was scanned); yui came without applying.
      assert.equal(byName.get('ren さん')?.status, 'cancelled');
      assert.deepEqual(byName.get('ren さん')?.presentDays, [today]);
      assert.deepEqual(byName.get('mei さん')?.presentDays, [today]);
      assert.deepEqual(
        roster.walkIns.map((row) => row.sharedName),
        ['yui さん'],
      );

      const sora = byName.get('sora さん')!;
      const added = await json<CheckIn>(
        await organiser.client.sendJson(`${api}/sessions/${session.id}/attendance/manual`, {
          applicationId: sora.id,
          activityDate: today,
          reason: 'スマートフォンの電池切れのため、受付で確認',
        }),
        201,
      );
      const noReason = await organiser.client.sendJson(`${api}/attendance/${added.attendanceId}/removal`, {
        reason: '',
      });
      assert.equal(noReason.status, 400);
      const removed = await organiser.client.sendJson(`${api}/attendance/${added.attendanceId}/removal`, {
        reason: '別の方と取り違えたため',
      });
      assert.equal(removed.status, 204);
      const events = await withTenant(runtime.database.db, kesennuma, (scope) =>
        scope.trx
          .selectFrom('audit_events')
          .select(['action', 'data'])
          .where('lg_code', '=', kesennuma)
          .where('subject_id', '=', added.attendanceId)
          .orderBy('occurred_at')
          .orderBy('id')
          .execute(),
      );
      assert.deepEqual(
        events.map((event) => [event.action, (event.data as { change?: string }).change ?? null]),
        [
          ['attendance.recorded', null],
          ['attendance.corrected', 'added'],
          ['attendance.corrected', 'removed'],
        ],
      );
    });

    it('messages reach each participant by their own mail', async () => {
      const mailsBefore = runtime.mail.lastSequence();
      const sent = await json<{ recipients: number }>(
        await organiser.client.sendJson(`${api}/sessions/${session.id}/messages`, {
          subject: '集合場所の変更',
          body: '集合場所を魚町公民館の裏口に変更します。',
        }),
        201,
      );
      // Confirmed: aoi, and mei and sora who moved up (ren cancelled).
      const roster = await json<{ applications: Array<{ sharedName: string; status: string }> }>(
        await organiser.client.get(`${api}/sessions/${session.id}/roster`),
        200,
      );
      assert.deepEqual(
        roster.applications.filter((row) => row.status === 'confirmed').map((row) => row.sharedName),
        ['aoi さん', 'mei さん', 'sora さん'],
      );
      assert.equal(sent.recipients, 3);
      const mail = await runtime.mail.waitForMail(
        people[0]!.email,
        (message) => message.sequence > mailsBefore && message.subject.includes('集合場所の変更'),
      );
      assert.match(mail.text, /魚町自治会/);
    });

    it('history for the person, report for the government and the organisation', async () => {
      const history = await json<{ groups: Array<{ lgCode: string; days: number; designatedDays: number }> }>(
        await people[0]!.client.get('/api/v1/me/activity-history'),
        200,
      );
      assert.deepEqual(
        history.groups.map((group) => [group.lgCode, group.days, group.designatedDays]),
        [[kesennuma, 1, 1]],
      );
      type Report = {
        totals: { personDays: number; designatedPersonDays: number };
        projects: Array<{ projectId: string }>;
      };
      const report = await json<Report>(await clerk.client.get(`${api}/attendance-report`), 200);
      // aoi, ren, mei and yui were present (sora's hand entry was removed again).
      assert.equal(report.totals.personDays, 4);
      assert.equal(report.totals.designatedPersonDays, 4);
      const csv = await clerk.client.get(`${api}/attendance-report?format=csv`);
      assert.equal(csv.status, 200);
      const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(new Uint8Array(await csv.arrayBuffer()));
      assert.ok(text.startsWith('\uFEFF事業,'), text.slice(0, 20));
      assert.match(text, /魚町 朝の清掃活動/);
      assert.doesNotMatch(text, /aoi/);
      const ownReport = await json<Report>(await organiser.client.get(`${api}/attendance-report`), 200);
      assert.deepEqual(
        ownReport.projects.map((entry) => entry.projectId),
        [project.id],
      );
    });
  });

  describe('public listing', () => {
    it('anyone sees published activities with places left and whether they count for premium', async () => {
      const anonymous = runtime.client();
      const list = await json<{ items: Array<{ projectId: string; designated: boolean; governmentName: string }> }>(
        await anonymous.get(`/api/v1/activities?lgCode=${kesennuma}`),
        200,
      );
      assert.ok(list.items.length >= 1);
      assert.ok(list.items.every((item) => item.projectId === project.id && item.designated));
      assert.equal(list.items[0]?.governmentName, '宮城県気仙沼市');
      const detail = await json<{ project: { title: string; organisationName: string } }>(
        await anonymous.get(`/api/v1/activities/${kesennuma}/projects/${project.id}`),
        200,
      );
      assert.equal(detail.project.organisationName, '魚町自治会');
      const bad = await anonymous.get('/api/v1/activities?lgCode=042055');
      assert.equal(bad.status, 400);
    });
  });
});
