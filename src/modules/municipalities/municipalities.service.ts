import type { Kysely } from 'kysely';
import { z } from 'zod';
import { recordAuditEvent, type Actor } from '../../platform/audit.js';
import type { Database, LocalGovernmentKind, TenantRow } from '../../platform/db/schema.js';
import { withTenant } from '../../platform/db/tenant-scope.js';
import { AppError } from '../../platform/errors.js';
import { isValidLgCode } from '../../platform/lg-code.js';
import * as repository from './municipalities.repository.js';
import { canBeTenant, mayJoinTenant, mayUpdateTenantSettings } from './municipalities.policy.js';
import { foldForSearch } from './search-text.js';

export const localGovernmentKinds = [
  'prefecture',
  'city',
  'town',
  'village',
  'special_ward',
  'designated_city_ward',
] as const satisfies readonly LocalGovernmentKind[];

export const kindLabels: Record<LocalGovernmentKind, { ja: string; en: string }> = {
  prefecture: { ja: '都道府県', en: 'Prefecture' },
  city: { ja: '市', en: 'City' },
  town: { ja: '町', en: 'Town' },
  village: { ja: '村', en: 'Village' },
  special_ward: { ja: '特別区', en: 'Special ward' },
  designated_city_ward: { ja: '政令指定都市の区', en: 'Ward of a designated city' },
};

/** Kinds listed when the caller does not ask for one: wards are parts of a city, not governments. */
const defaultKinds = localGovernmentKinds.filter((kind) => kind !== 'designated_city_ward');

export interface LocalGovernment {
  lgCode: string;
  name: string;
  nameKana: string;
  kind: LocalGovernmentKind;
  prefecture: { code: string; name: string; nameEn: string };
  parentLgCode: string | null;
  location: { latitude: number; longitude: number } | null;
  url: string | null;
  participating: boolean;
}

function toLocalGovernment(row: repository.LocalGovernmentRecord): LocalGovernment {
  return {
    lgCode: row.lg_code,
    name: row.name,
    nameKana: row.name_kana,
    kind: row.kind,
    prefecture: { code: row.prefecture_code, name: row.prefecture_name, nameEn: row.prefecture_name_en },
    parentLgCode: row.parent_lg_code,
    location:
      row.latitude === null || row.longitude === null ? null : { latitude: row.latitude, longitude: row.longitude },
    url: row.url,
    participating: row.participating,
  };
}

export interface SearchMunicipalitiesInput {
  prefectureCode?: string;
  /** Prefix of the kanji name or of the reading (hiragana or katakana). */
  q?: string;
  kind?: LocalGovernmentKind;
  participating?: boolean;
  page: number;
  perPage: number;
}

/** 自治体をさがす: public, so no actor; returns one page and the total. */
export async function searchMunicipalities(options: { db: Kysely<Database>; input: SearchMunicipalitiesInput }) {
  const { input } = options;
  const prefix = input.q ? foldForSearch(input.q) : '';
  const { items, total } = await repository.searchLocalGovernments(options.db, {
    ...(input.prefectureCode ? { prefectureCode: input.prefectureCode } : {}),
    ...(prefix ? { prefix } : {}),
    kinds: input.kind ? [input.kind] : defaultKinds,
    ...(input.participating === undefined ? {} : { participating: input.participating }),
    limit: input.perPage,
    offset: (input.page - 1) * input.perPage,
  });
  return {
    items: items.map(toLocalGovernment),
    page: input.page,
    perPage: input.perPage,
    total,
    totalPages: Math.max(1, Math.ceil(total / input.perPage)),
  };
}

/** One government with, for a designated city, its wards. Unknown codes are a 404. */
export async function getMunicipality(options: { db: Kysely<Database>; lgCode: string }) {
  if (!isValidLgCode(options.lgCode)) {
    throw new AppError('validation_failed', {
      fieldErrors: [{ field: 'lgCode', in: 'path', message: 'check digit does not match' }],
      detail: { ja: 'lgCode の検査数字が正しくありません。', en: 'The check digit of lgCode does not match.' },
    });
  }
  const row = await repository.findLocalGovernment(options.db, options.lgCode);
  if (!row) throw new AppError('municipality_not_found');
  const wards = row.kind === 'city' ? await repository.listWardsOf(options.db, row.lg_code) : [];
  return { ...toLocalGovernment(row), wards: wards.map(toLocalGovernment) };
}

export async function listPrefectures(options: { db: Kysely<Database> }) {
  const rows = await repository.listPrefectures(options.db);
  return rows.map((row) => ({
    code: row.prefecture_code,
    lgCode: row.lg_code,
    name: row.name,
    nameKana: row.name_kana,
    nameEn: row.name_en,
    isoCode: row.iso_code,
  }));
}

/** A question a government adds to the national relationship survey. */
export const SurveyQuestion = z.object({
  id: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/),
  label: z.object({ ja: z.string().min(1).max(200), en: z.string().max(200).optional() }),
  kind: z.enum(['text', 'choice']),
  choices: z.array(z.string().min(1).max(100)).max(20).optional(),
  required: z.boolean().default(false),
});
export type SurveyQuestion = z.output<typeof SurveyQuestion>;

