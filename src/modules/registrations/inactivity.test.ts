import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { testLogger } from '../../../test/support/app.js';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database.js';
import { deliverQueuedNotifications } from '../../../test/support/notifications.js';
import { buildJobDefinitions } from '../../jobs.js';
import { systemActor } from '../../platform/audit.js';
import { createSession } from '../../platform/auth/sessions.js';
import { withTenant } from '../../platform/db/tenant-scope.js';
import { AppError } from '../../platform/errors.js';
import { enqueueJob, JobRunner } from '../../platform/jobs/runner.js';
import type { Mailer, MailMessage } from '../../platform/mail/mailer.js';
import { japanDate, japanMonthsBefore } from '../../platform/time.js';
import { joinTenant } from '../municipalities/index.js';
import { inactivityNotifySpec, inactivityRunSpec, inactivityTenantSpec, tenantRunKey } from './inactivity.jobs.js';
import {
  answerStayQuestion,
  deliverInactivityNotices,
  inactivityNoticeMail,
  runInactivityBatch,
  runInactivityForTenant,
  stayLimits,
  stayStep,
} from './inactivity.service.js';
import { listMyRegistrations } from './registrations.service.js';

const dayMs = 24 * 60 * 60 * 1000;
const days = (instant: Date, count: number) => new Date(instant.getTime() + count * dayMs);
const monthsBefore = japanMonthsBefore;

describe('the stay rule (pure)', () => {
  const now = new Date('2030-06-01T21:00:00Z');
  const limits = stayLimits(now, 24);
  const row = (fields: { asked?: Date; answered?: Date; registered?: Date } = {}) => ({
    id: uuidv7(),
    person_id: uuidv7(),
    registered_at: fields.registered ?? new Date('2020-01-01T00:00:00Z'),
    inactivity_asked_at: fields.asked ?? null,
    inactivity_answered_at: fields.answered ?? null,
  });

  it('counts months on the Japanese calendar, keeping the end of a month', () => {
    assert.equal(japanMonthsBefore(new Date('2028-03-30T15:30:00Z'), 1).toISOString(), '2028-02-28T15:30:00.000Z');
    assert.equal(japanMonthsBefore(new Date('2030-06-01T21:00:00Z'), 24).toISOString(), '2028-06-01T21:00:00.000Z');
    assert.equal(japanMonthsBefore(new Date('2030-01-15T00:00:00Z'), 13).toISOString(), '2028-12-15T00:00:00.000Z');
  });

  it('asks after the period, not before; registering or answering restarts it', () => {
    assert.equal(stayStep(row(), days(monthsBefore(now, 24), -1), limits), 'ask');
    assert.equal(stayStep(row(), days(monthsBefore(now, 24), 1), limits), undefined);
    assert.equal(stayStep(row({ registered: days(now, -10) }), days(now, -1000), limits), undefined);
    const answeredLongAgo = row({ asked: days(now, -800), answered: days(now, -790) });
    assert.equal(stayStep(answeredLongAgo, days(now, -1000), limits), 'ask', 'answered 26 months ago: asked again');
  });

  it('releases an open question after 30 days, never one answered or followed by a return', () => {
    const asked = days(now, -30);
    assert.equal(stayStep(row({ asked }), days(now, -900), limits), 'release');
    assert.equal(stayStep(row({ asked: days(now, -29) }), days(now, -900), limits), undefined);
    assert.equal(stayStep(row({ asked, answered: days(now, -20) }), days(now, -900), limits), undefined);
    assert.equal(stayStep(row({ asked }), days(now, -3), limits), 'close');
  });

  it('writes the notice in the person’s language, naming every government once', () => {
    const mail = inactivityNoticeMail({
      locale: 'en',
      asked: ['宮城県気仙沼市', '福島県磐梯町'],
      released: [],
      now,
      publicUrl: 'https://furusato.example.jp/',
    });
    assert.equal(mail.subject, 'Do you want to keep your hometown registration?');
    assert.match(mail.text, /・宮城県気仙沼市\n・福島県磐梯町/);
    assert.match(mail.text, /https:\/\/furusato\.example\.jp\/my\/places/);
    const both = inactivityNoticeMail({ locale: 'ja', asked: ['A'], released: ['B'], now, publicUrl: 'http://x' });
    assert.match(both.subject, /確認と解除/);
  });
});

