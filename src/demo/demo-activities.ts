import type { Kysely } from 'kysely';
import type { Actor } from '../platform/audit.js';
import type { Config } from '../platform/config.js';
import type { Database } from '../platform/db/schema.js';
import {
  addSession,
  applicationNoticeKey,
  applyToSession,
  checkInWithCode,
  createProject,
  listOrganisations,
  registerOrganisation,
  requestProjectDesignation,
  setOrganisationDesignation,
  setProjectDesignation,
  setProjectStatus,
  checkinCodeAt,
} from '../modules/activities/index.js';
import { changeStaffRole, listStaffMembers } from '../modules/staff/index.js';

/**
 * 担い手 activities in the demo (気仙沼市): 魚町自治会, designated as an organisation (pattern ②), whose
 * 団体担当者 is the demo organisation account; its morning clean-ups and the port festival over three days;
 * the city's own shopping-support project, designated by itself (pattern ①); a plan waiting for
 * designation. The demo registrant took part in two clean-ups (2 of 3 for premium) and applied to the
 * next one. A long session running from the first start lets anyone try the check-in desk.
 *
 * Written through the same use cases as the product, with the demo seed acting as the city's staff.
 */
const kesennuma = '042056';
const day = 24 * 60 * 60 * 1000;
const hour = 60 * 60 * 1000;

/** The demo seed, acting as the city's administrator (a second factor is not asked of a script). */
const cityStaff: Actor = {
  kind: 'system',
  id: null,
  secondFactor: true,
  memberships: [{ lgCode: kesennuma, membershipId: 'demo-seed', role: 'tenant_admin', organisationId: null }],
};
const demoOperator: Actor = { kind: 'operator', id: 'demo-seed' };

/** 9:00 Japan time, `days` from the given instant's Japan date. */
function japanAt(from: Date, days: number, hours: number): Date {
  const japan = new Date(from.getTime() + 9 * hour);
  const midnight = Date.UTC(japan.getUTCFullYear(), japan.getUTCMonth(), japan.getUTCDate());
  return new Date(midnight + days * day + hours * hour - 9 * hour);
}

async function personIdOf(db: Kysely<Database>, email: string): Promise<string | undefined> {
  const row = await db.selectFrom('persons').select('id').where('email', '=', email).executeTakeFirst();
  return row?.id;
}

