import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { testLogger } from '../../../test/support/app.js';
import { deliverQueuedNotifications } from '../../../test/support/notifications.js';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database.js';
import { buildJobDefinitions } from '../../jobs.js';
import { systemActor, type Actor } from '../../platform/audit.js';
import { withTenant } from '../../platform/db/tenant-scope.js';
import { enqueueJob, JobRunner } from '../../platform/jobs/runner.js';
import type { Mailer, MailMessage } from '../../platform/mail/mailer.js';
import { joinTenant, RegistrationSettings } from '../municipalities/index.js';
import { judgeFromCounts, judgementWindows, judgePremiumRequirement, type AttendanceCounts } from './judgement.js';
import { decidePremiumApplication } from './registrations.service.js';
import { renewalRunSpec, renewalTenantSpec } from './renewal.jobs.js';
import { premiumLapsedMail, premiumRenewalReminderMail } from './renewal.notices.js';
import {
  deliverPremiumNotices,
  refreshLongStay,
  renewalStep,
  runRenewalBatch,
  runRenewalForTenant,
} from './renewal.service.js';

const dayMs = 24 * 60 * 60 * 1000;
/** A Japan wall-clock time: jst('2030-06-16T05:00'). */
const jst = (local: string) => new Date(`${local}:00+09:00`);
const settingsOf = (input: Partial<RegistrationSettings> = {}) => RegistrationSettings.parse(input);

describe('the premium judgement (pure)', () => {
  it('counts Japanese calendar days: a rolling year ends today and starts the day after a year ago', () => {
    const rolling = settingsOf();
    const cases: Array<[string, Date, { from: string; to: string }]> = [
      ['a morning', jst('2030-06-16T05:00'), { from: '2029-06-17', to: '2030-06-16' }],
      ['the first minute of the day', jst('2030-06-16T00:00'), { from: '2029-06-17', to: '2030-06-16' }],
      ['the last minute of the day before', jst('2030-06-15T23:59'), { from: '2029-06-16', to: '2030-06-15' }],
      ['a leap day', jst('2032-02-29T12:00'), { from: '2031-03-01', to: '2032-02-29' }],
      ['the day after a leap day, a year on', jst('2033-03-01T12:00'), { from: '2032-03-02', to: '2033-03-01' }],
    ];
    for (const [label, at, expected] of cases) {
      assert.deepEqual(judgementWindows(rolling, at), [expected], label);
    }
  });

  it('in fiscal-year mode counts this fiscal year so far and the last completed one', () => {
    const fiscal = settingsOf({ premiumWindow: 'fiscal_year' });
    const cases: Array<[string, Date, Array<{ from: string; to: string }>]> = [
      [
        'March 31',
        jst('2031-03-31T23:59'),
        [
          { from: '2030-04-01', to: '2031-03-31' },
          { from: '2029-04-01', to: '2030-03-31' },
        ],
      ],
      [
        'April 1',
        jst('2031-04-01T00:00'),
        [
          { from: '2031-04-01', to: '2031-04-01' },
          { from: '2030-04-01', to: '2031-03-31' },
        ],
      ],
    ];
    for (const [label, at, expected] of cases) assert.deepEqual(judgementWindows(fiscal, at), expected, label);
  });

  it('meets the minimum at the count, not before; long stay at the threshold, not before', () => {
    const window = [{ from: '2029-06-17', to: '2030-06-16' }];
    const cases: Array<[Partial<RegistrationSettings>, AttendanceCounts, boolean, boolean, string]> = [
      [{}, { activityDays: 2, daysPresent: 9 }, false, false, '2 of 3 designated activities: 1 more needed.'],
      [
        {},
        { activityDays: 3, daysPresent: 10 },
        true,
        true,
        '3 designated activities (3 needed): the requirement is met.',
      ],
      [
        { premiumMinActivities: 5, longStayDays: 20 },
        { activityDays: 4, daysPresent: 19 },
        false,
        false,
        '4 of 5 designated activities: 1 more needed.',
      ],
      [
        { premiumMinActivities: 1, longStayDays: 1 },
        { activityDays: 0, daysPresent: 1 },
        false,
        true,
        '0 of 1 designated activities: 1 more needed.',
      ],
    ];
    for (const [settings, counts, met, longStay, english] of cases) {
      const judgement = judgeFromCounts(settingsOf(settings), window, [counts]);
      assert.deepEqual([judgement.met, judgement.longStay, judgement.explanation.en], [met, longStay, english]);
    }
    const short = judgeFromCounts(settingsOf(), window, [{ activityDays: 2, daysPresent: 2 }]);
    assert.equal(short.explanation.ja, '指定された担い手活動 2回（必要 3回）: あと1回必要です。');
    assert.equal(short.missing, 1);
  });

  it('in fiscal-year mode is met by either year and names the year it counts', () => {
    const fiscal = settingsOf({ premiumWindow: 'fiscal_year' });
    const windows = judgementWindows(fiscal, jst('2030-05-10T05:00'));
    const byLastYear = judgeFromCounts(fiscal, windows, [
      { activityDays: 1, daysPresent: 1 },
      { activityDays: 3, daysPresent: 12 },
    ]);
    assert.deepEqual([byLastYear.met, byLastYear.count, byLastYear.longStay], [true, 3, true]);
    assert.match(byLastYear.explanation.ja, /^2029年度: 指定された担い手活動 3回/);
    const neither = judgeFromCounts(fiscal, windows, [
      { activityDays: 1, daysPresent: 1 },
      { activityDays: 2, daysPresent: 2 },
    ]);
    assert.deepEqual([neither.met, neither.count, neither.window.from], [false, 1, '2030-04-01']);
    assert.equal(neither.explanation.en, 'FY2030: 1 of 3 designated activities: 2 more needed.');
  });

  it('decides renewal, lapse and the month-before step by the expiry and the mode', () => {
    const now = jst('2030-06-16T05:00');
    const cases: Array<[string, 'automatic' | 'manual', Date, boolean, Date | null, boolean, string | undefined]> = [
      ['automatic, met, expired an hour ago', 'automatic', jst('2030-06-16T04:00'), true, null, false, 'renew'],
      ['automatic, met, expires before the next run', 'automatic', jst('2030-06-17T05:00'), true, null, false, 'renew'],
      [
        'automatic, met, expires after the next run',
        'automatic',
        jst('2030-06-17T05:01'),
        true,
        null,
        false,
        'month_before',
      ],
      ['automatic, not met, expired', 'automatic', jst('2030-06-16T05:00'), false, null, false, 'lapse'],
      [
        'automatic, not met, expires later today',
        'automatic',
        jst('2030-06-16T05:01'),
        false,
        null,
        false,
        'month_before',
      ],
      [
        'automatic, reminded for this expiry',
        'automatic',
        jst('2030-06-20T12:00'),
        false,
        jst('2030-06-20T12:00'),
        false,
        undefined,
      ],
      [
        'automatic, reminded for the previous expiry',
        'automatic',
        jst('2030-06-20T12:00'),
        true,
        jst('2029-06-20T12:00'),
        false,
        'month_before',
      ],
      ['a month ahead to the minute', 'automatic', jst('2030-07-16T05:00'), true, null, false, 'month_before'],
      ['a month and a minute ahead', 'automatic', jst('2030-07-16T05:01'), true, null, false, undefined],
      ['manual, met, expired: staff did not approve', 'manual', jst('2030-06-16T04:00'), true, null, true, 'lapse'],
      ['manual, met, expires later today', 'manual', jst('2030-06-16T20:00'), true, null, true, undefined],
      [
        'manual, in the last month without an application',
        'manual',
        jst('2030-07-01T12:00'),
        true,
        jst('2030-07-01T12:00'),
        false,
        'month_before',
      ],
      ['manual, in the last month with one', 'manual', jst('2030-07-01T12:00'), false, null, true, undefined],
    ];
    for (const [label, mode, validUntil, metNow, remindedFor, renewalApplied, expected] of cases) {
      assert.equal(renewalStep({ validUntil, remindedFor, renewalApplied }, { mode, now, metNow }), expected, label);
    }
  });

  it('tells what is missing and by when, in the person’s language', () => {
    const line = {
      government: '宮城県気仙沼市',
      validUntil: jst('2030-07-10T12:00'),
      count: 2,
      required: 3,
      mode: 'automatic' as const,
    };
    const ja = premiumRenewalReminderMail({ locale: 'ja', lines: [line] });
    assert.match(
      ja.text,
      /・宮城県気仙沼市: 有効期限 2030年7月10日、指定された担い手活動 2回（必要 3回）、あと1回必要です/,
    );
    const en = premiumLapsedMail({ locale: 'en', lines: [{ ...line, mode: 'manual' }] });
    assert.equal(en.title, 'Your premium registration returned to basic');
    assert.match(en.text, /expired 10 July 2030; the renewal was not approved/);
  });
});

