import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import {
  insertSyntheticPopulation,
  kesennumaResidences,
  syntheticActivities,
  syntheticRegistrations,
  type SyntheticActivities,
  type SyntheticRegistration,
} from '../../demo/synthetic-population.js';
import type { Actor } from '../../platform/audit.js';
import { withTenant } from '../../platform/db/tenant-scope.js';
import { japanDate } from '../../platform/time.js';
import { startTestRuntime, type TestRuntime } from '../../../test/support/runtime.js';
import { cliOperator, joinTenants, signedInStaff, type StaffSession } from '../../../test/support/staff.js';
import { cellsOf, type Cell, type Figures } from './figures.js';
import {
  getGovernmentInsights,
  getNationalInsights,
  getOpenDataInsights,
  rebuildInsights,
  refreshInsights,
  type InsightsReport,
} from './insights.service.js';
import { addMonths, japanMonth, monthRange } from './periods.js';

const kesennuma = '042056';
const miyagi = '040002';
const yokoze = '113611';

/** Mid-November 2026 in Japan: "last 12 months" is 2025-12 to 2026-11, FY2026 is 2026-04 to 2026-11. */
const now = new Date('2026-11-20T03:00:00Z');

function staffActor(
  lgCode: string,
  role: 'tenant_admin' | 'tenant_staff' | 'organisation_staff' = 'tenant_staff',
): Actor {
  return {
    kind: 'staff',
    id: uuidv7(),
    secondFactor: true,
    memberships: [{ lgCode, membershipId: uuidv7(), role, organisationId: null }],
  };
}
const operator: Actor = { kind: 'operator', id: uuidv7(), secondFactor: true };

const month = (date: Date) => japanMonth(date);

/**
 * The expected figures, worked out from the generated rows in plain TypeScript (no SQL), by the
 * definitions on the dashboard: what the rollups must agree with.
 */
class Expected {
  constructor(
    private readonly rows: readonly SyntheticRegistration[],
    private readonly activities: readonly SyntheticActivities[] = [],
  ) {}

  private related(filter: (row: SyntheticRegistration) => boolean) {
    return this.rows.filter((row) => filter(row) && !row.own_residence);
  }

  active(filter: (row: SyntheticRegistration) => boolean) {
    return this.related((row) => filter(row) && row.status === 'active');
  }

  current(filter: (row: SyntheticRegistration) => boolean) {
    const active = this.active(filter);
    const count = (predicate: (row: SyntheticRegistration) => boolean) => active.filter(predicate).length;
    return {
      total: active.length,
      basic: count((row) => row.tier === 'basic'),
      premium: count((row) => row.tier === 'premium'),
      longStay: count((row) => row.long_stay),
      own: this.rows.filter((row) => filter(row) && row.status === 'active' && row.own_residence).length,
      residence: (prefecture: string) => count((row) => row.residence_prefecture_code === prefecture),
      age: (band: string) => count((row) => (row.age_band ?? 'unknown') === band),
      tie: (tie: string) => count((row) => row.relationship_ties.includes(tie)),
      direct: count((row) => row.origin === 'direct'),
      link: count((row) => row.origin === 'prefecture_link'),
    };
  }

  /** Registrants at the end of a month, and the events of that month. */
  month(filter: (row: SyntheticRegistration) => boolean, at: string) {
    const related = this.related(filter);
    const heldAtEnd = related.filter(
      (row) => month(row.registered_at) <= at && (!row.ended_at || month(row.ended_at) > at),
    );
    const premiumAtEnd = heldAtEnd.filter((row) => row.premium_since && month(row.premium_since) <= at);
    return {
      total: heldAtEnd.length,
      premium: premiumAtEnd.length,
      basic: heldAtEnd.length - premiumAtEnd.length,
      new: related.filter((row) => month(row.registered_at) === at).length,
      upgraded: related.filter((row) => row.premium_since && month(row.premium_since) === at).length,
      withdrawn: related.filter((row) => row.status === 'withdrawn' && row.ended_at && month(row.ended_at) === at)
        .length,
      released: related.filter((row) => row.status === 'released' && row.ended_at && month(row.ended_at) === at).length,
    };
  }