/** Idempotent: once 魚町自治会 exists, nothing is added. */
export async function seedDemoActivities(db: Kysely<Database>, config: Pick<Config, 'APP_SECRET' | 'PUBLIC_URL'>) {
  const existing = await listOrganisations({ db, actor: cityStaff, lgCode: kesennuma });
  if (existing.some((organisation) => organisation.name === '魚町自治会')) return false;
  const now = new Date();

  const uomachi = await registerOrganisation({
    db,
    actor: cityStaff,
    lgCode: kesennuma,
    input: {
      name: '魚町自治会',
      kind: 'jichikai',
      area: '魚町地区',
      description: '魚町地区の清掃、防災訓練、みなとまつりの運営を担っています。',
      contactEmail: 'jichikai@kesennuma.furusato-demo.example',
    },
  });
  await setOrganisationDesignation({
    db,
    actor: cityStaff,
    lgCode: kesennuma,
    organisationId: uomachi.id,
    designated: true,
  });
  const members = await listStaffMembers({ db, actor: demoOperator, lgCode: kesennuma });
  const jichikai = members.find((member) => member.email === 'jichikai@kesennuma.furusato-demo.example');
  if (jichikai) {
    await changeStaffRole({
      db,
      actor: demoOperator,
      lgCode: kesennuma,
      membershipId: jichikai.id,
      input: { role: 'organisation_staff', organisationId: uomachi.id },
    });
  }

  const cleanUp = await createProject({
    db,
    actor: cityStaff,
    lgCode: kesennuma,
    input: {
      organisationId: uomachi.id,
      title: '魚町 朝の海岸清掃',
      category: 'environment',
      description: '月に一度、朝の1時間で魚町の岸壁と海岸のごみを拾います。初めての方も歓迎です。',
      placeName: '魚町公民館前 集合',
      placeAddress: '宮城県気仙沼市魚町',
      whatToBring: '軍手、飲み物、帽子',
      contact: '魚町自治会 jichikai@kesennuma.furusato-demo.example',
      accessibility: '海岸は段差があります。車いすの方は公民館での分別作業をお願いしています。',
    },
  });
  const festival = await createProject({
    db,
    actor: cityStaff,
    lgCode: kesennuma,
    input: {
      organisationId: uomachi.id,
      title: '気仙沼みなとまつり 運営ボランティア',
      category: 'festival',
      description:
        '3日間のまつりの会場設営、案内、片付けを手伝ってください。1日だけの参加もできます（参加した日ごとに数えます）。',
      placeName: '気仙沼港 内湾地区',
      whatToBring: '動きやすい服装',
      contact: '魚町自治会',
    },
  });
  const shopping = await createProject({
    db,
    actor: cityStaff,
    lgCode: kesennuma,
    input: {
      title: '移動販売車の買い物支援（唐桑地区）',
      category: 'shopping_mobility',
      description: '移動販売車に同乗し、高齢の方の買い物のお手伝いと見守りをします。',
      placeName: '唐桑総合支所',
      contact: '気仙沼市 地域づくり推進課',
    },
  });
  const planning = await createProject({
    db,
    actor: cityStaff,
    lgCode: kesennuma,
    input: {
      organisationId: uomachi.id,
      title: '夜の防災パトロール（計画中）',
      category: 'disaster_prevention',
      description: '冬季の夜間見回り。自治体と日程を調整中です。',
    },
  });
  await setProjectDesignation({
    db,
    actor: cityStaff,
    lgCode: kesennuma,
    projectId: shopping.id,
    designation: 'designated',
  });
  const organiserActor: Actor = {
    kind: 'system',
    id: null,
    secondFactor: true,
    memberships: [
      { lgCode: kesennuma, membershipId: 'demo-seed', role: 'organisation_staff', organisationId: uomachi.id },
    ],
  };
  await requestProjectDesignation({ db, actor: organiserActor, lgCode: kesennuma, projectId: planning.id });
  for (const project of [cleanUp, festival, shopping]) {
    await setProjectStatus({ db, actor: cityStaff, lgCode: kesennuma, projectId: project.id, status: 'published' });
  }

  const session = (projectId: string, startsAt: Date, endsAt: Date, capacity?: number) =>
    addSession({
      db,
      actor: cityStaff,
      lgCode: kesennuma,
      projectId,
      input: { startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString(), ...(capacity ? { capacity } : {}) },
    });
  const pastCleanUps = [
    await session(cleanUp.id, japanAt(now, -60, 7), japanAt(now, -60, 8), 30),
    await session(cleanUp.id, japanAt(now, -30, 7), japanAt(now, -30, 8), 30),
  ];
  const nextCleanUp = await session(cleanUp.id, japanAt(now, 7, 7), japanAt(now, 7, 8), 30);
  await session(festival.id, japanAt(now, 21, 9), japanAt(now, 23, 20), 120);
  await session(shopping.id, japanAt(now, 10, 10), japanAt(now, 10, 15), 2);
  // Running from the first start for a month: the check-in desk can be tried whenever the demo is opened.
  await session(shopping.id, new Date(now.getTime() - hour), new Date(now.getTime() + 30 * day));

  const hanako = await personIdOf(db, 'hanako@furusato-demo.example');
  if (hanako) {
    for (const past of pastCleanUps) {
      const before = new Date(past.startsAt.getTime() - 3 * day);
      const { applicationId } = await applyToSession({
        db,
        personId: hanako,
        lgCode: kesennuma,
        sessionId: past.id,
        now: before,
      });
      // The history is back-dated: a confirmation of it would arrive today as news from the past.
      await db
        .deleteFrom('notifications')
        .where('person_id', '=', hanako)
        .where('idempotency_key', '=', applicationNoticeKey(applicationId))
        .execute();
      const seenAt = new Date(past.startsAt.getTime() + 10 * 60 * 1000);
      const code = checkinCodeAt(config, kesennuma, past.id, seenAt);
      await checkInWithCode({ db, config, personId: hanako, code, seenAt, now: seenAt });
    }
    await applyToSession({ db, personId: hanako, lgCode: kesennuma, sessionId: nextCleanUp.id });
  }
  return true;
}