describe('premium renewal against the database', () => {
  let database: TestDatabase;
  let codes: string[] = [];
  const db = () => database.db;

  before(async () => {
    database = await openTestDatabase();
    codes = (
      await database.db
        .selectFrom('local_governments')
        .select('lg_code')
        .where('kind', 'in', ['city', 'town', 'village'])
        .orderBy('lg_code')
        .limit(40)
        .execute()
    ).map((row) => row.lg_code);
  });

  after(async () => {
    await database.close();
  });

  /** A government joining with its own rules; each test takes fresh ones, so counts stay its own. */
  async function government(registration: Partial<RegistrationSettings> = {}): Promise<string> {
    const lgCode = codes.shift();
    assert.ok(lgCode, 'out of test governments');
    await joinTenant({ db: db(), actor: systemActor, lgCode, settings: { registration } });
    return lgCode;
  }

  async function person(locale: 'ja' | 'en' = 'ja') {
    const id = uuidv7();
    const email = `renewal-${id}@example.jp`;
    await db().insertInto('persons').values({ id, email, locale }).execute();
    return { id, email };
  }

  async function premium(
    lgCode: string,
    personId: string,
    validUntil: Date,
    extra: { longStay?: boolean; tier?: 'basic' } = {},
  ): Promise<string> {
    const id = uuidv7();
    await withTenant(db(), lgCode, (scope) =>
      scope.trx
        .insertInto('registrations')
        .values({
          lg_code: lgCode,
          id,
          person_id: personId,
          tier: extra.tier ?? 'premium',
          registered_at: new Date(validUntil.getTime() - 400 * dayMs),
          ...(extra.tier === 'basic'
            ? {}
            : {
                premium_since: new Date(validUntil.getTime() - 365 * dayMs),
                premium_valid_until: validUntil,
                long_stay: extra.longStay ?? false,
              }),
        })
        .execute(),
    );
    return id;
  }

  interface Session {
    lgCode: string;
    projectId: string;
    sessionId: string;
    designated: boolean;
  }

  /** An organisation's project and one session (possibly several days long), inserted in the tenant's scope. */
  async function session(lgCode: string, options: { designated: boolean; first: string; last?: string }) {
    const organisationId = uuidv7();
    const projectId = uuidv7();
    const sessionId = uuidv7();
    await withTenant(db(), lgCode, async (scope) => {
      await scope.trx
        .insertInto('organisations')
        .values({ lg_code: lgCode, id: organisationId, name: '魚町自治会', kind: 'jichikai', status: 'approved' })
        .execute();
      await scope.trx
        .insertInto('projects')
        .values({
          lg_code: lgCode,
          id: projectId,
          organisation_id: organisationId,
          title: '海岸清掃',
          category: 'environment',
          status: 'published',
          designation: options.designated ? 'designated' : 'inherit',
        })
        .execute();
      await scope.trx
        .insertInto('activity_sessions')
        .values({
          lg_code: lgCode,
          id: sessionId,
          project_id: projectId,
          starts_at: jst(`${options.first}T09:00`),
          ends_at: jst(`${options.last ?? options.first}T17:00`),
        })
        .execute();
    });
    return { lgCode, projectId, sessionId, designated: options.designated } satisfies Session;
  }

  /** Attendance rows as check-in will write them: one per person, session and day. */
  async function attend(
    at: Session,
    personId: string,
    days: readonly string[],
    options: { designated?: boolean; status?: 'present' | 'removed' } = {},
  ): Promise<void> {
    await withTenant(db(), at.lgCode, (scope) =>
      scope.trx
        .insertInto('attendance')
        .values(
          days.map((day) => ({
            lg_code: at.lgCode,
            id: uuidv7(),
            session_id: at.sessionId,
            project_id: at.projectId,
            person_id: personId,
            activity_date: day,
            method: 'manual' as const,
            designated: options.designated ?? at.designated,
            status: options.status ?? 'present',
            scanned_at: jst(`${day}T10:00`),
            recorded_by: 'test',
            ...(options.status === 'removed' ? { removed_at: jst(`${day}T18:00`), removed_by: 'test' } : {}),
          })),
        )
        .execute(),
    );
  }

  /** Designated days attended, each on its own one-day session. */
  async function designatedDays(lgCode: string, personId: string, days: readonly string[]) {
    for (const day of days) await attend(await session(lgCode, { designated: true, first: day }), personId, [day]);
  }

  const registration = (lgCode: string, id: string) =>
    withTenant(db(), lgCode, (scope) =>
      scope.trx.selectFrom('registrations').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
    );

  const applications = (lgCode: string, registrationId: string) =>
    withTenant(db(), lgCode, (scope) =>
      scope.trx
        .selectFrom('premium_applications')
        .selectAll()
        .where('registration_id', '=', registrationId)
        .orderBy('id')
        .execute(),
    );

  const auditActions = (lgCode: string, subjectId: string) =>
    withTenant(db(), lgCode, async (scope) =>
      (
        await scope.trx
          .selectFrom('audit_events')
          .select('action')
          .where('subject_id', '=', subjectId)
          .orderBy('id')
          .execute()
      ).map((row) => row.action),
    );

  // The notices are notifications: their mails exist once the queued deliveries ran.
  const mailsTo = async (email: string) => {
    await deliverQueuedNotifications(db());
    return (
      await db()
        .selectFrom('jobs')
        .select('payload')
        .where('name', '=', 'platform.send-mail')
        .where(sql<boolean>`payload->>'to' = ${email}`)
        .orderBy('id')
        .execute()
    ).map((row) => row.payload as MailMessage);
  };

  const judge = (lgCode: string, personId: string, settings: RegistrationSettings, now: Date) =>
    judgePremiumRequirement({ db: db(), lgCode, personId, settings, now });

  it('counts designated days present: one per day of a multi-day session, never removed rows or other places', async () => {
    const here = await government();
    const elsewhere = await government();
    const someone = await person();
    const other = await person();
    const now = jst('2030-06-16T05:00');
    const cleanUp = await session(here, { designated: true, first: '2030-05-01' });
    const market = await session(here, { designated: false, first: '2030-05-01', last: '2030-05-02' });
    const festival = await session(here, { designated: true, first: '2030-05-10', last: '2030-05-12' });
    const drill = await session(here, { designated: true, first: '2030-05-20' });
    await attend(cleanUp, someone.id, ['2030-05-01']);
    // Two activities on one day: two rows, one day of stay.
    await attend(market, someone.id, ['2030-05-01', '2030-05-02']);
    await attend(festival, someone.id, ['2030-05-10', '2030-05-11', '2030-05-12']);
    await attend(drill, someone.id, ['2030-05-20'], { status: 'removed' });
    await attend(drill, other.id, ['2030-05-20']);
    await attend(await session(elsewhere, { designated: true, first: '2030-05-03' }), someone.id, ['2030-05-03']);

    const judgement = await judge(here, someone.id, settingsOf(), now);
    assert.deepEqual([judgement.count, judgement.daysPresent, judgement.met], [4, 5, true]);
    assert.equal((await judge(here, other.id, settingsOf(), now)).count, 1);
    assert.equal((await judge(elsewhere, someone.id, settingsOf(), now)).count, 1);
  });

  it('counts what was designated when the person attended, whatever the project says now', async () => {
    const here = await government();
    const someone = await person();
    const clinic = await session(here, { designated: true, first: '2030-05-01', last: '2030-06-30' });
    await attend(clinic, someone.id, ['2030-05-01', '2030-05-08']);
    await withTenant(db(), here, (scope) =>
      scope.trx.updateTable('projects').set({ designation: 'excluded' }).where('id', '=', clinic.projectId).execute(),
    );
    // Check-in after the change snapshots designated = false.
    await attend(clinic, someone.id, ['2030-05-15'], { designated: false });
    const judgement = await judge(here, someone.id, settingsOf(), jst('2030-06-16T05:00'));
    assert.deepEqual([judgement.count, judgement.daysPresent], [2, 3]);
  });

  it('takes the window’s edges as stated: a year ago out, the day after in, today in', async () => {
    const here = await government();
    const someone = await person();
    // 1, 2, 4 and 8 designated rows on four days: each sum names exactly the days counted.
    const rows: Array<[string, number]> = [
      ['2029-06-16', 1],
      ['2029-06-17', 2],
      ['2030-06-16', 4],
      ['2030-06-17', 8],
    ];
    for (const [day, times] of rows) {
      for (let index = 0; index < times; index += 1) await designatedDays(here, someone.id, [day]);
    }
    const cases: Array<[Date, number, string]> = [
      [jst('2030-06-16T05:00'), 2 + 4, '2029-06-17 … 2030-06-16'],
      [jst('2030-06-16T00:00'), 2 + 4, 'the first minute of 06-16'],
      [jst('2030-06-15T23:59'), 1 + 2, '2029-06-16 … 2030-06-15'],
      [jst('2030-06-17T00:00'), 4 + 8, '2029-06-18 … 2030-06-17'],
    ];
    for (const [now, count, label] of cases) {
      assert.equal((await judge(here, someone.id, settingsOf(), now)).count, count, label);
    }
  });

  it('in fiscal-year mode counts either the year so far or the last completed one', async () => {
    const here = await government({ premiumWindow: 'fiscal_year' });
    const fiscal = settingsOf({ premiumWindow: 'fiscal_year' });
    const lastYear = await person();
    await designatedDays(here, lastYear.id, ['2029-03-31', '2029-04-01', '2029-10-01', '2030-03-31', '2030-04-02']);
    const inMay = await judge(here, lastYear.id, fiscal, jst('2030-05-10T05:00'));
    assert.deepEqual(
      [inMay.met, inMay.count, inMay.window.from, inMay.window.to],
      [true, 3, '2029-04-01', '2030-03-31'],
    );
    // A year later the completed year is FY2030 (one day) and FY2029 no longer counts.
    const nextMay = await judge(here, lastYear.id, fiscal, jst('2031-05-10T05:00'));
    assert.deepEqual([nextMay.met, nextMay.count], [false, 0]);
    assert.match(nextMay.explanation.ja, /^2031年度: .*あと3回必要です/);
  });

  it('renews a met requirement from the old expiry, records and tells it once', async () => {
    const here = await government({ premiumMode: 'automatic' });
    const now = jst('2030-06-16T05:00');
    const expired = await person();
    const laterToday = await person('en');
    const tomorrow = await person();
    const expiredId = await premium(here, expired.id, jst('2030-06-16T03:00'));
    const laterTodayId = await premium(here, laterToday.id, jst('2030-06-16T20:00'));
    const tomorrowId = await premium(here, tomorrow.id, jst('2030-06-17T08:00'));
    for (const who of [expired, laterToday, tomorrow]) {
      await designatedDays(here, who.id, ['2029-09-01', '2030-01-15', '2030-05-05']);
    }

    const counts = await runRenewalForTenant({ db: db(), lgCode: here, now });
    assert.deepEqual(
      { scanned: counts.scanned, renewed: counts.renewed, lapsed: counts.lapsed, reminded: counts.reminded },
      { scanned: 3, renewed: 2, lapsed: 0, reminded: 0 },
    );
    const renewed = await registration(here, expiredId);
    assert.equal(renewed.tier, 'premium');
    assert.equal(renewed.premium_valid_until?.getTime(), jst('2031-06-16T03:00').getTime());
    assert.equal(
      (await registration(here, laterTodayId)).premium_valid_until?.getTime(),
      jst('2031-06-16T20:00').getTime(),
      'renewed early, from the old expiry',
    );
    const untouched = await registration(here, tomorrowId);
    assert.equal(untouched.premium_valid_until?.getTime(), jst('2030-06-17T08:00').getTime());
    assert.equal(untouched.premium_reminded_for?.getTime(), jst('2030-06-17T08:00').getTime(), 'month-before done');

    const [application, ...more] = await applications(here, expiredId);
    assert.equal(more.length, 0);
    assert.deepEqual(
      [application?.kind, application?.status, application?.decided_by, application?.renews_until?.getTime()],
      ['renewal', 'approved', 'system', jst('2030-06-16T03:00').getTime()],
    );
    assert.deepEqual(
      [(application?.judgement as { count: number }).count, (application?.judgement as { met: boolean }).met],
      [3, true],
    );
    assert.deepEqual(await auditActions(here, expiredId), ['premium.renewed']);
    assert.deepEqual(await auditActions(here, tomorrowId), [], 'met a month ahead: nothing to tell');

    const snapshot = async () => ({
      registrations: await withTenant(db(), here, (scope) =>
        scope.trx.selectFrom('registrations').selectAll().where('lg_code', '=', here).orderBy('id').execute(),
      ),
      applications: await withTenant(db(), here, (scope) =>
        scope.trx.selectFrom('premium_applications').selectAll().orderBy('id').execute(),
      ),
      audit: await withTenant(db(), here, (scope) =>
        scope.trx.selectFrom('audit_events').select('id').where('lg_code', '=', here).orderBy('id').execute(),
      ),
      jobs: await db().selectFrom('jobs').select(['id', 'payload']).orderBy('id').execute(),
    });
    const before = await snapshot();
    const again = await runRenewalForTenant({ db: db(), lgCode: here, now });
    assert.deepEqual([again.renewed, again.lapsed, again.reminded, again.longStayChanged], [0, 0, 0, 0]);
    assert.deepEqual(await snapshot(), before, 'the same night again changes nothing');

    await deliverPremiumNotices({ db: db(), now });
    const [mail, ...moreMail] = await mailsTo(expired.email);
    assert.equal(moreMail.length, 0);
    assert.equal(mail?.subject, '【ふるさと住民登録】プレミアム登録を更新しました');
    assert.match(mail?.text ?? '', /新しい有効期限 2031年6月16日、指定された担い手活動 3回（必要 3回）/);
    const [english] = await mailsTo(laterToday.email);
    assert.equal(english?.subject, 'Your premium registration was renewed');
    assert.equal((await mailsTo(tomorrow.email)).length, 0);
    assert.deepEqual(await deliverPremiumNotices({ db: db(), now }), { notices: 0, mails: 0 });
  });

  it('returns to basic at the expiry, not before, and counts a last-day activity', async () => {
    const here = await government({ premiumMode: 'automatic' });
    const now = jst('2030-06-16T05:00');
    const short = await person();
    const lastDay = await person();
    const shortId = await premium(here, short.id, jst('2030-06-16T03:00'), { longStay: true });
    const lastDayId = await premium(here, lastDay.id, jst('2030-06-16T20:00'));
    await designatedDays(here, short.id, ['2030-01-15', '2030-05-05']);
    await designatedDays(here, lastDay.id, ['2030-01-15', '2030-05-05']);

    const counts = await runRenewalForTenant({ db: db(), lgCode: here, now });
    assert.deepEqual([counts.renewed, counts.lapsed], [0, 1]);
    const lapsed = await registration(here, shortId);
    assert.deepEqual(
      [lapsed.tier, lapsed.status, lapsed.premium_since, lapsed.premium_valid_until, lapsed.long_stay],
      ['basic', 'active', null, null, false],
    );
    const [rejected] = await applications(here, shortId);
    assert.deepEqual([rejected?.kind, rejected?.status, rejected?.decided_by], ['renewal', 'rejected', 'system']);
    assert.match(rejected?.reason ?? '', /あと1回必要です/);
    assert.deepEqual(await auditActions(here, shortId), ['premium.lapsed']);
    assert.equal((await registration(here, lastDayId)).tier, 'premium', 'not before its expiry');

    // The last day: one more designated activity that afternoon, judged by the next night's run.
    await designatedDays(here, lastDay.id, ['2030-06-16']);
    const next = await runRenewalForTenant({ db: db(), lgCode: here, now: jst('2030-06-17T05:00') });
    assert.deepEqual([next.renewed, next.lapsed], [1, 0]);
    assert.equal(
      (await registration(here, lastDayId)).premium_valid_until?.getTime(),
      jst('2031-06-16T20:00').getTime(),
    );

    await deliverPremiumNotices({ db: db(), now });
    const [mail] = await mailsTo(short.email);
    assert.equal(mail?.subject, '【ふるさと住民登録】プレミアム登録がベーシック登録に戻りました');
    assert.match(mail?.text ?? '', /有効期限 2030年6月16日、指定された担い手活動 2回（必要 3回）、あと1回必要です/);
  });

  it('warns a month ahead, judged as at the expiry, once per expiry', async () => {
    const here = await government({ premiumMode: 'automatic' });
    const now = jst('2030-06-16T05:00');
    const fading = await person();
    const fine = await person();
    const notYet = await person();
    const fadingId = await premium(here, fading.id, jst('2030-07-10T12:00'));
    const fineId = await premium(here, fine.id, jst('2030-07-20T12:00'));
    const notYetId = await premium(here, notYet.id, jst('2030-07-17T12:00'));
    // Met today, but 2029-07-05 leaves the window before the expiry (window then: 2029-07-11 …).
    await designatedDays(here, fading.id, ['2029-07-05', '2030-01-10', '2030-03-10']);
    await designatedDays(here, fine.id, ['2029-08-01', '2030-01-10', '2030-03-10']);

    assert.equal((await judge(here, fading.id, settingsOf(), now)).met, true);
    const first = await runRenewalForTenant({ db: db(), lgCode: here, now });
    assert.equal(first.reminded, 1);
    assert.deepEqual(await auditActions(here, fadingId), ['premium.renewal_reminded']);
    assert.deepEqual(await auditActions(here, fineId), []);
    assert.equal((await registration(here, notYetId)).premium_reminded_for, null, 'a month ahead is tomorrow noon');

    for (const at of [now, jst('2030-06-17T05:00')]) {
      assert.equal((await runRenewalForTenant({ db: db(), lgCode: here, now: at })).reminded, 0);
    }
    assert.equal(
      (await registration(here, notYetId)).premium_reminded_for?.getTime(),
      undefined,
      'still not a month ahead at 06-17 05:00',
    );
    await runRenewalForTenant({ db: db(), lgCode: here, now: jst('2030-06-18T05:00') });
    assert.equal(
      (await registration(here, notYetId)).premium_reminded_for?.getTime(),
      jst('2030-07-17T12:00').getTime(),
    );

    await deliverPremiumNotices({ db: db(), now });
    const [mail, ...more] = await mailsTo(fading.email);
    assert.equal(more.length, 0);
    assert.equal(mail?.subject, '【ふるさと住民登録】プレミアム登録の有効期限が近づいています');
    assert.match(mail?.text ?? '', /有効期限 2030年7月10日、指定された担い手活動 2回（必要 3回）、あと1回必要です/);
    assert.equal((await mailsTo(fine.email)).length, 0);
  });

  it('in manual mode queues the renewal for staff, extends an approval from the old expiry, lapses without one', async () => {
    const here = await government({ premiumMode: 'manual' });
    const now = jst('2030-06-16T05:00');
    const approved = await person();
    const waiting = await person();
    const approvedId = await premium(here, approved.id, jst('2030-07-01T12:00'));
    const waitingId = await premium(here, waiting.id, jst('2030-07-01T12:00'));
    await designatedDays(here, approved.id, ['2029-09-01', '2030-01-15', '2030-05-05']);
    await designatedDays(here, waiting.id, ['2029-09-01', '2030-01-15', '2030-05-05']);

    const first = await runRenewalForTenant({ db: db(), lgCode: here, now });
    assert.deepEqual([first.queued, first.renewed, first.lapsed], [2, 0, 0]);
    assert.equal((await runRenewalForTenant({ db: db(), lgCode: here, now })).queued, 0);
    const [pending, ...more] = await applications(here, approvedId);
    assert.equal(more.length, 0);
    assert.deepEqual(
      [pending?.kind, pending?.status, pending?.renews_until?.getTime()],
      ['renewal', 'pending', jst('2030-07-01T12:00').getTime()],
    );
    assert.equal((pending?.judgement as { count: number }).count, 3);
    assert.deepEqual(await auditActions(here, approvedId), ['premium.renewal_queued']);
    await deliverPremiumNotices({ db: db(), now });
    assert.equal(
      (await mailsTo(approved.email))[0]?.subject,
      '【ふるさと住民登録】プレミアム登録の更新審査を始めました',
    );

    const staff: Actor = {
      kind: 'staff',
      id: uuidv7(),
      secondFactor: true,
      memberships: [{ lgCode: here, membershipId: 'm', role: 'tenant_staff', organisationId: null }],
    };
    await decidePremiumApplication({
      db: db(),
      actor: staff,
      lgCode: here,
      applicationId: pending?.id ?? '',
      input: { decision: 'approve' },
    });
    const extended = await registration(here, approvedId);
    assert.equal(extended.premium_valid_until?.getTime(), jst('2031-07-01T12:00').getTime());
    assert.equal(extended.premium_since?.getTime(), jst('2029-07-01T12:00').getTime(), 'premium since stays');
    // Decisions reach the person through notifications (in the app, and by mail as they choose).
    const notice = await db()
      .selectFrom('notifications')
      .select(['kind', 'title', 'body'])
      .where('person_id', '=', approved.id)
      .where('kind', '=', 'registrations.premium_decision')
      .executeTakeFirstOrThrow();
    assert.equal(notice.title.ja, `${await fullName(here)}のプレミアム登録を更新しました`);
    assert.match(notice.body.ja, /新しい有効期限は2031年7月1日です/);

    // Met, but staff never approved: at the expiry the registration returns to basic.
    const expiry = await runRenewalForTenant({ db: db(), lgCode: here, now: jst('2030-07-02T05:00') });
    assert.deepEqual([expiry.renewed, expiry.lapsed], [0, 1]);
    assert.equal((await registration(here, waitingId)).tier, 'basic');
    assert.equal((await registration(here, approvedId)).tier, 'premium');
    const [withdrawn] = await applications(here, waitingId);
    assert.deepEqual([withdrawn?.status, withdrawn?.reason], ['withdrawn', 'expired']);
    await deliverPremiumNotices({ db: db(), now: jst('2030-07-02T05:00') });
    const lapsedMail = (await mailsTo(waiting.email)).at(-1);
    assert.match(lapsedMail?.text ?? '', /有効期限 2030年7月1日、更新は承認されませんでした/);
  });

  async function fullName(lgCode: string): Promise<string> {
    const row = await db()
      .selectFrom('local_governments as lg')
      .innerJoin('prefectures as p', 'p.prefecture_code', 'lg.prefecture_code')
      .select(['lg.name', 'p.name as prefecture'])
      .where('lg.lg_code', '=', lgCode)
      .executeTakeFirstOrThrow();
    return `${row.prefecture}${row.name}`;
  }

  it('a government that switches to automatic decides the renewal waiting in its queue', async () => {
    const here = await government({ premiumMode: 'manual' });
    const someone = await person();
    const id = await premium(here, someone.id, jst('2030-07-01T12:00'));
    await designatedDays(here, someone.id, ['2029-09-01', '2030-01-15', '2030-05-05']);
    await runRenewalForTenant({ db: db(), lgCode: here, now: jst('2030-06-16T05:00') });
    const [pending] = await applications(here, id);
    await db()
      .updateTable('tenants')
      .set({ settings: JSON.stringify({ registration: { premiumMode: 'automatic' } }) })
      .where('lg_code', '=', here)
      .execute();
    const run = await runRenewalForTenant({ db: db(), lgCode: here, now: jst('2030-07-01T05:00') });
    assert.equal(run.renewed, 1);
    const [decided, ...more] = await applications(here, id);
    assert.equal(more.length, 0);
    assert.deepEqual([decided?.id, decided?.status, decided?.decided_by], [pending?.id, 'approved', 'system']);
  });

  it('keeps the long-stay mark current: set at the threshold, cleared when a day leaves the window', async () => {
    const here = await government({ longStayDays: 10 });
    const someone = await person();
    const id = await premium(here, someone.id, jst('2031-03-01T12:00'));
    await designatedDays(here, someone.id, ['2029-06-20', '2029-08-10', '2029-10-10', '2029-12-10', '2030-02-10']);
    const farm = await session(here, { designated: false, first: '2029-06-01', last: '2030-06-30' });
    // 2030-02-10 again: a second activity that day is no second day of stay.
    await attend(farm, someone.id, ['2030-02-10', '2030-03-10', '2030-04-10', '2030-05-10', '2030-06-10']);
    await runRenewalForTenant({ db: db(), lgCode: here, now: jst('2030-06-16T05:00') });
    assert.equal((await registration(here, id)).long_stay, false, '9 days');

    await attend(farm, someone.id, ['2030-06-15']);
    const set = await runRenewalForTenant({ db: db(), lgCode: here, now: jst('2030-06-16T05:00') });
    assert.equal(set.longStayChanged, 1);
    assert.equal((await registration(here, id)).long_stay, true, '10 days');
    const cleared = await runRenewalForTenant({ db: db(), lgCode: here, now: jst('2030-06-20T05:00') });
    assert.equal(cleared.longStayChanged, 1);
    assert.equal((await registration(here, id)).long_stay, false, '2029-06-20 left the window');
    assert.deepEqual(await auditActions(here, id), [
      'registration.long_stay_changed',
      'registration.long_stay_changed',
    ]);
  });

  it('check-in refreshes the mark in its own transaction; a basic registration carries none', async () => {
    const here = await government({ longStayDays: 3 });
    const premiumPerson = await person();
    const basicPerson = await person();
    const premiumId = await premium(here, premiumPerson.id, jst('2031-03-01T12:00'));
    const basicId = await premium(here, basicPerson.id, jst('2031-03-01T12:00'), { tier: 'basic' });
    const festival = await session(here, { designated: true, first: '2030-06-14', last: '2030-06-16' });
    await attend(festival, premiumPerson.id, ['2030-06-14', '2030-06-15']);
    await attend(festival, basicPerson.id, ['2030-06-14', '2030-06-15']);
    const now = jst('2030-06-16T10:00');

    const marks = await withTenant(db(), here, async (scope) => {
      const before = await refreshLongStay({ scope, personId: premiumPerson.id, now });
      // The third day's check-in and the refresh commit together.
      await scope.trx
        .insertInto('attendance')
        .values({
          lg_code: here,
          id: uuidv7(),
          session_id: festival.sessionId,
          project_id: festival.projectId,
          person_id: premiumPerson.id,
          activity_date: '2030-06-16',
          method: 'session_qr',
          designated: true,
          scanned_at: now,
          recorded_by: 'self',
        })
        .execute();
      const afterCheckIn = await refreshLongStay({ scope, personId: premiumPerson.id, now });
      const basic = await refreshLongStay({ scope, personId: basicPerson.id, now });
      return { before, afterCheckIn, basic };
    });
    assert.deepEqual(marks, { before: false, afterCheckIn: true, basic: undefined });
    assert.equal((await registration(here, premiumId)).long_stay, true);
    assert.equal((await registration(here, basicId)).long_stay, false);
  });

  it('a run interrupted after its first batch finishes on the retry, each change once', async () => {
    const here = await government({ premiumMode: 'automatic' });
    const now = jst('2030-06-16T05:00');
    const due: string[] = [];
    const people: string[] = [];
    for (let index = 0; index < 10; index += 1) {
      const someone = await person();
      people.push(someone.id);
      const id = await premium(here, someone.id, index < 7 ? jst('2030-06-15T12:00') : jst('2031-01-01T12:00'));
      if (index < 7) due.push(id);
      await designatedDays(here, someone.id, ['2029-09-01', '2030-01-15', '2030-05-05']);
    }

    const firstBatch = await runRenewalBatch({ db: db(), lgCode: here, now, batchSize: 3 });
    assert.deepEqual([firstBatch.scanned, firstBatch.done], [3, false]);
    // The "crash": the job starts again from the beginning, as a retry does.
    const retry = await runRenewalForTenant({ db: db(), lgCode: here, now, batchSize: 3 });
    assert.equal(firstBatch.renewed + retry.renewed, 7);
    assert.equal(retry.scanned, 10);
    for (const id of due) {
      assert.equal((await registration(here, id)).premium_valid_until?.getTime(), jst('2031-06-15T12:00').getTime());
      assert.equal((await applications(here, id)).length, 1);
      assert.deepEqual(await auditActions(here, id), ['premium.renewed']);
    }
    const notices = await db()
      .selectFrom('jobs')
      .select('payload')
      .where('name', '=', 'registrations.premium-notice')
      .where(sql<boolean>`payload->>'personId' = any(${people}::text[])`)
      .execute();
    assert.equal(notices.length, 7, 'one notice per person renewed');
    for (const notice of notices) assert.equal((notice.payload as { items: unknown[] }).items.length, 1);
  });

  it('leaves a suspended government alone', async () => {
    const here = await government({ premiumMode: 'automatic' });
    const someone = await person();
    const id = await premium(here, someone.id, jst('2030-06-15T12:00'));
    await db().updateTable('tenants').set({ status: 'suspended' }).where('lg_code', '=', here).execute();
    const run = await runRenewalForTenant({ db: db(), lgCode: here, now: jst('2030-06-16T05:00') });
    assert.deepEqual([run.skipped, run.scanned], [true, 0]);
    assert.equal((await registration(here, id)).tier, 'premium');
  });
});

