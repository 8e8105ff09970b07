import { sql, type Kysely } from 'kysely';
import { v5 as uuidv5 } from 'uuid';
import type { AgeBand, Database, RegistrationEndReason } from '../platform/db/schema.js';
import { withTenant } from '../platform/db/tenant-scope.js';
import { japanDate } from '../platform/time.js';

/**
 * A clearly synthetic population of registrants and their 担い手 activities, made from a seed: the same
 * seed and `now` give the same rows. The demo loads one so that its dashboards show figures rather than
 * 「10人未満」 everywhere; the insights tests load others and work out the expected figures from the rows.
 * No person behind these rows has an account: `person_id` points nowhere, and every name says 合成データ.
 */

const namespace = '6d1f7c2e-3b8a-4c55-9a51-2f0e8d4b7c11';

/** Deterministic PRNG (mulberry32), so the population is the same on every start. */
export function seededRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    weighted: <T>(items: ReadonlyArray<readonly [T, number]>): T => {
      const total = items.reduce((sum, [, weight]) => sum + weight, 0);
      let target = next() * total;
      for (const [item, weight] of items) {
        target -= weight;
        if (target < 0) return item;
      }
      return items[items.length - 1]![0];
    },
  };
}

export interface SyntheticRegistration {
  lg_code: string;
  id: string;
  person_id: string;
  tier: 'basic' | 'premium';
  status: 'active' | 'withdrawn' | 'released';
  origin: 'direct' | 'prefecture_link';
  linked_from_lg_code: string | null;
  own_residence: boolean;
  shared_name: string;
  age_band: AgeBand | null;
  residence_prefecture_code: string | null;
  residence_lg_code: string | null;
  identity_verified: boolean;
  relationship_ties: string[];
  long_stay: boolean;
  registered_at: Date;
  premium_since: Date | null;
  premium_valid_until: Date | null;
  ended_at: Date | null;
  end_reason: RegistrationEndReason | null;
}

/** Where people live: [prefecture, municipality or null, weight]. */
export type ResidenceWeights = ReadonlyArray<readonly [string, string | null, number]>;

export const kesennumaResidences: ResidenceWeights = [
  ['13', '131016', 6],
  ['13', '131041', 8],
  ['13', '131121', 9],
  ['13', '131130', 5],
  ['13', null, 4],
  ['04', '041009', 14],
  ['04', '042021', 4],
  ['04', '042129', 2],
  ['04', '042056', 3],
  ['14', '141003', 7],
  ['14', '141305', 4],
  ['11', '111007', 6],
  ['12', '121002', 4],
  ['03', '032018', 3],
  ['03', '032034', 2],
  ['03', '032093', 3],
  ['07', '072010', 2],
  ['27', '271004', 3],
  ['23', '231002', 2],
  ['01', '011002', 2],
];

const ageBands: ReadonlyArray<readonly [AgeBand, number]> = [
  ['under_18', 1],
  ['18_29', 4],
  ['30_39', 6],
  ['40_49', 8],
  ['50_59', 8],
  ['60_69', 6],
  ['70_plus', 3],
];

const ties = [
  ['birthplace_or_lived', 0.45],
  ['family', 0.3],
  ['furusato_nozei', 0.4],
  ['tourism_or_homecoming', 0.35],
  ['work_or_side_job', 0.1],
  ['dual_residence', 0.05],
  ['volunteer', 0.12],
] as const;

const dayMs = 24 * 60 * 60 * 1000;

export interface PopulationOptions {
  seed: number;
  lgCode: string;
  count: number;
  now: Date;
  /** Registrations are made over this many days before `now`. */
  days: number;
  residences: ResidenceWeights;
  premiumShare: number;
  withdrawnShare: number;
  releasedShare: number;
  /** For a municipality: the share of its registrants also registered with its prefecture (the link). */
  prefectureLink?: { lgCode: string; share: number };
  /** Name prefix; says the row is synthetic. */
  label: string;
}

