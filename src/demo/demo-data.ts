import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.js';
import type { Logger } from '../platform/logger.js';
import { systemActor } from '../platform/audit.js';
import { getTenant, joinTenant, type TenantSettings } from '../modules/municipalities/index.js';
import { AppError } from '../platform/errors.js';

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

/** Idempotent: a second start finds the demo in place and changes nothing. */
export async function seedDemoData(db: Kysely<Database>, logger?: Logger): Promise<void> {
  let joined = 0;
  for (const tenant of demoTenants) {
    if (await isTenant(db, tenant.lgCode)) continue;
    await joinTenant({ db, actor: systemActor, lgCode: tenant.lgCode, settings: tenant.settings });
    joined += 1;
  }
  if (joined > 0) logger?.info({ tenants: joined }, 'demo data loaded');
}