describe('the nightly premium renewal jobs', () => {
  let database: TestDatabase;
  const sent: MailMessage[] = [];
  const mailer: Mailer = {
    send: async (message) => {
      sent.push(message);
    },
    close: () => {},
  };
  let clock = new Date();
  let runner: JobRunner;
  const kesennuma = '042056';
  const kamiyama = '363421';

  before(async () => {
    database = await openTestDatabase();
    for (const lgCode of [kesennuma, kamiyama]) {
      await joinTenant({
        db: database.db,
        actor: systemActor,
        lgCode,
        settings: { registration: { premiumMode: 'automatic' } },
      });
    }
    runner = new JobRunner({
      database,
      definitions: buildJobDefinitions({ mailer, publicUrl: 'https://furusato.example.jp', clock: () => clock }),
      logger: testLogger,
      now: () => clock,
    });
  });

  after(async () => {
    await database.close();
  });

  const tenantJobs = async () =>
    Number(
      (
        await database.db
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll<string>().as('count'))
          .where('name', '=', renewalTenantSpec.name)
          .executeTakeFirstOrThrow()
      ).count,
    );

  it('runs at 05:00 Japan time, one job per government, one mail per person and kind', async () => {
    await runner.registerSchedules();
    const schedule = await database.db
      .selectFrom('job_schedules')
      .selectAll()
      .where('name', '=', renewalRunSpec.name)
      .executeTakeFirstOrThrow();
    assert.equal(schedule.timezone, 'Asia/Tokyo');
    assert.equal(new Date(schedule.next_run_at.getTime() + 9 * 60 * 60 * 1000).getUTCHours(), 5);

    const runAt = new Date(schedule.next_run_at.getTime() + 60_000);
    const id = uuidv7();
    const email = `jobs-${id}@example.jp`;
    await database.db.insertInto('persons').values({ id, email, locale: 'ja' }).execute();
    for (const lgCode of [kesennuma, kamiyama]) {
      await withTenant(database.db, lgCode, (scope) =>
        scope.trx
          .insertInto('registrations')
          .values({
            lg_code: lgCode,
            id: uuidv7(),
            person_id: id,
            tier: 'premium',
            premium_since: new Date(runAt.getTime() - 366 * dayMs),
            premium_valid_until: new Date(runAt.getTime() - dayMs),
          })
          .execute(),
      );
    }

    clock = runAt;
    await runner.drain();
    assert.equal(await tenantJobs(), 2);
    const mine = sent.filter((message) => message.to === email);
    assert.equal(mine.length, 1, 'one mail for two governments');
    assert.equal(mine[0]?.subject, '【ふるさと住民登録】プレミアム登録がベーシック登録に戻りました');
    assert.match(mine[0]?.text ?? '', /・宮城県気仙沼市: /);
    assert.match(mine[0]?.text ?? '', /・徳島県神山町: /);
    assert.match(mine[0]?.text ?? '', /https:\/\/furusato\.example\.jp\/my\/places/);

    // The same day again, by hand: the per-government keys hold, nothing new happens.
    clock = new Date(runAt.getTime() + 2 * 60 * 60 * 1000);
    await enqueueJob(database.db, renewalRunSpec, {});
    await runner.drain();
    assert.equal(await tenantJobs(), 2);
    assert.equal(sent.filter((message) => message.to === email).length, 1);
    const failed = await database.db
      .selectFrom('jobs')
      .select(['name', 'last_error'])
      .where('status', '=', 'failed')
      .execute();
    assert.deepEqual(failed, []);
  });
});