/** Registrations of one government (and, with `prefectureLink`, the prefecture's link registrations). */
export function syntheticRegistrations(options: PopulationOptions): SyntheticRegistration[] {
  const random = seededRandom(options.seed);
  const rows: SyntheticRegistration[] = [];
  const isPrefecture = options.lgCode.slice(2, 5) === '000';
  const prefectureCode = options.lgCode.slice(0, 2);
  const now = options.now.getTime();
  for (let index = 0; index < options.count; index += 1) {
    const personId = uuidv5(`${options.seed}:${options.lgCode}:person:${index}`, namespace);
    // Later months get more registrations: the scheme grows.
    const age = Math.floor(options.days * random.next() ** 1.4);
    const registeredAt = new Date(now - age * dayMs - random.int(0, 86_399) * 1000 - 60_000);
    const [residencePrefecture, residenceMunicipality] = random.weighted(
      options.residences.map(
        ([prefecture, municipality, weight]) => [[prefecture, municipality] as const, weight] as const,
      ),
    );
    const ownResidence = isPrefecture
      ? residencePrefecture === prefectureCode
      : residenceMunicipality === options.lgCode;
    const verified = random.next() < 0.7;
    const premium = !ownResidence && verified && random.next() < options.premiumShare;
    const premiumSince = premium
      ? new Date(Math.min(now - 60_000, registeredAt.getTime() + random.int(20, 120) * dayMs))
      : null;
    const roll = random.next();
    const ended =
      roll < options.withdrawnShare
        ? 'withdrawn'
        : roll < options.withdrawnShare + options.releasedShare
          ? 'released'
          : null;
    const endedAt = ended
      ? new Date(Math.min(now - 30_000, registeredAt.getTime() + random.int(10, 300) * dayMs))
      : null;
    const chosen = ties.filter(([, share]) => random.next() < share).map(([tie]) => tie as string);
    if (chosen.length === 0) chosen.push('tourism_or_homecoming');
    const row: SyntheticRegistration = {
      lg_code: options.lgCode,
      id: uuidv5(`${options.seed}:${options.lgCode}:registration:${index}`, namespace),
      person_id: personId,
      tier: premium && (!endedAt || !premiumSince || premiumSince < endedAt) ? 'premium' : 'basic',
      status: ended ?? 'active',
      origin: 'direct',
      linked_from_lg_code: null,
      own_residence: ownResidence,
      shared_name: `${options.label}${String(index + 1).padStart(5, '0')}`,
      age_band: verified ? random.weighted(ageBands) : null,
      residence_prefecture_code: residencePrefecture,
      residence_lg_code: residenceMunicipality,
      identity_verified: verified,
      relationship_ties: chosen,
      long_stay: premium && random.next() < 0.3,
      registered_at: registeredAt,
      premium_since: null,
      premium_valid_until: null,
      ended_at: endedAt,
      end_reason: ended === 'withdrawn' ? 'withdrawn' : ended === 'released' ? 'inactive' : null,
    };
    if (row.tier === 'premium' && premiumSince) {
      row.premium_since = premiumSince;
      row.premium_valid_until = new Date(premiumSince.getTime() + 365 * dayMs);
    } else {
      row.long_stay = false;
    }
    rows.push(row);
    if (options.prefectureLink && random.next() < options.prefectureLink.share) {
      const linkLgCode = options.prefectureLink.lgCode;
      rows.push({
        ...row,
        lg_code: linkLgCode,
        id: uuidv5(`${options.seed}:${linkLgCode}:link:${index}`, namespace),
        tier: 'basic',
        origin: 'prefecture_link',
        linked_from_lg_code: options.lgCode,
        own_residence: residencePrefecture === linkLgCode.slice(0, 2),
        long_stay: false,
        premium_since: null,
        premium_valid_until: null,
        end_reason: row.end_reason,
      });
    }
  }
  return rows;
}