describe('basic inactivity', () => {
  let database: TestDatabase;
  const kesennuma = '042056'; // national default: 24 months
  const bandai = '074071'; // 12 months
  const yokoze = '113611';
  const chiyoda = '131016';
  const osaka = '271004';
  const fukuoka = '401307';
  const kamiyama = '363421';

  before(async () => {
    database = await openTestDatabase();
    for (const lgCode of [kesennuma, yokoze, chiyoda, osaka, fukuoka, kamiyama]) {
      await joinTenant({ db: database.db, actor: systemActor, lgCode });
    }
    await joinTenant({
      db: database.db,
      actor: systemActor,
      lgCode: bandai,
      settings: { registration: { inactivityMonths: 12 } },
    });
  });

  after(async () => {
    await database.close();
  });

  const db = () => database.db;

  async function person(lastAccess: Date, locale: 'ja' | 'en' = 'ja') {
    const id = uuidv7();
    const email = `p-${id}@example.jp`;
    await db()
      .insertInto('persons')
      .values({ id, email, locale, created_at: new Date('2020-01-01T00:00:00Z'), last_access_at: lastAccess })
      .execute();
    return { id, email };
  }

  async function register(personId: string, lgCode: string, tier: 'basic' | 'premium' = 'basic') {
    const id = uuidv7();
    await withTenant(db(), lgCode, (scope) =>
      scope.trx
        .insertInto('registrations')
        .values({
          lg_code: lgCode,
          id,
          person_id: personId,
          tier,
          registered_at: new Date('2020-01-01T00:00:00Z'),
          ...(tier === 'premium'
            ? { premium_since: new Date('2020-01-01T00:00:00Z'), premium_valid_until: new Date('2099-01-01') }
            : {}),
        })
        .execute(),
    );
    return id;
  }

  const registration = (lgCode: string, id: string) =>
    withTenant(db(), lgCode, (scope) =>
      scope.trx.selectFrom('registrations').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
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

  // Notices reach people through notifications: their delivery queues the mail.
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

  const stayQuestionOpen = async (personId: string, lgCode: string) => {
    const { registrations } = await listMyRegistrations({ db: db(), personId });
    return registrations.find((entry) => entry.lgCode === lgCode && entry.status === 'active')?.stayQuestionOpen;
  };

  it('asks after the period and not before: flag in the app, one mail, an audit event', async () => {
    const now = new Date();
    const gone = await person(days(monthsBefore(now, 24), -1));
    const recent = await person(days(monthsBefore(now, 24), 1));
    const goneRegistration = await register(gone.id, kesennuma);
    const recentRegistration = await register(recent.id, kesennuma);

    const counts = await runInactivityForTenant({ db: db(), lgCode: kesennuma, now });
    assert.deepEqual(
      { scanned: counts.scanned, asked: counts.asked, released: counts.released },
      {
        scanned: 2,
        asked: 1,
        released: 0,
      },
    );
    assert.equal((await registration(kesennuma, goneRegistration)).inactivity_asked_at?.getTime(), now.getTime());
    assert.equal((await registration(kesennuma, recentRegistration)).inactivity_asked_at, null);
    assert.equal(await stayQuestionOpen(gone.id, kesennuma), true);
    assert.equal(await stayQuestionOpen(recent.id, kesennuma), false);
    assert.deepEqual(await auditActions(kesennuma, goneRegistration), ['registration.stay_question_asked']);

    assert.deepEqual(await deliverInactivityNotices({ db: db(), now }), { notices: 1, mails: 1 });
    const [mail, ...more] = await mailsTo(gone.email);
    assert.equal(more.length, 0);
    assert.equal(mail?.subject, '【ふるさと住民登録】登録を続けるかどうかの確認');
    assert.match(mail?.text ?? '', /・宮城県気仙沼市/);
    assert.match(mail?.text ?? '', /http:\/\/localhost:3000\/my\/places/);
    assert.equal((await mailsTo(recent.email)).length, 0);
  });

  it('follows each government’s own period (12 months in one, 24 in another)', async () => {
    const now = new Date(Date.now() + 60_000);
    const someone = await person(monthsBefore(now, 13));
    const atBandai = await register(someone.id, bandai);
    const atKesennuma = await register(someone.id, kesennuma);
    await runInactivityForTenant({ db: db(), lgCode: bandai, now });
    await runInactivityForTenant({ db: db(), lgCode: kesennuma, now });
    assert.notEqual((await registration(bandai, atBandai)).inactivity_asked_at, null);
    assert.equal((await registration(kesennuma, atKesennuma)).inactivity_asked_at, null);
  });

  it('releases after 30 days without an answer, never someone who answered or came back', async () => {
    const now = new Date(Date.now() + 120_000);
    const silent = await person(monthsBefore(now, 25));
    const answering = await person(monthsBefore(now, 25));
    const returning = await person(monthsBefore(now, 25));
    const silentRegistration = await register(silent.id, chiyoda);
    const answeringRegistration = await register(answering.id, chiyoda);
    const returningRegistration = await register(returning.id, chiyoda);
    // A premium application waiting in the staff queue ends with the registration, as on withdrawal.
    const applicationId = uuidv7();
    await withTenant(db(), chiyoda, (scope) =>
      scope.trx
        .insertInto('premium_applications')
        .values({ lg_code: chiyoda, id: applicationId, registration_id: silentRegistration, person_id: silent.id })
        .execute(),
    );

    assert.equal((await runInactivityForTenant({ db: db(), lgCode: chiyoda, now })).asked, 3);
    await answerStayQuestion({ db: db(), personId: answering.id, lgCode: chiyoda, now: days(now, 2) });
    assert.equal(await stayQuestionOpen(answering.id, chiyoda), false);
    await db()
      .updateTable('persons')
      .set({ last_access_at: days(now, 3) })
      .where('id', '=', returning.id)
      .execute();

    const day29 = await runInactivityForTenant({ db: db(), lgCode: chiyoda, now: days(now, 29) });
    assert.deepEqual({ released: day29.released, closed: day29.closed }, { released: 0, closed: 1 });
    assert.equal((await registration(chiyoda, returningRegistration)).inactivity_asked_at, null, 'coming back closes');

    const day30 = await runInactivityForTenant({ db: db(), lgCode: chiyoda, now: days(now, 30) });
    assert.equal(day30.released, 1);
    const released = await registration(chiyoda, silentRegistration);
    assert.equal(released.status, 'released');
    assert.equal(released.end_reason, 'inactive');
    assert.equal(released.ended_at?.getTime(), days(now, 30).getTime());
    assert.deepEqual(await auditActions(chiyoda, silentRegistration), [
      'registration.stay_question_asked',
      'registration.released',
    ]);
    const application = await withTenant(db(), chiyoda, (scope) =>
      scope.trx.selectFrom('premium_applications').selectAll().where('id', '=', applicationId).executeTakeFirst(),
    );
    assert.equal(application?.status, 'withdrawn');

    assert.equal((await registration(chiyoda, answeringRegistration)).status, 'active');
    assert.deepEqual(await auditActions(chiyoda, answeringRegistration), [
      'registration.stay_question_asked',
      'registration.stay_confirmed',
    ]);
    assert.equal((await registration(chiyoda, returningRegistration)).status, 'active');
    assert.deepEqual(await auditActions(chiyoda, returningRegistration), [
      'registration.stay_question_asked',
      'registration.stay_question_closed',
    ]);

    await deliverInactivityNotices({ db: db(), now });
    await deliverInactivityNotices({ db: db(), now: days(now, 30) });
    const mails = await mailsTo(silent.email);
    assert.deepEqual(
      mails.map((mail) => mail.subject),
      ['【ふるさと住民登録】登録を続けるかどうかの確認', '【ふるさと住民登録】登録を解除しました'],
    );
    assert.match(mails[1]?.text ?? '', /・東京都千代田区/);
    assert.equal((await mailsTo(answering.email)).length, 1, 'asked once, never released');
  });

  it('a person signing in counts as coming back', async () => {
    const now = new Date(Date.now() - 60 * 60 * 1000);
    const someone = await person(monthsBefore(now, 30));
    const id = await register(someone.id, kamiyama);
    await runInactivityForTenant({ db: db(), lgCode: kamiyama, now });
    assert.equal(await stayQuestionOpen(someone.id, kamiyama), true);

    await createSession(db(), { personId: someone.id, method: 'email', days: 30 });
    const later = await runInactivityForTenant({ db: db(), lgCode: kamiyama, now: days(now, 31) });
    assert.deepEqual({ released: later.released, closed: later.closed }, { released: 0, closed: 1 });
    assert.equal((await registration(kamiyama, id)).status, 'active');
    assert.equal(await stayQuestionOpen(someone.id, kamiyama), false);
  });

  it('leaves premium registrations alone, and closes a question left from their basic days', async () => {
    const now = new Date(Date.now() + 180_000);
    const premium = await person(monthsBefore(now, 40));
    const id = await register(premium.id, yokoze, 'premium');
    const upgraded = await person(monthsBefore(now, 40));
    const upgradedId = await register(upgraded.id, yokoze, 'premium');
    await withTenant(db(), yokoze, (scope) =>
      scope.trx
        .updateTable('registrations')
        .set({ inactivity_asked_at: days(now, -5) })
        .where('id', '=', upgradedId)
        .execute(),
    );

    const first = await runInactivityForTenant({ db: db(), lgCode: yokoze, now });
    assert.deepEqual(
      { scanned: first.scanned, asked: first.asked, closed: first.closed },
      {
        scanned: 0,
        asked: 0,
        closed: 1,
      },
    );
    await runInactivityForTenant({ db: db(), lgCode: yokoze, now: days(now, 31) });
    const row = await registration(yokoze, id);
    assert.deepEqual([row.status, row.inactivity_asked_at], ['active', null]);
    assert.equal((await registration(yokoze, upgradedId)).status, 'active');
  });

  it('running the same day again changes nothing', async () => {
    const now = new Date(Date.now() + 240_000);
    const ids: string[] = [];
    for (const monthsAgo of [30, 26, 3])
      ids.push(await register((await person(monthsBefore(now, monthsAgo))).id, osaka));
    // One asked 40 days ago, due for release in this run.
    const old = await register((await person(monthsBefore(now, 30))).id, osaka);
    await withTenant(db(), osaka, (scope) =>
      scope.trx
        .updateTable('registrations')
        .set({ inactivity_asked_at: days(now, -40) })
        .where('id', '=', old)
        .execute(),
    );

    const snapshot = async () => ({
      registrations: await withTenant(db(), osaka, (scope) =>
        scope.trx.selectFrom('registrations').selectAll().where('lg_code', '=', osaka).orderBy('id').execute(),
      ),
      audit: await withTenant(db(), osaka, (scope) =>
        scope.trx.selectFrom('audit_events').select('id').where('lg_code', '=', osaka).orderBy('id').execute(),
      ),
      jobs: await db().selectFrom('jobs').select(['id', 'payload']).orderBy('id').execute(),
    });

    const first = await runInactivityForTenant({ db: db(), lgCode: osaka, now });
    assert.deepEqual({ asked: first.asked, released: first.released }, { asked: 2, released: 1 });
    const before = await snapshot();
    const second = await runInactivityForTenant({ db: db(), lgCode: osaka, now });
    assert.deepEqual(
      { asked: second.asked, released: second.released, closed: second.closed },
      {
        asked: 0,
        released: 0,
        closed: 0,
      },
    );
    assert.deepEqual(await snapshot(), before);
  });

  it('a run interrupted after its first batch finishes the rest on the retry, each change once', async () => {
    const now = new Date(Date.now() + 300_000);
    const inactive: string[] = [];
    const people: string[] = [];
    for (let index = 0; index < 10; index += 1) {
      const someone = await person(monthsBefore(now, index < 7 ? 25 : 2));
      people.push(someone.id);
      const id = await register(someone.id, fukuoka);
      if (index < 7) inactive.push(id);
    }

    const firstBatch = await runInactivityBatch({ db: db(), lgCode: fukuoka, now, batchSize: 3 });
    assert.equal(firstBatch.scanned, 3);
    assert.equal(firstBatch.done, false);
    // The "crash": the job starts again from the beginning, as a retry does.
    const retry = await runInactivityForTenant({ db: db(), lgCode: fukuoka, now, batchSize: 3 });
    assert.equal(firstBatch.asked + retry.asked, 7);
    assert.equal(retry.scanned, 10);

    for (const id of inactive) {
      assert.equal((await registration(fukuoka, id)).inactivity_asked_at?.getTime(), now.getTime());
      assert.deepEqual(await auditActions(fukuoka, id), ['registration.stay_question_asked']);
    }
    const notices = await db()
      .selectFrom('jobs')
      .select('payload')
      .where('name', '=', 'registrations.inactivity-notice')
      .where(sql<boolean>`payload->>'personId' = any(${people}::text[])`)
      .execute();
    assert.equal(notices.length, 7, 'one notice per person asked');
    for (const notice of notices) {
      assert.deepEqual((notice.payload as { items: unknown[] }).items, [{ lgCode: fukuoka, kind: 'asked' }]);
    }
  });

  it('a government that runs after the notices went out sends a notice of its own', async () => {
    const now = new Date(Date.now() + 360_000);
    const someone = await person(monthsBefore(now, 30));
    await register(someone.id, osaka);
    await register(someone.id, fukuoka);
    await runInactivityForTenant({ db: db(), lgCode: osaka, now });
    assert.deepEqual(await deliverInactivityNotices({ db: db(), now }), { notices: 1, mails: 1 });
    await runInactivityForTenant({ db: db(), lgCode: fukuoka, now });
    const late = await db()
      .selectFrom('jobs')
      .select(['payload', 'status', 'run_at'])
      .where('name', '=', 'registrations.inactivity-notice')
      .where(sql<boolean>`payload->>'personId' = ${someone.id}`)
      .where('status', '=', 'pending')
      .execute();
    assert.equal(late.length, 1);
    assert.deepEqual((late[0]?.payload as { items: unknown[] }).items, [{ lgCode: fukuoka, kind: 'asked' }]);
    assert.ok((late[0]?.run_at.getTime() ?? Infinity) <= Date.now(), 'due at once, not parked');
  });

  it('answering without a registration is not found; without an open question it does nothing', async () => {
    const someone = await person(new Date());
    await assert.rejects(
      answerStayQuestion({ db: db(), personId: someone.id, lgCode: kesennuma }),
      (error: unknown) => error instanceof AppError && error.code === 'registration_not_found',
    );
    await assert.rejects(
      answerStayQuestion({ db: db(), personId: 'not-a-uuid', lgCode: kesennuma }),
      (error: unknown) => error instanceof AppError && error.code === 'registration_not_found',
    );
    const id = await register(someone.id, kesennuma);
    await answerStayQuestion({ db: db(), personId: someone.id, lgCode: kesennuma });
    assert.equal((await registration(kesennuma, id)).inactivity_answered_at, null);
    assert.deepEqual(await auditActions(kesennuma, id), []);
  });
});

describe('the nightly inactivity jobs', () => {
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
  const bandai = '074071';
  const kamiyama = '363421';

  before(async () => {
    database = await openTestDatabase();
    await joinTenant({ db: database.db, actor: systemActor, lgCode: kesennuma });
    await joinTenant({
      db: database.db,
      actor: systemActor,
      lgCode: bandai,
      settings: { registration: { inactivityMonths: 12 } },
    });
    await joinTenant({ db: database.db, actor: systemActor, lgCode: kamiyama });
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

  async function personWithRegistrations(lastAccess: Date, locale: 'ja' | 'en', lgCodes: string[]) {
    const id = uuidv7();
    const email = `j-${id}@example.jp`;
    await database.db.insertInto('persons').values({ id, email, locale, last_access_at: lastAccess }).execute();
    for (const lgCode of lgCodes) {
      await withTenant(database.db, lgCode, (scope) =>
        scope.trx
          .insertInto('registrations')
          .values({ lg_code: lgCode, id: uuidv7(), person_id: id, registered_at: new Date('2020-01-01T00:00:00Z') })
          .execute(),
      );
    }
    return email;
  }

  const tenantJobs = async () =>
    Number(
      (
        await database.db
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll<string>().as('count'))
          .where('name', '=', inactivityTenantSpec.name)
          .executeTakeFirstOrThrow()
      ).count,
    );

  it('the notices wait while a government of the run has not finished', async () => {
    const now = new Date(Date.now() + 3 * dayMs);
    const [notify] = buildJobDefinitions({ mailer }).filter((job) => job.name === inactivityNotifySpec.name);
    assert.ok(notify);
    await enqueueJob(
      database.db,
      inactivityTenantSpec,
      { lgCode: kamiyama, now: now.toISOString() },
      { idempotencyKey: tenantRunKey(kamiyama, now), runAt: new Date(Date.now() + dayMs) },
    );
    await notify.handle({
      db: database.db,
      payload: { now: now.toISOString(), round: 0 },
      lgCode: null,
      jobId: uuidv7(),
      attempt: 1,
      logger: testLogger,
    });
    const successor = await database.db
      .selectFrom('jobs')
      .select(['payload', 'run_at'])
      .where('name', '=', inactivityNotifySpec.name)
      .where(sql<boolean>`payload->>'now' = ${now.toISOString()}`)
      .executeTakeFirst();
    assert.deepEqual(successor?.payload, { now: now.toISOString(), round: 1 });
    assert.ok((successor?.run_at.getTime() ?? 0) > Date.now() + 30_000, 'looks again in a minute');
    await database.db.deleteFrom('jobs').where('idempotency_key', '=', tenantRunKey(kamiyama, now)).execute();
  });

  it('runs at 06:00 Japan time, one job per government, and mails each person once per run', async () => {
    await runner.registerSchedules();
    const schedule = await database.db
      .selectFrom('job_schedules')
      .selectAll()
      .where('name', '=', inactivityRunSpec.name)
      .executeTakeFirstOrThrow();
    assert.equal(schedule.timezone, 'Asia/Tokyo');
    assert.equal(new Date(schedule.next_run_at.getTime() + 9 * 60 * 60 * 1000).getUTCHours(), 6);

    const runAt = new Date(schedule.next_run_at.getTime() + 60_000);
    const inBoth = await personWithRegistrations(monthsBefore(runAt, 25), 'en', [kesennuma, bandai]);
    const inOne = await personWithRegistrations(monthsBefore(runAt, 25), 'ja', [kesennuma]);
    const active = await personWithRegistrations(monthsBefore(runAt, 1), 'ja', [kesennuma, bandai, kamiyama]);

    clock = runAt;
    await runner.drain();
    assert.equal(await tenantJobs(), 3);
    const byRecipient = (email: string) => sent.filter((message) => message.to === email);
    const [english, ...moreEnglish] = byRecipient(inBoth);
    assert.equal(moreEnglish.length, 0, 'one mail for two governments');
    assert.equal(english?.subject, 'Do you want to keep your hometown registration?');
    assert.match(english?.text ?? '', /宮城県気仙沼市/);
    assert.match(english?.text ?? '', /福島県磐梯町/);
    assert.match(english?.text ?? '', /https:\/\/furusato\.example\.jp\/my\/places/);
    assert.equal(byRecipient(inOne).length, 1);
    assert.equal(byRecipient(active).length, 0);

    // The same day again, by hand: the per-government keys hold, nothing new happens.
    const mailsBefore = sent.length;
    clock = new Date(runAt.getTime() + 2 * 60 * 60 * 1000);
    await enqueueJob(database.db, inactivityRunSpec, {});
    await runner.drain();
    assert.equal(await tenantJobs(), 3);
    assert.equal(sent.length, mailsBefore);

    // Thirty days later the missed daily runs are made up by one run, which releases.
    clock = new Date(runAt.getTime() + 30 * dayMs);
    await runner.drain();
    assert.equal(await tenantJobs(), 6);
    const released = byRecipient(inBoth).slice(1);
    assert.equal(released.length, 1, 'one mail for both releases');
    assert.equal(released[0]?.subject, 'Your hometown registration was released');
    assert.equal(byRecipient(inOne).length, 2);
    const failed = await database.db
      .selectFrom('jobs')
      .select(['name', 'last_error'])
      .where('status', '=', 'failed')
      .execute();
    assert.deepEqual(failed, []);
    assert.equal(japanDate(clock) > japanDate(runAt), true);
  });
});