export const RegistrationSettings = z.object({
  /** manual: staff decide each application from a queue; automatic: the system judges and decides. */
  premiumMode: z.enum(['manual', 'automatic']).default('manual'),
  /** Designated 担い手 activities needed in the window (national base: 3 a year; a multi-day one counts per day). */
  premiumMinActivities: z.number().int().min(1).max(100).default(3),
  premiumWindow: z.enum(['rolling_12_months', 'fiscal_year']).default('rolling_12_months'),
  /** Days present a year for the long-stay mark on the card (national base: 10). */
  longStayDays: z.number().int().min(1).max(366).default(10),
  /** Months without access before a basic registrant is asked whether to stay (national default 24). */
  inactivityMonths: z.number().int().min(6).max(120).default(24),
  surveyQuestions: z.array(SurveyQuestion).max(10).default([]),
});
export type RegistrationSettings = z.output<typeof RegistrationSettings>;

/** Related-population statistics (insights): whether the government publishes its aggregates as open data. */
export const InsightsSettings = z.object({
  openData: z.boolean().default(false),
});
export type InsightsSettings = z.output<typeof InsightsSettings>;

/**
 * A tenant's own settings. Modules add their sections here with defaults, so a government that never
 * touched a setting still gets a complete, valid object.
 */
export const TenantSettings = z.object({
  contactEmail: z.email().max(254).optional(),
  contactPhone: z
    .string()
    .regex(/^[0-9+\-() ]{6,20}$/)
    .optional(),
  welcomeMessage: z.object({ ja: z.string().max(2000), en: z.string().max(2000).optional() }).optional(),
  /** Registration rules each government sets on the national base (DOMAIN §3); read by registrations. */
  registration: RegistrationSettings.prefault({}),
  /** Open data of the insights figures (read by insights). */
  insights: InsightsSettings.prefault({}),
});
export type TenantSettings = z.input<typeof TenantSettings>;
export type TenantSettingsResolved = z.output<typeof TenantSettings>;

export interface Tenant {
  lgCode: string;
  status: 'active' | 'suspended';
  settings: TenantSettingsResolved;
  joinedAt: Date;
}

function toTenant(row: TenantRow): Tenant {
  return {
    lgCode: row.lg_code,
    status: row.status,
    settings: TenantSettings.parse(row.settings),
    joinedAt: row.joined_at,
  };
}

/** 参加: a prefecture or municipality becomes a tenant. Audited in the same transaction. */
export async function joinTenant(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  settings?: TenantSettings;
}): Promise<Tenant> {
  if (!mayJoinTenant(options.actor)) throw new AppError('forbidden');
  const government = await getMunicipality({ db: options.db, lgCode: options.lgCode });
  if (!canBeTenant(government.kind)) {
    throw new AppError('validation_failed', {
      fieldErrors: [{ field: 'lgCode', in: 'body', message: 'wards of designated cities cannot join' }],
      detail: {
        ja: '政令指定都市の区は参加できません。市として参加してください。',
        en: 'A ward of a designated city cannot join; the city joins instead.',
      },
    });
  }
  const settings = TenantSettings.parse(options.settings ?? {});
  return withTenant(options.db, options.lgCode, async (scope) => {
    if (await repository.findTenant(scope)) throw new AppError('tenant_already_joined');
    const row = await repository.insertTenant(scope, settings);
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'tenant.joined',
      subjectType: 'tenant',
      subjectId: scope.lgCode,
      data: { settingKeys: Object.keys(settings) },
    });
    return toTenant(row);
  });
}

export async function getTenant(options: { db: Kysely<Database>; lgCode: string }): Promise<Tenant> {
  return withTenant(options.db, options.lgCode, async (scope) => {
    const row = await repository.findTenant(scope);
    if (!row) throw new AppError('tenant_not_found');
    return toTenant(row);
  });
}

/** Replaces a tenant's settings (validated whole), recording which keys changed. */
export async function updateTenantSettings(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  settings: TenantSettings;
}): Promise<Tenant> {
  if (!mayUpdateTenantSettings(options.actor, options.lgCode)) throw new AppError('forbidden');
  const settings = TenantSettings.parse(options.settings);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const current = await repository.lockTenant(scope);
    if (!current) throw new AppError('tenant_not_found');
    // Compared as resolved (defaults filled), so a default written for the first time is no change.
    const before = TenantSettings.parse(current.settings) as Record<string, unknown>;
    const changedKeys = [...new Set([...Object.keys(before), ...Object.keys(settings)])].filter(
      (key) => JSON.stringify(before[key]) !== JSON.stringify((settings as Record<string, unknown>)[key]),
    );
    const row = await repository.updateTenantSettingsRow(scope, settings);
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'tenant.settings_updated',
      subjectType: 'tenant',
      subjectId: scope.lgCode,
      data: { changedKeys },
    });
    return toTenant(row);
  });
}