export interface SyntheticActivities {
  organisations: Array<{ lg_code: string; id: string; name: string; kind: 'jichikai' | 'npo'; designated: boolean }>;
  projects: Array<{
    lg_code: string;
    id: string;
    organisation_id: string | null;
    title: string;
    category: 'festival' | 'environment' | 'disaster_prevention' | 'agriculture';
    designation: 'inherit' | 'designated' | 'excluded';
    /** Whether it counts for premium, by the rule in migration 0010. */
    effectivelyDesignated: boolean;
  }>;
  sessions: Array<{
    lg_code: string;
    id: string;
    project_id: string;
    starts_at: Date;
    ends_at: Date;
    status: 'closed' | 'cancelled';
  }>;
  attendance: Array<{
    lg_code: string;
    id: string;
    session_id: string;
    project_id: string;
    person_id: string;
    registration_id: string | null;
    activity_date: string;
    designated: boolean;
    scanned_at: Date;
  }>;
}

/**
 * Activities of one municipality over the last `days`: two organisations (one designated), four projects
 * (designated one by one, inheriting the designated organisation, excluded from it, and not designated),
 * a session about every `everyDays`, and attendance drawn from the registrants active at the time.
 */
export function syntheticActivities(options: {
  seed: number;
  lgCode: string;
  now: Date;
  days: number;
  everyDays: number;
  registrations: readonly SyntheticRegistration[];
  attendanceShare: number;
  label: string;
}): SyntheticActivities {
  const random = seededRandom(options.seed + 7);
  const id = (name: string) => uuidv5(`${options.seed}:${options.lgCode}:${name}`, namespace);
  const organisations: SyntheticActivities['organisations'] = [
    { lg_code: options.lgCode, id: id('org:1'), name: `${options.label}自治会`, kind: 'jichikai', designated: true },
    { lg_code: options.lgCode, id: id('org:2'), name: `${options.label}NPO`, kind: 'npo', designated: false },
  ];
  const [designatedOrganisation, otherOrganisation] = organisations as [
    SyntheticActivities['organisations'][number],
    SyntheticActivities['organisations'][number],
  ];
  const projects: SyntheticActivities['projects'] = [
    {
      lg_code: options.lgCode,
      id: id('project:1'),
      organisation_id: designatedOrganisation.id,
      title: `${options.label}みなと祭り`,
      category: 'festival',
      designation: 'inherit',
      effectivelyDesignated: true,
    },
    {
      lg_code: options.lgCode,
      id: id('project:2'),
      organisation_id: designatedOrganisation.id,
      title: `${options.label}懇親会`,
      category: 'environment',
      designation: 'excluded',
      effectivelyDesignated: false,
    },
    {
      lg_code: options.lgCode,
      id: id('project:3'),
      organisation_id: otherOrganisation.id,
      title: `${options.label}避難訓練`,
      category: 'disaster_prevention',
      designation: 'designated',
      effectivelyDesignated: true,
    },
    {
      lg_code: options.lgCode,
      id: id('project:4'),
      organisation_id: otherOrganisation.id,
      title: `${options.label}援農`,
      category: 'agriculture',
      designation: 'inherit',
      effectivelyDesignated: false,
    },
  ];
  const sessions: SyntheticActivities['sessions'] = [];
  const attendance: SyntheticActivities['attendance'] = [];
  const now = options.now.getTime();
  const active = options.registrations.filter((row) => row.lg_code === options.lgCode);
  for (let day = options.days, index = 0; day >= 1; day -= options.everyDays, index += 1) {
    const project = projects[index % projects.length]!;
    const startsAt = new Date(now - day * dayMs + 9 * 60 * 60 * 1000);
    const cancelled = random.next() < 0.05;
    const session = {
      lg_code: options.lgCode,
      id: id(`session:${index}`),
      project_id: project.id,
      starts_at: startsAt,
      ends_at: new Date(startsAt.getTime() + 3 * 60 * 60 * 1000),
      status: cancelled ? ('cancelled' as const) : ('closed' as const),
    };
    sessions.push(session);
    if (cancelled || startsAt.getTime() >= now) continue;
    for (const registration of active) {
      const registeredThen =
        registration.registered_at < startsAt && (!registration.ended_at || registration.ended_at > startsAt);
      if (!registeredThen || random.next() >= options.attendanceShare) continue;
      attendance.push({
        lg_code: options.lgCode,
        id: id(`attendance:${index}:${registration.id}`),
        session_id: session.id,
        project_id: project.id,
        person_id: registration.person_id,
        registration_id: registration.id,
        activity_date: japanDate(startsAt),
        designated: project.effectivelyDesignated,
        scanned_at: new Date(startsAt.getTime() + 10 * 60 * 1000),
      });
    }
  }
  return { organisations, projects, sessions, attendance };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += size) out.push(items.slice(index, index + size));
  return out;
}

