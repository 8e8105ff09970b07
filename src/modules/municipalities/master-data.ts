import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import type { Database, LocalGovernmentKind } from '../../platform/db/schema.js';
import { isValidLgCode } from '../../platform/lg-code.js';
import { foldForSearch } from './search-text.js';

const dataFolder = new URL('./data/', import.meta.url);
const municipalitiesFile = fileURLToPath(new URL('localgovjp-utf8.csv', dataFolder));
const prefecturesFile = fileURLToPath(new URL('prefjp-utf8.csv', dataFolder));

export const expectedCounts = { prefectures: 47, municipalities: 1741 } as const;

interface ParsedMaster {
  prefectures: Database['prefectures'][];
  localGovernments: Database['local_governments'][];
  checksum: string;
}

/** Splits simple CSV (no quoted fields in these files) into records keyed by header. */
function parseCsv(text: string): Array<Record<string, string>> {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '');
  const header = (lines.shift() ?? '').split(',');
  return lines.map((line, index) => {
    const cells = line.split(',');
    if (cells.length !== header.length) {
      throw new Error(`master data line ${index + 2}: expected ${header.length} fields, found ${cells.length}`);
    }
    return Object.fromEntries(header.map((name, column) => [name, cells[column] ?? '']));
  });
}

function required(record: Record<string, string>, field: string): string {
  const value = record[field]?.trim();
  if (!value) throw new Error(`master data: missing ${field} in ${JSON.stringify(record)}`);
  return value;
}

function optionalNumber(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}

function kindOf(prefectureName: string, cityName: string): LocalGovernmentKind {
  if (cityName.includes(' ')) return 'designated_city_ward';
  if (prefectureName === '東京都' && cityName.endsWith('区')) return 'special_ward';
  if (cityName.endsWith('市')) return 'city';
  if (cityName.endsWith('町')) return 'town';
  if (cityName.endsWith('村')) return 'village';
  throw new Error(`master data: cannot tell the kind of ${prefectureName}${cityName}`);
}

/**
 * Reads and checks the committed CSV files: every code passes its check digit, every municipality
 * names a known prefecture, and the counts match the national totals. A file that fails is refused
 * whole, so a bad update cannot half-replace the master.
 */
export async function readMasterData(): Promise<ParsedMaster> {
  const [municipalityText, prefectureText] = await Promise.all([
    readFile(municipalitiesFile, 'utf8'),
    readFile(prefecturesFile, 'utf8'),
  ]);
  const checksum = createHash('sha256').update(prefectureText).update(municipalityText).digest('hex');

  const prefectures = parseCsv(prefectureText).map((record) => {
    const lgCode = required(record, 'lgcode').padStart(6, '0');
    if (!isValidLgCode(lgCode)) throw new Error(`master data: bad prefecture code ${lgCode}`);
    return {
      prefecture_code: lgCode.slice(0, 2),
      lg_code: lgCode,
      name: required(record, 'pref'),
      name_kana: required(record, 'prefkana'),
      name_en: required(record, 'pref_en'),
      iso_code: required(record, 'ISO3166-2'),
      capital: required(record, 'capital'),
      latitude: Number(required(record, 'lat')),
      longitude: Number(required(record, 'lng')),
      url: required(record, 'url'),
    };
  });
  const prefectureByName = new Map(prefectures.map((prefecture) => [prefecture.name, prefecture]));

  const municipalityRecords = parseCsv(municipalityText);
  const cityCodeByName = new Map<string, string>();
  const localGovernments: Database['local_governments'][] = prefectures.map((prefecture) => ({
    lg_code: prefecture.lg_code,
    prefecture_code: prefecture.prefecture_code,
    kind: 'prefecture',
    name: prefecture.name,
    name_kana: prefecture.name_kana,
    parent_lg_code: null,
    latitude: prefecture.latitude,
    longitude: prefecture.longitude,
    url: prefecture.url,
    search_name: foldForSearch(prefecture.name),
    search_kana: foldForSearch(prefecture.name_kana),
  }));

  const wards: Array<{ record: Record<string, string>; row: Database['local_governments'] }> = [];
  for (const record of municipalityRecords) {
    const lgCode = required(record, 'lgcode');
    if (!isValidLgCode(lgCode)) throw new Error(`master data: bad check digit in ${lgCode}`);
    const prefectureName = required(record, 'pref');
    const prefecture = prefectureByName.get(prefectureName);
    if (!prefecture || prefecture.prefecture_code !== lgCode.slice(0, 2)) {
      throw new Error(`master data: ${lgCode} does not belong to a known prefecture (${prefectureName})`);
    }
    const cityName = required(record, 'city');
    const kind = kindOf(prefectureName, cityName);
    const row: Database['local_governments'] = {
      lg_code: lgCode,
      prefecture_code: prefecture.prefecture_code,
      kind,
      name: cityName.replace(/\s+/g, ''),
      name_kana: required(record, 'citykana').replace(/\s+/g, ''),
      parent_lg_code: null,
      latitude: optionalNumber(record.lat),
      longitude: optionalNumber(record.lng),
      url: record.url?.trim() || null,
      search_name: foldForSearch(cityName),
      search_kana: foldForSearch(required(record, 'citykana')),
    };
    if (kind === 'designated_city_ward') wards.push({ record, row });
    else {
      cityCodeByName.set(`${prefectureName}/${cityName}`, lgCode);
      localGovernments.push(row);
    }
  }
  for (const { record, row } of wards) {
    const cityName = required(record, 'city').split(' ')[0] ?? '';
    const parent = cityCodeByName.get(`${required(record, 'pref')}/${cityName}`);
    if (!parent) throw new Error(`master data: ward ${row.lg_code} has no designated city ${cityName}`);
    localGovernments.push({ ...row, parent_lg_code: parent });
  }

  const municipalityCount = localGovernments.filter(
    (row) => row.kind !== 'prefecture' && row.kind !== 'designated_city_ward',
  ).length;
  if (prefectures.length !== expectedCounts.prefectures || municipalityCount !== expectedCounts.municipalities) {
    throw new Error(
      `master data: expected ${expectedCounts.prefectures} prefectures and ${expectedCounts.municipalities} ` +
        `municipalities, found ${prefectures.length} and ${municipalityCount}`,
    );
  }
  return { prefectures, localGovernments, checksum };
}

