import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.js';
import type { Logger } from '../platform/logger.js';
import { systemActor } from '../platform/audit.js';
import { findOrCreatePerson } from '../modules/identity/index.js';
import { getTenant, joinTenant, type TenantSettings } from '../modules/municipalities/index.js';
import { registerWithGovernment, type RegistrationInput } from '../modules/registrations/index.js';
import { acceptInvitation, enrolDemoTotp, grantOperator, inviteStaff } from '../modules/staff/index.js';
import type { Config } from '../platform/config.js';
import type { StaffRole } from '../platform/db/schema.js';
import { AppError } from '../platform/errors.js';
import { seedDemoActivities } from './demo-activities.js';
import { seedOutreachRoomsDemo } from './demo-outreach-b.js';
import { enqueueDemoInsights } from './demo-insights.js';
import { seedOutreachDemo } from './demo-outreach.js';

/**
 * Governments that have joined in the demo, modelled on the schemes in DOMAIN §6. Each capability adds
 * its own demo data here, so that `npm start` shows it working.
 */
export const demoTenants: Array<{ lgCode: string; name: string; settings: TenantSettings }> = [
  {
    lgCode: '042056',
    name: '宮城県気仙沼市',
    settings: {
      contactEmail: 'furusato@kesennuma.example.jp',
      welcomeMessage: { ja: '気仙沼のふるさと住民になりませんか。', en: 'Become a hometown resident of Kesennuma.' },
    },
  },
  { lgCode: '040002', name: '宮城県', settings: { contactEmail: 'furusato@pref.miyagi.example.jp' } },
  { lgCode: '074071', name: '福島県磐梯町', settings: { contactEmail: 'aichaku@bandai.example.jp' } },
  { lgCode: '070009', name: '福島県', settings: { contactEmail: 'furusato@pref.fukushima.example.jp' } },
  { lgCode: '113611', name: '埼玉県横瀬町', settings: { contactEmail: 'furusato@yokoze.example.jp' } },
  { lgCode: '363421', name: '徳島県神山町', settings: { contactEmail: 'furusato@kamiyama.example.jp' } },
];

async function isTenant(db: Kysely<Database>, lgCode: string): Promise<boolean> {
  try {
    await getTenant({ db, lgCode });
    return true;
  } catch (error) {
    if (error instanceof AppError && error.code === 'tenant_not_found') return false;
    throw error;
  }
}

/**
 * The demo's TOTP secret, published on purpose (README, /dev/demo) so that anyone trying the demo can
 * sign in as staff. Real staff always enrol with a random secret.
 */
export const demoTotpSecret = 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU';

export interface DemoAccount {
  email: string;
  displayName: string;
  description: { ja: string; en: string };
  staff?: { lgCode: string; role: StaffRole };
  operator?: boolean;
  /** Governments the demo person is registered with, and how they answered the survey. */
  registrations?: Array<{ lgCode: string; input: RegistrationInput }>;
}

/** Demo accounts, all signing in by e-mail (read the mail at /dev/mailbox); staff add the demo TOTP code. */
export const demoAccounts: DemoAccount[] = [
  {
    email: 'hanako@furusato-demo.example',
    displayName: 'ふるさと 花子',
    description: { ja: '登録者（ふるさと住民）', en: 'Registrant (hometown resident)' },
    registrations: [
      {
        lgCode: '042056',
        input: {
          ties: ['birthplace_or_lived', 'furusato_nozei', 'tourism_or_homecoming'],
          showNameOnCard: true,
          declaredResidenceLgCode: '131016',
        },
      },
      { lgCode: '363421', input: { ties: ['work_or_side_job', 'dual_residence'] } },
    ],
  },
  {
    email: 'admin@kesennuma.furusato-demo.example',
    displayName: '気仙沼市 管理者',
    description: { ja: '気仙沼市の自治体管理者', en: 'Administrator of Kesennuma City' },
    staff: { lgCode: '042056', role: 'tenant_admin' },
  },
  {
    email: 'staff@kesennuma.furusato-demo.example',
    displayName: '気仙沼市 職員',
    description: { ja: '気仙沼市の自治体職員', en: 'Staff of Kesennuma City' },
    staff: { lgCode: '042056', role: 'tenant_staff' },
  },
  {
    email: 'jichikai@kesennuma.furusato-demo.example',
    displayName: '魚町自治会',
    description: {
      ja: '気仙沼市の団体担当者（自治会）',
      en: 'Organisation staff in Kesennuma (neighbourhood association)',
    },
    staff: { lgCode: '042056', role: 'organisation_staff' },
  },
  {
    email: 'operator@furusato-demo.example',
    displayName: '運営事務局',
    description: { ja: '全国の運営者', en: 'National operator' },
    operator: true,
  },
];

const demoOperator = { kind: 'operator', id: 'demo-seed' } as const;

async function seedDemoAccount(db: Kysely<Database>, config: Config, account: DemoAccount): Promise<boolean> {
  const { personId, created } = await findOrCreatePerson({
    db,
    email: account.email,
    displayName: account.displayName,
  });
  if (!created) return false;
  for (const registration of account.registrations ?? []) {
    await registerWithGovernment({ db, personId, lgCode: registration.lgCode, input: registration.input });
  }
  if (account.staff || account.operator) {
    await enrolDemoTotp({ db, config, personId, secretBase32: demoTotpSecret });
  }
  if (account.operator) await grantOperator({ db, actor: demoOperator, email: account.email });
  if (account.staff) {
    const { link } = await inviteStaff({
      db,
      config,
      actor: demoOperator,
      lgCode: account.staff.lgCode,
      input: { email: account.email, role: account.staff.role },
    });
    await acceptInvitation({
      db,
      token: new URL(link).searchParams.get('token') ?? '',
      session: {
        sessionId: '00000000-0000-7000-8000-000000000000',
        personId,
        email: account.email,
        displayName: account.displayName,
        locale: 'ja',
        authenticatedBy: 'email',
        secondFactorAt: new Date(),
      },
    });
  }
  return true;
}

/** Idempotent: a second start finds the demo in place and changes nothing. */
export async function seedDemoData(db: Kysely<Database>, config: Config, logger?: Logger): Promise<void> {
  let joined = 0;
  for (const tenant of demoTenants) {
    if (await isTenant(db, tenant.lgCode)) continue;
    await joinTenant({ db, actor: systemActor, lgCode: tenant.lgCode, settings: tenant.settings });
    joined += 1;
  }
  let accounts = 0;
  for (const account of demoAccounts) {
    if (await seedDemoAccount(db, config, account)) accounts += 1;
  }
  const activities = await seedDemoActivities(db, config);
  // Surveys and community rooms (outreach, part B) in 気仙沼市.
  const outreachRooms = await seedOutreachRoomsDemo(db);
  if (joined > 0 || accounts > 0 || activities || outreachRooms) {
    logger?.info({ tenants: joined, accounts, activities, outreachRooms }, 'demo data loaded');
  }
  // The synthetic population of the insights dashboards is made by a job, after the server is up.
  await enqueueDemoInsights(db);
  const hanako = await db
    .selectFrom('persons')
    .select('id')
    .where('email', '=', 'hanako@furusato-demo.example')
    .executeTakeFirst();
  await seedOutreachDemo(db, { ...(hanako ? { hanakoPersonId: hanako.id } : {}), ...(logger ? { logger } : {}) });
}