  /** Activity of one government in a set of months (Japan), by the definitions of the dashboard. */
  activity(lgCode: string, months: readonly string[]) {
    const byId = new Map(this.rows.map((row) => [row.id, row]));
    const activity = this.activities.find((item) => item.organisations[0]?.lg_code === lgCode);
    const attendance = (activity?.attendance ?? []).filter((row) => months.includes(row.activity_date.slice(0, 7)));
    const cancelled = new Set((activity?.sessions ?? []).filter((s) => s.status === 'cancelled').map((s) => s.id));
    const designatedProjects = new Set(
      (activity?.projects ?? []).filter((p) => p.effectivelyDesignated).map((p) => p.id),
    );
    return {
      attendance: attendance.length,
      designated: attendance.filter((row) => row.designated).length,
      active: new Set(
        attendance
          .filter((row) => row.registration_id && !byId.get(row.registration_id)?.own_residence)
          .map((row) => row.person_id),
      ).size,
      sessions: (activity?.sessions ?? []).filter(
        (session) =>
          !cancelled.has(session.id) &&
          designatedProjects.has(session.project_id) &&
          session.starts_at < now &&
          months.includes(japanDate(session.starts_at).slice(0, 7)),
      ).length,
    };
  }

  /** Premium progress: designated days in the rolling 12 months of active related registrants. */
  progress(lgCode: string, required: number) {
    const activity = this.activities.find((item) => item.organisations[0]?.lg_code === lgCode);
    const start = new Date(now);
    start.setUTCFullYear(start.getUTCFullYear() - 1);
    const days = new Map<string, number>();
    for (const row of activity?.attendance ?? []) {
      if (!row.designated || row.activity_date < japanDate(start) || row.activity_date > japanDate(now)) continue;
      days.set(row.person_id, (days.get(row.person_id) ?? 0) + 1);
    }
    const active = this.active((row) => row.lg_code === lgCode);
    const some = active.filter(
      (row) => (days.get(row.person_id) ?? 0) > 0 && (days.get(row.person_id) ?? 0) < required,
    ).length;
    const met = active.filter((row) => (days.get(row.person_id) ?? 0) >= required).length;
    return { none: active.length - some - met, some, met };
  }
}

/** A shown cell must be the expected number; a hidden one must be hidden for a reason that holds. */
function assertCell(cell: Cell, expected: number, label: string): void {
  if (cell.value === null) {
    if (cell.suppressed === 'under_threshold') {
      assert.ok(expected > 0 && expected < 10, `${label}: hidden as under 10 but is ${expected}`);
    } else {
      assert.equal(cell.suppressed, 'complementary', label);
    }
    return;
  }
  assert.equal(cell.value, expected, label);
}

function assertNothingSmallShown(report: InsightsReport | Figures, label: string): void {
  const figures = 'figures' in report ? report.figures : report;
  for (const [path, cell] of cellsOf(figures)) {
    if (cell.value !== null) assert.ok(cell.value === 0 || cell.value >= 10, `${label} ${path} shows ${cell.value}`);
  }
}