const masterName = 'local_governments';

/**
 * Loads the master into the database when the committed files changed since the last load (checked by
 * checksum), in one transaction: upserts, so tenants that reference a code keep pointing at it.
 * Returns whether anything was written.
 */
export async function loadMasterData(db: Kysely<Database>): Promise<boolean> {
  const master = await readMasterData();
  const loaded = await db
    .selectFrom('reference_data_versions')
    .select('checksum')
    .where('name', '=', masterName)
    .executeTakeFirst();
  if (loaded?.checksum === master.checksum) return false;

  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('prefectures')
      .values(master.prefectures)
      .onConflict((conflict) =>
        conflict.column('prefecture_code').doUpdateSet((eb) => ({
          lg_code: eb.ref('excluded.lg_code'),
          name: eb.ref('excluded.name'),
          name_kana: eb.ref('excluded.name_kana'),
          name_en: eb.ref('excluded.name_en'),
          iso_code: eb.ref('excluded.iso_code'),
          capital: eb.ref('excluded.capital'),
          latitude: eb.ref('excluded.latitude'),
          longitude: eb.ref('excluded.longitude'),
          url: eb.ref('excluded.url'),
        })),
      )
      .execute();
    // Cities before their wards, in chunks well under the 65,535 bind-parameter limit.
    for (let start = 0; start < master.localGovernments.length; start += 500) {
      await trx
        .insertInto('local_governments')
        .values(master.localGovernments.slice(start, start + 500))
        .onConflict((conflict) =>
          conflict.column('lg_code').doUpdateSet((eb) => ({
            prefecture_code: eb.ref('excluded.prefecture_code'),
            kind: eb.ref('excluded.kind'),
            name: eb.ref('excluded.name'),
            name_kana: eb.ref('excluded.name_kana'),
            parent_lg_code: eb.ref('excluded.parent_lg_code'),
            latitude: eb.ref('excluded.latitude'),
            longitude: eb.ref('excluded.longitude'),
            url: eb.ref('excluded.url'),
            search_name: eb.ref('excluded.search_name'),
            search_kana: eb.ref('excluded.search_kana'),
          })),
        )
        .execute();
    }
    await trx
      .insertInto('reference_data_versions')
      .values({ name: masterName, checksum: master.checksum })
      .onConflict((conflict) =>
        conflict.column('name').doUpdateSet({ checksum: master.checksum, loaded_at: sql<Date>`now()` }),
      )
      .execute();
  });
  return true;
}
