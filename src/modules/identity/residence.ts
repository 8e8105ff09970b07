import type { LocalGovernmentKind } from '../../platform/db/schema.js';
import { readMasterData } from '../municipalities/index.js';

/** What the address matching needs of the 全国地方公共団体コード master. */
export interface AddressMaster {
  prefectures: Array<{ prefectureCode: string; name: string }>;
  municipalities: Array<{
    lgCode: string;
    prefectureCode: string;
    kind: LocalGovernmentKind;
    /** Designated-city wards carry the city name: 仙台市青葉区. */
    name: string;
    parentLgCode: string | null;
  }>;
}

export interface Residence {
  /** NULL when the address names no prefecture (e.g. an address abroad, or nothing readable). */
  prefectureCode: string | null;
  /** The municipality (a designated city for its wards); NULL when none could be read after the prefecture. */
  lgCode: string | null;
}

/**
 * Folds what differs between how addresses and the master write the same name: full-width forms
 * (NFKC), spaces, and ヶ/ケ (鶴ヶ島市 is also written 鶴ケ島市).
 */
function fold(text: string): string {
  return text.normalize('NFKC').replace(/\s+/g, '').replace(/ヶ/g, 'ケ');
}

interface IndexedMaster {
  prefectures: Array<{ prefectureCode: string; name: string }>;
  /** Per prefecture, longest name first, so 仙台市青葉区 wins over 仙台市. */
  municipalities: Map<string, Array<{ name: string; lgCode: string }>>;
}

const indexes = new WeakMap<AddressMaster, IndexedMaster>();

function indexOf(master: AddressMaster): IndexedMaster {
  let indexed = indexes.get(master);
  if (indexed) return indexed;
  const municipalities = new Map<string, Array<{ name: string; lgCode: string }>>();
  for (const municipality of master.municipalities) {
    if (municipality.kind === 'prefecture') continue;
    const lgCode =
      municipality.kind === 'designated_city_ward' && municipality.parentLgCode
        ? municipality.parentLgCode
        : municipality.lgCode;
    const list = municipalities.get(municipality.prefectureCode) ?? [];
    list.push({ name: fold(municipality.name), lgCode });
    municipalities.set(municipality.prefectureCode, list);
  }
  for (const list of municipalities.values()) list.sort((a, b) => b.name.length - a.name.length);
  indexed = {
    prefectures: master.prefectures.map((prefecture) => ({ ...prefecture, name: fold(prefecture.name) })),
    municipalities,
  };
  indexes.set(master, indexed);
  return indexed;
}

/**
 * The municipality a verified address lies in: the prefecture at the start, then the longest
 * municipality name of that prefecture right after it, or after a county (北海道河東郡上士幌町 → 上士幌町).
 * A ward of a designated city counts as its city, the government people register with. The county is
 * tried second so that names that begin like a county (郡山市, 大和郡山市) match as themselves.
 */
export function residenceFromAddress(address: string, master: AddressMaster): Residence {
  const { prefectures, municipalities } = indexOf(master);
  const text = fold(address);
  const prefecture = prefectures.find((candidate) => text.startsWith(candidate.name));
  if (!prefecture) return { prefectureCode: null, lgCode: null };
  const rest = text.slice(prefecture.name.length);
  const candidates = municipalities.get(prefecture.prefectureCode) ?? [];
  const match = (part: string) => candidates.find((candidate) => part.startsWith(candidate.name));
  const county = /^[^郡]{1,6}郡/.exec(rest);
  const found = match(rest) ?? (county ? match(rest.slice(county[0].length)) : undefined);
  return { prefectureCode: prefecture.prefectureCode, lgCode: found?.lgCode ?? null };
}

let cachedMaster: Promise<AddressMaster> | undefined;

/**
 * The master as committed with the code (the same files the database is loaded from), read once per
 * process: matching an address then needs no query.
 */
export function addressMaster(): Promise<AddressMaster> {
  cachedMaster ??= readMasterData().then(
    (master) => ({
      prefectures: master.prefectures.map((row) => ({ prefectureCode: row.prefecture_code, name: row.name })),
      municipalities: master.localGovernments.map((row) => ({
        lgCode: row.lg_code,
        prefectureCode: row.prefecture_code,
        kind: row.kind,
        name: row.name,
        parentLgCode: row.parent_lg_code,
      })),
    }),
    (error: unknown) => {
      cachedMaster = undefined;
      throw error;
    },
  );
  return cachedMaster;
}

/** Display names of a residence, e.g. { prefecture: '宮城県', municipality: '気仙沼市' }. */
export async function residenceNames(
  residence: Residence,
): Promise<{ prefecture: string | null; municipality: string | null }> {
  const master = await addressMaster();
  return {
    prefecture:
      master.prefectures.find((prefecture) => prefecture.prefectureCode === residence.prefectureCode)?.name ?? null,
    municipality: master.municipalities.find((municipality) => municipality.lgCode === residence.lgCode)?.name ?? null,
  };
}