/**
 * Writes the rows in each government's own scope (row-level security as for any write), in batches, the
 * way they came about: every registration made as an active basic one, then the upgrades to premium,
 * then the ends (withdrawn, released), so the insights trigger sees the same history a real one leaves.
 */
export async function insertSyntheticPopulation(
  db: Kysely<Database>,
  registrations: readonly SyntheticRegistration[],
  activities: readonly SyntheticActivities[] = [],
): Promise<void> {
  const byGovernment = new Map<string, SyntheticRegistration[]>();
  for (const row of registrations) byGovernment.set(row.lg_code, [...(byGovernment.get(row.lg_code) ?? []), row]);
  for (const [lgCode, rows] of byGovernment) {
    await withTenant(db, lgCode, async (scope) => {
      for (const batch of chunks(rows, 500)) {
        await scope.trx
          .insertInto('registrations')
          .values(
            batch.map((row) => ({
              ...row,
              tier: 'basic' as const,
              status: 'active' as const,
              long_stay: false,
              premium_since: null,
              premium_valid_until: null,
              ended_at: null,
              end_reason: null,
              custom_answers: '{}',
            })),
          )
          .execute();
      }
      const premium = rows.filter((row) => row.tier === 'premium');
      if (premium.length > 0) {
        await sql`
          update registrations r
          set tier = 'premium', premium_since = u.since, premium_valid_until = u.until, long_stay = u.long_stay
          from unnest(${premium.map((row) => row.id)}::uuid[], ${premium.map((row) => row.premium_since)}::timestamptz[],
                      ${premium.map((row) => row.premium_valid_until)}::timestamptz[],
                      ${premium.map((row) => row.long_stay)}::boolean[]) as u(id, since, until, long_stay)
          where r.lg_code = ${lgCode} and r.id = u.id`.execute(scope.trx);
      }
      const ended = rows.filter((row) => row.status !== 'active');
      if (ended.length > 0) {
        await sql`
          update registrations r
          set status = u.status, ended_at = u.ended_at, end_reason = u.end_reason
          from unnest(${ended.map((row) => row.id)}::uuid[], ${ended.map((row) => row.status)}::text[],
                      ${ended.map((row) => row.ended_at)}::timestamptz[],
                      ${ended.map((row) => row.end_reason)}::text[]) as u(id, status, ended_at, end_reason)
          where r.lg_code = ${lgCode} and r.id = u.id`.execute(scope.trx);
      }
    });
  }
  for (const activity of activities) {
    const lgCode = activity.organisations[0]?.lg_code;
    if (!lgCode) continue;
    await withTenant(db, lgCode, async (scope) => {
      await scope.trx
        .insertInto('organisations')
        .values(
          activity.organisations.map((organisation) => ({
            ...organisation,
            description: '合成データ（デモ・テスト用）',
            status: 'approved' as const,
            designated_at: organisation.designated ? new Date() : null,
            decided_at: new Date(),
            decided_by: 'system',
          })),
        )
        .execute();
      await scope.trx
        .insertInto('projects')
        .values(
          activity.projects.map(({ effectivelyDesignated: _designated, ...project }) => ({
            ...project,
            description: '合成データ（デモ・テスト用）',
            status: 'published' as const,
            published_at: new Date(),
          })),
        )
        .execute();
      for (const batch of chunks(activity.sessions, 500)) {
        await scope.trx
          .insertInto('activity_sessions')
          .values(
            batch.map((session) => ({
              ...session,
              cancelled_at: session.status === 'cancelled' ? session.starts_at : null,
            })),
          )
          .execute();
      }
      for (const batch of chunks(activity.attendance, 500)) {
        await scope.trx
          .insertInto('attendance')
          .values(batch.map((row) => ({ ...row, method: 'session_qr' as const, recorded_by: 'self' })))
          .execute();
      }
    });
  }
}