describe('insights: counts against a generated population with known answers', () => {
  let runtime: TestRuntime;
  let rows: SyntheticRegistration[];
  let activities: SyntheticActivities[];
  let expected: Expected;
  const db = () => runtime.database.db;
  const last12 = monthRange(addMonths(japanMonth(now), -11), japanMonth(now));

  before(async () => {
    runtime = await startTestRuntime();
    await joinTenants(runtime, [kesennuma, miyagi, yokoze]);
    // The first run rebuilds from nothing; everything after it arrives through the trigger and the fold.
    assert.equal((await refreshInsights({ db: db(), now })).rebuilt, true);
    const town = syntheticRegistrations({
      seed: 11,
      lgCode: kesennuma,
      count: 900,
      now,
      days: 640,
      residences: kesennumaResidences,
      premiumShare: 0.15,
      withdrawnShare: 0.06,
      releasedShare: 0.04,
      prefectureLink: { lgCode: miyagi, share: 0.8 },
      label: '（テスト）',
    });
    const prefecture = syntheticRegistrations({
      seed: 12,
      lgCode: miyagi,
      count: 260,
      now,
      days: 640,
      residences: kesennumaResidences,
      premiumShare: 0.1,
      withdrawnShare: 0.05,
      releasedShare: 0.02,
      label: '（テスト）',
    });
    const other = syntheticRegistrations({
      seed: 13,
      lgCode: yokoze,
      count: 140,
      now,
      days: 400,
      residences: [
        ['13', '131121', 5],
        ['11', '111007', 5],
        ['11', yokoze, 1],
      ],
      premiumShare: 0.05,
      withdrawnShare: 0.05,
      releasedShare: 0,
      label: '（テスト）',
    });
    rows = [...town, ...prefecture, ...other];
    activities = [
      syntheticActivities({
        seed: 11,
        lgCode: kesennuma,
        now,
        days: 420,
        everyDays: 5,
        registrations: town,
        attendanceShare: 0.04,
        label: '（テスト）',
      }),
    ];
    await insertSyntheticPopulation(db(), rows, activities);
    const refreshed = await refreshInsights({ db: db(), now });
    assert.equal(refreshed.rebuilt, false);
    assert.ok(refreshed.deltas > rows.length, `folded ${refreshed.deltas} deltas`);
    assert.equal(refreshed.activityGovernments, 1);
    expected = new Expected(rows, activities);
  });

  after(async () => {
    await runtime.close();
  });

  const inTown = (row: SyntheticRegistration) => row.lg_code === kesennuma;

  it('counts the registrants of a town by tier, long stay, residence, age and ties, 住所地 apart', async () => {
    const { own, municipalities } = await getGovernmentInsights({
      db: db(),
      actor: staffActor(kesennuma),
      lgCode: kesennuma,
      now,
    });
    assert.equal(municipalities, null);
    const want = expected.current(inTown);
    const got = own.figures.registrants;
    assert.ok(want.total > 500 && want.own > 10, 'the population is large enough to show most figures');
    assert.equal(got.total.value, want.total);
    assertCell(got.basic, want.basic, 'basic');
    assertCell(got.premium, want.premium, 'premium');
    assertCell(got.longStay, want.longStay, 'long stay');
    assert.equal(got.ownResidence.value, want.own, '住所地 shown apart');
    for (const prefecture of own.figures.residence.prefectures) {
      assertCell(prefecture.count, want.residence(prefecture.code), `residence ${prefecture.code}`);
    }
    assert.equal(own.figures.residence.prefectures.find((p) => p.code === '13')?.count.value, want.residence('13'));
    for (const band of own.figures.ageBands) assertCell(band.count, want.age(band.band), `age ${band.band}`);
    for (const tie of own.figures.ties) assertCell(tie.count, want.tie(tie.tie), `tie ${tie.tie}`);
    assert.equal(own.figures.origin, null, 'a municipality has only direct registrations');
    assertNothingSmallShown(own, 'town');
  });

  it('never counts 住所地 registrations as related population, anywhere', async () => {
    const { own } = await getGovernmentInsights({ db: db(), actor: staffActor(kesennuma), lgCode: kesennuma, now });
    const ownResidents = rows.filter((row) => inTown(row) && row.own_residence && row.status === 'active').length;
    const everyone = rows.filter((row) => inTown(row) && row.status === 'active').length;
    assert.equal(own.figures.registrants.total.value, everyone - ownResidents);
    // They all live in 気仙沼市 (宮城県), so 宮城県 as a residence counts only the others living there.
    const inMiyagi = rows.filter(
      (row) => inTown(row) && row.status === 'active' && !row.own_residence && row.residence_prefecture_code === '04',
    ).length;
    assert.equal(own.figures.residence.prefectures.find((p) => p.code === '04')?.count.value, inMiyagi);
    const municipality = own.figures.residence.prefectures
      .find((p) => p.code === '04')
      ?.municipalities?.find((m) => m.lgCode === kesennuma);
    assert.equal(municipality, undefined, 'the town itself never appears as where its related population lives');
  });

  it('lists municipalities of residence for large groups, with the rest as one row that adds up', async () => {
    const { own } = await getGovernmentInsights({ db: db(), actor: staffActor(kesennuma), lgCode: kesennuma, now });
    const tokyo = own.figures.residence.prefectures.find((p) => p.code === '13');
    assert.ok(tokyo?.municipalities && tokyo.municipalities.length >= 3, 'Tokyo has 100 or more and is broken down');
    for (const municipality of tokyo.municipalities) {
      const count = rows.filter(
        (row) =>
          inTown(row) && row.status === 'active' && !row.own_residence && row.residence_lg_code === municipality.lgCode,
      ).length;
      assertCell(municipality.count, count, municipality.lgCode);
    }
    const shown = tokyo.municipalities.reduce((sum, m) => sum + (m.count.value ?? 0), 0);
    if (tokyo.otherMunicipalities?.value !== null && tokyo.municipalities.every((m) => m.count.value !== null)) {
      assert.equal(shown + (tokyo.otherMunicipalities?.value ?? 0), tokyo.count.value);
    }
    const fukushima = own.figures.residence.prefectures.find((p) => p.code === '07');
    assert.equal(fukushima?.municipalities, null, 'small groups are not broken down');
  });

  it('gives month-end registrants by tier and the new, upgraded, withdrawn and released of each month', async () => {
    const { own } = await getGovernmentInsights({ db: db(), actor: staffActor(kesennuma), lgCode: kesennuma, now });
    assert.deepEqual(
      own.figures.months.map((m) => m.month),
      last12,
    );
    for (const got of own.figures.months) {
      const want = expected.month(inTown, got.month);
      assertCell(got.total, want.total, `${got.month} total`);
      assertCell(got.basic, want.basic, `${got.month} basic`);
      assertCell(got.premium, want.premium, `${got.month} premium`);
      assertCell(got.new, want.new, `${got.month} new`);
      assertCell(got.upgraded, want.upgraded, `${got.month} upgraded`);
      assertCell(got.withdrawn, want.withdrawn, `${got.month} withdrawn`);
      assertCell(got.released, want.released, `${got.month} released`);
    }
    const sum = (key: 'new' | 'upgraded' | 'withdrawn' | 'released') =>
      last12.reduce((total, m) => total + expected.month(inTown, m)[key], 0);
    assertCell(own.figures.flows.new, sum('new'), 'new in the period');
    assertCell(own.figures.flows.upgraded, sum('upgraded'), 'upgraded in the period');
    assertCell(own.figures.flows.withdrawn, sum('withdrawn'), 'withdrawn in the period');
    assertCell(own.figures.flows.released, sum('released'), 'released in the period');
    assert.ok((own.figures.flows.new.value ?? 0) > 100);
  });

  it('filters by fiscal year', async () => {
    const { own } = await getGovernmentInsights({
      db: db(),
      actor: staffActor(kesennuma),
      lgCode: kesennuma,
      period: 'FY2025',
      now,
    });
    const months = monthRange('2025-04', '2026-03');
    assert.deepEqual(
      own.figures.months.map((m) => m.month),
      months,
    );
    assertCell(
      own.figures.flows.new,
      months.reduce((total, m) => total + expected.month(inTown, m).new, 0),
      'FY new',
    );
    assertCell(own.figures.months.at(-1)!.total, expected.month(inTown, '2026-03').total, 'end of FY2025');
    assert.deepEqual(
      own.periods.map((p) => p.key),
      ['last12', 'FY2026', 'FY2025', 'FY2024'],
    );
    await assert.rejects(
      getGovernmentInsights({ db: db(), actor: staffActor(kesennuma), lgCode: kesennuma, period: 'FY2027', now }),
      { code: 'insights_period_invalid' },
    );
  });

  it('counts activities: designated sessions held, attendance, registrants who took part, premium progress', async () => {
    const { own } = await getGovernmentInsights({ db: db(), actor: staffActor(kesennuma), lgCode: kesennuma, now });
    for (const got of own.figures.months) {
      const want = expected.activity(kesennuma, [got.month]);
      assert.equal(got.designatedSessions, want.sessions, `${got.month} sessions`);
      assertCell(got.attendance, want.attendance, `${got.month} attendance`);
      assertCell(got.designatedAttendance, want.designated, `${got.month} designated`);
      assertCell(got.activeRegistrants, want.active, `${got.month} active`);
    }
    const period = expected.activity(kesennuma, last12);
    assert.ok(period.active >= 10 && period.attendance > 100, 'enough activity to be shown');
    assert.equal(own.figures.activity.designatedSessions, period.sessions);
    assertCell(own.figures.activity.attendance, period.attendance, 'attendance');
    assertCell(own.figures.activity.designatedAttendance, period.designated, 'designated attendance');
    assert.equal(own.figures.activity.activeRegistrants.value, period.active, 'distinct over the period');
    const progress = expected.progress(kesennuma, 3);
    assert.equal(own.figures.activity.premiumProgress.required, 3);
    assertCell(own.figures.activity.premiumProgress.none, progress.none, 'none');
    assertCell(own.figures.activity.premiumProgress.some, progress.some, 'some');
    assertCell(own.figures.activity.premiumProgress.met, progress.met, 'met');
  });

  it("shows a prefecture its own registrants (with the link split) and its municipalities' only together", async () => {
    const { own, municipalities } = await getGovernmentInsights({
      db: db(),
      actor: staffActor(miyagi),
      lgCode: miyagi,
      now,
    });
    const inPrefecture = (row: SyntheticRegistration) => row.lg_code === miyagi;
    const want = expected.current(inPrefecture);
    assert.equal(own.figures.registrants.total.value, want.total);
    assertCell(own.figures.origin!.direct, want.direct, 'direct');
    assertCell(own.figures.origin!.prefectureLink, want.link, 'link');
    assert.ok(municipalities);
    assert.equal(municipalities.scope.kind, 'municipalities');
    assert.equal(municipalities.participatingMunicipalities, 1);
    assert.equal(municipalities.figures.registrants.total.value, expected.current(inTown).total);
    assertNothingSmallShown(own, 'prefecture');
    assertNothingSmallShown(municipalities, 'municipalities');
  });

  it('adds up the nation, counting link registrations once, by prefecture of the government', async () => {
    const report = await getNationalInsights({ db: db(), actor: operator, now });
    const direct = (row: SyntheticRegistration) => row.origin === 'direct';
    const want = expected.current(direct);
    assert.equal(report.figures.registrants.total.value, want.total);
    assertCell(report.figures.registrants.premium, want.premium, 'premium');
    assert.equal(report.figures.registrants.ownResidence.value, want.own);
    const miyagiArea = report.figures.areas?.find((area) => area.prefectureCode === '04');
    assert.equal(miyagiArea?.total.value, expected.current((row) => direct(row) && row.lg_code.startsWith('04')).total);
    const saitama = report.figures.areas?.find((area) => area.prefectureCode === '11');
    assert.equal(saitama?.total.value, expected.current((row) => row.lg_code === yokoze).total);
    assert.equal(report.figures.areas?.find((area) => area.prefectureCode === '47')?.total.value, 0);
    for (const got of report.figures.months) {
      assertCell(got.total, expected.month(direct, got.month).total, `national ${got.month}`);
    }
    assertNothingSmallShown(report, 'national');
    assert.ok(report.updatedAt.registrations instanceof Date);
  });

  it('is the same after a rebuild from the registrations as after folding the deltas', async () => {
    const before = await getNationalInsights({ db: db(), actor: operator, now });
    const town = await getGovernmentInsights({ db: db(), actor: staffActor(miyagi), lgCode: miyagi, now });
    const result = await rebuildInsights({ db: db(), now });
    assert.equal(result.rebuilt, true);
    const after = await getNationalInsights({ db: db(), actor: operator, now });
    const townAfter = await getGovernmentInsights({ db: db(), actor: staffActor(miyagi), lgCode: miyagi, now });
    assert.deepEqual(after.figures, before.figures);
    assert.deepEqual(townAfter.own.figures, town.own.figures);
    assert.deepEqual(townAfter.municipalities?.figures, town.municipalities?.figures);
  });

  it('follows changes incrementally: withdrawals, upgrades and a move into the town', async () => {
    const active = rows.filter((row) => inTown(row) && row.status === 'active' && !row.own_residence);
    const withdrawing = active.filter((row) => row.tier === 'basic').slice(0, 25);
    const upgrading = active.filter((row) => row.tier === 'basic').slice(25, 40);
    const moving = active.filter((row) => row.tier === 'basic')[40]!;
    const at = new Date('2026-11-10T01:00:00Z');
    // Counted inside the transaction: the scheduled refresh job of the test runtime may fold them any time after.
    const written = await withTenant(db(), kesennuma, async (scope) => {
      const pending = async () =>
        Number(
          (await sql<{ count: string }>`select count(*) as count from insights_deltas`.execute(scope.trx)).rows[0]
            ?.count,
        );
      const before = await pending();
      await scope.trx
        .updateTable('registrations')
        .set({ status: 'withdrawn', ended_at: at, end_reason: 'withdrawn' })
        .where(
          'id',
          'in',
          withdrawing.map((row) => row.id),
        )
        .execute();
      await scope.trx
        .updateTable('registrations')
        .set({ tier: 'premium', premium_since: at, premium_valid_until: new Date('2027-11-10T01:00:00Z') })
        .where(
          'id',
          'in',
          upgrading.map((row) => row.id),
        )
        .execute();
      await scope.trx
        .updateTable('registrations')
        .set({ own_residence: true, residence_prefecture_code: '04', residence_lg_code: kesennuma })
        .where('id', '=', moving.id)
        .execute();
      return (await pending()) - before;
    });
    for (const row of withdrawing) Object.assign(row, { status: 'withdrawn', ended_at: at, end_reason: 'withdrawn' });
    for (const row of upgrading) Object.assign(row, { tier: 'premium', premium_since: at });
    const beforeMove = { ...moving };
    Object.assign(moving, { own_residence: true, residence_prefecture_code: '04', residence_lg_code: kesennuma });

    // Each withdrawal: one state out, one event; each upgrade: state out and in, one event; the move: out, in, two events.
    assert.equal(written, 25 * 2 + 15 * 3 + 4);
    const refreshed = await refreshInsights({ db: db(), now });
    assert.equal(refreshed.rebuilt, false);

    const { own } = await getGovernmentInsights({ db: db(), actor: staffActor(kesennuma), lgCode: kesennuma, now });
    const want = expected.current(inTown);
    assert.equal(own.figures.registrants.total.value, want.total);
    assertCell(own.figures.registrants.premium, want.premium, 'premium after upgrades');
    assert.equal(own.figures.registrants.ownResidence.value, want.own);
    const november = own.figures.months.at(-1)!;
    assert.equal(november.month, '2026-11');
    assertCell(november.withdrawn, expected.month(inTown, '2026-11').withdrawn, 'withdrawn in November');
    assertCell(november.upgraded, expected.month(inTown, '2026-11').upgraded, 'upgraded in November');
    assert.ok(beforeMove.own_residence === false);
  });

  it('brings 10,000 changes up to date in one refresh', async () => {
    const town = rows.filter((row) => inTown(row) && row.status === 'active');
    // 10,000 updates of long stay, round and round: each is two deltas (state out, state in), counted in
    // each transaction (the test runtime's scheduled refresh may fold some of them meanwhile).
    const rounds = Math.ceil(10_000 / town.length);
    let written = 0;
    for (let round = 0; round < rounds; round += 1) {
      written += await withTenant(db(), kesennuma, async (scope) => {
        const result = await sql`update registrations set long_stay = not long_stay
          where lg_code = ${kesennuma} and status = 'active'`.execute(scope.trx);
        const deltas = await sql<{ count: string }>`select count(*) as count from insights_deltas`.execute(scope.trx);
        assert.ok(Number(deltas.rows[0]?.count) >= Number(result.numAffectedRows) * 2);
        return Number(result.numAffectedRows);
      });
    }
    assert.equal(written, rounds * town.length);
    if (rounds % 2 === 1) for (const row of town) row.long_stay = !row.long_stay;
    await refreshInsights({ db: db(), now });
    const pending = await sql<{ count: string }>`select count(*) as count from insights_deltas`.execute(db());
    assert.equal(Number(pending.rows[0]?.count), 0, 'every delta folded');
    const { own } = await getGovernmentInsights({ db: db(), actor: staffActor(kesennuma), lgCode: kesennuma, now });
    assertCell(own.figures.registrants.longStay, expected.current(inTown).longStay, 'long stay after the flips');
  });

  it('hides a small number that a total and its parts would give away (differencing)', async () => {
    // A town with 25 registrants, 3 of them premium: premium under 10, so basic (22) must not be shown
    // next to the total of 25.
    const small = '074071';
    await joinTenants(runtime, [small]);
    const population = syntheticRegistrations({
      seed: 99,
      lgCode: small,
      count: 25,
      now,
      days: 200,
      residences: [['13', '131121', 1]],
      premiumShare: 0,
      withdrawnShare: 0,
      releasedShare: 0,
      label: '（テスト）',
    });
    population.slice(0, 3).forEach((row) => {
      Object.assign(row, {
        tier: 'premium',
        premium_since: new Date('2026-10-01T00:00:00Z'),
        premium_valid_until: new Date('2027-10-01T00:00:00Z'),
      });
    });
    await insertSyntheticPopulation(db(), population);
    await refreshInsights({ db: db(), now });
    const { own } = await getGovernmentInsights({ db: db(), actor: staffActor(small), lgCode: small, now });
    assert.equal(own.figures.registrants.total.value, 25);
    assert.deepEqual(own.figures.registrants.premium, { value: null, suppressed: 'under_threshold' });
    assert.deepEqual(own.figures.registrants.basic, { value: null, suppressed: 'complementary' });
    // Everyone lives in 世田谷区 (Tokyo): the prefecture shows 25, and no other prefecture shows anything.
    assert.equal(own.figures.residence.prefectures.find((p) => p.code === '13')?.count.value, 25);
    // October: 3 upgraded; month-end premium 3 hidden, so the month's basic is hidden too.
    const october = own.figures.months.find((m) => m.month === '2026-10')!;
    assert.equal(october.premium.value, null);
    assert.equal(october.basic.value, null);
    assertNothingSmallShown(own, 'small town');
  });

  it('shows the figures only to the government’s administrators and staff (404 for everyone else)', async () => {
    for (const actor of [
      staffActor(kesennuma, 'organisation_staff'),
      staffActor(miyagi),
      operator,
      { ...staffActor(kesennuma), secondFactor: false },
      { kind: 'person', id: uuidv7() } as Actor,
    ]) {
      await assert.rejects(getGovernmentInsights({ db: db(), actor, lgCode: kesennuma, now }), { code: 'not_found' });
    }
    for (const actor of [staffActor(kesennuma, 'tenant_admin'), { ...operator, secondFactor: false }]) {
      await assert.rejects(getNationalInsights({ db: db(), actor, now }), { code: 'not_found' });
    }
    await assert.rejects(getGovernmentInsights({ db: db(), actor: staffActor('363421'), lgCode: '363421', now }), {
      code: 'not_found',
    });
  });

  it('publishes open data only when the government switched it on, with the same numbers', async () => {
    await assert.rejects(getOpenDataInsights({ db: db(), lgCode: kesennuma, now }), { code: 'insights_open_data_off' });
    const admin: StaffSession = await signedInStaff(runtime, {
      lgCode: kesennuma,
      email: 'admin@kesennuma.example.jp',
      role: 'tenant_admin',
    });
    const staff: StaffSession = await signedInStaff(runtime, {
      lgCode: kesennuma,
      email: 'staff@kesennuma.example.jp',
      role: 'tenant_staff',
    });
    const refused = await staff.client.sendJson(
      `/api/v1/tenants/${kesennuma}/insights/open-data`,
      { enabled: true },
      'PUT',
    );
    assert.equal(refused.status, 403);
    const on = await admin.client.sendJson(`/api/v1/tenants/${kesennuma}/insights/open-data`, { enabled: true }, 'PUT');
    assert.equal(on.status, 200, await on.clone().text());
    assert.deepEqual(await on.json(), { openData: true });

    const anonymous = runtime.client();
    const open = await anonymous.get(`/api/v1/open-data/insights/${kesennuma}`);
    assert.equal(open.status, 200);
    assert.equal(open.headers.get('access-control-allow-origin'), '*');
    const published = (await open.json()) as { figures: Figures };
    const staffView = (await (await staff.client.get(`/api/v1/tenants/${kesennuma}/insights`)).json()) as {
      own: { figures: Figures };
    };
    assert.deepEqual(published.figures, staffView.own.figures);
    const list = (await (await anonymous.get('/api/v1/open-data/insights')).json()) as {
      items: Array<{ lgCode: string }>;
    };
    assert.deepEqual(
      list.items.map((item) => item.lgCode),
      [kesennuma],
    );
    const csv = await anonymous.get(`/api/v1/open-data/insights/${kesennuma}/csv`);
    assert.equal(csv.status, 200);
    assert.match(await csv.text(), /042056,宮城県気仙沼市,登録者（関係人口）,合計,total,,\d+/);
    assert.equal((await anonymous.get(`/api/v1/open-data/insights/${miyagi}`)).status, 404);

    const off = await admin.client.sendJson(
      `/api/v1/tenants/${kesennuma}/insights/open-data`,
      { enabled: false },
      'PUT',
    );
    assert.equal(off.status, 200);
    const closed = await anonymous.get(`/api/v1/open-data/insights/${kesennuma}`);
    assert.equal(closed.status, 404);
    assert.equal(((await closed.json()) as { code: string }).code, 'insights_open_data_off');
    const trail = await withTenant(db(), kesennuma, (scope) =>
      scope.trx
        .selectFrom('audit_events')
        .select('action')
        .where('action', 'like', 'insights.%')
        .orderBy('id')
        .execute(),
    );
    assert.deepEqual(
      trail.map((row) => row.action),
      ['insights.open_data_published', 'insights.open_data_withdrawn'],
    );
  });

  it('answers the API with the same numbers as the service, CSV with suppression labels, and 400 for a bad period', async () => {
    const staff = await signedInStaff(runtime, {
      lgCode: yokoze,
      email: 'staff@yokoze.example.jp',
      role: 'tenant_staff',
    });
    const response = await staff.client.get(`/api/v1/tenants/${yokoze}/insights?period=FY2026`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { own: { figures: Figures; scope: { name: { ja: string } } } };
    assert.equal(body.own.scope.name.ja, '埼玉県横瀬町');
    const service = await getGovernmentInsights({
      db: db(),
      actor: staffActor(yokoze),
      lgCode: yokoze,
      period: 'FY2026',
    });
    assert.deepEqual(body.own.figures, service.own.figures);
    const bytes = Buffer.from(
      await (await staff.client.get(`/api/v1/tenants/${yokoze}/insights/csv?period=FY2026`)).arrayBuffer(),
    );
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a BOM, for Excel');
    const csv = bytes.subarray(3).toString('utf8');
    assert.ok(csv.startsWith('対象コード,対象,区分,項目,コード,月・期間,人数・件数\r\n'));
    assert.match(csv, /10人未満/);
    assert.doesNotMatch(csv, /,[1-9]\r\n/, 'no count from 1 to 9 in the CSV');
    const english = await staff.client.get(`/api/v1/tenants/${yokoze}/insights/csv`, { 'Accept-Language': 'en' });
    assert.match(await english.text(), /Fewer than 10/);
    const bad = await staff.client.get(`/api/v1/tenants/${yokoze}/insights?period=FY1990`);
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { code: string }).code, 'insights_period_invalid');
    const malformed = await staff.client.get(`/api/v1/tenants/${yokoze}/insights?period=2026`);
    assert.equal(malformed.status, 400);
  });

  it('uses the operator command actor nowhere: the national API needs an operator session', async () => {
    const anonymous = runtime.client();
    assert.equal((await anonymous.get('/api/v1/insights/national')).status, 401);
    const staff = await signedInStaff(runtime, {
      lgCode: miyagi,
      email: 'staff@miyagi.example.jp',
      role: 'tenant_admin',
    });
    assert.equal((await staff.client.get('/api/v1/insights/national')).status, 404);
    assert.equal(cliOperator.kind, 'operator');
  });
});
