/**
 * Nationwide search of published posts across every government, a registrant's feed, public post pages,
 * and saved searches that tell the person of new matches.
 *
 * Visibility is row-level security's. The nationwide search reads `post_search`, the projection of the
 * published public posts (migration 0043 says why: an index under RLS needs leakproof operators). The
 * feed, saved searches and post pages read `posts` in the reader's scope: public, or the person's,
 * which adds the registrants-only posts of the governments they are registered with. No query names a
 * tenant to see its rows, so nothing here can reach a government's drafts.
 */
import type { Kysely, Transaction } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { postKinds, projectCategories, type Database, type SavedSearchRow } from '../../platform/db/schema.js';
import { withPerson, withPersonInTransaction, withPublicScope } from '../../platform/db/tenant-scope.js';
import { AppError, parseInput } from '../../platform/errors.js';
import type { Localized } from '../../platform/i18n.js';
import { isValidLgCode } from '../../platform/lg-code.js';
import { notify } from './notifications.service.js';
import * as repository from './posts.repository.js';
import { parseQuery } from './search-text.js';

const japanDay = (date: string, days = 0) => new Date(Date.parse(`${date}T00:00:00+09:00`) + days * 86_400_000);

const booleanFlag = z.enum(['true', 'false']).optional();

export const SearchQuery = z
  .object({
    q: z.string().trim().max(200).default(''),
    prefecture: z
      .string()
      .regex(/^(0[1-9]|[1-3]\d|4[0-7])$/, 'a prefecture code 01–47')
      .optional(),
    lgCode: z.string().refine(isValidLgCode, 'not a valid 全国地方公共団体コード').optional(),
    kind: z.enum(postKinds).optional(),
    category: z.enum(projectCategories).optional(),
    tag: z.string().trim().min(1).max(30).optional(),
    /** Happens on or after this day (Japan time), YYYY-MM-DD. */
    from: z.iso.date().optional(),
    /** Happens on or before this day (Japan time), YYYY-MM-DD. */
    to: z.iso.date().optional(),
    /** Only calls for help that count for premium registration (designated activities). */
    designated: booleanFlag,
    /** Only calls for help with a session that still takes applications. */
    openCapacity: booleanFlag,
    sort: z.enum(['relevance', 'newest', 'upcoming']).optional(),
    page: z.coerce.number().int().min(1).max(500).default(1),
    perPage: z.coerce.number().int().min(1).max(50).default(20),
  })
  .superRefine((query, ctx) => {
    if (query.from && query.to && query.to < query.from) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'on or after from' });
    }
  });
export type SearchQuery = z.input<typeof SearchQuery>;

/** The parameters that make up a search (what a saved search keeps and a link carries). */
export const searchParameterNames = [
  'q',
  'prefecture',
  'lgCode',
  'kind',
  'category',
  'tag',
  'from',
  'to',
  'designated',
  'openCapacity',
  'sort',
] as const;

export interface PostCard {
  lgCode: string;
  id: string;
  kind: (typeof postKinds)[number];
  category: (typeof projectCategories)[number] | null;
  audience: 'public' | 'registrants';
  title: string;
  summary: string;
  placeName: string;
  startsAt: Date | null;
  endsAt: Date | null;
  tags: string[];
  publishedAt: Date;
  governmentName: string;
  prefectureName: string;
  organisationName: string | null;
  projectTitle: string | null;
  /** A call for help for a designated activity: it counts for premium registration. */
  designated: boolean;
  /** A call for help with a session that still takes applications. */
  openCapacity: boolean;
  /** Path of the first image's thumbnail, if any. */
  thumbnail: { path: string; alt: string } | null;
}

function excerpt(row: repository.VisiblePostRow): string {
  if (row.summary) return row.summary;
  const text = row.body.replace(/\s+/g, ' ').trim();
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

function fullName(row: Pick<repository.VisiblePostRow, 'government_kind' | 'government_name' | 'prefecture_name'>) {
  return row.government_kind === 'prefecture' ? row.government_name : `${row.prefecture_name}${row.government_name}`;
}

function cardOf(row: repository.VisiblePostRow): Omit<PostCard, 'thumbnail'> {
  return {
    lgCode: row.lg_code,
    id: row.id,
    kind: row.kind,
    category: row.category,
    audience: row.audience,
    title: row.title,
    summary: excerpt(row),
    placeName: row.place_name,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    tags: row.tags,
    publishedAt: row.published_at,
    governmentName: fullName(row),
    prefectureName: row.prefecture_name,
    organisationName: row.organisation_name,
    projectTitle: row.project_title,
    designated: row.designated,
    openCapacity: row.open_capacity,
  };
}

/** Result cards of `posts` rows, with their first image looked up (as visible in the scope). */
async function cards(trx: Transaction<Database>, rows: repository.VisiblePostRow[]): Promise<PostCard[]> {
  const images = await repository.imagesOf(
    trx,
    rows.map((row) => ({ lgCode: row.lg_code, id: row.id })),
  );
  return rows.map((row) => {
    const first = images.get(`${row.lg_code}/${row.id}`)?.[0];
    return {
      ...cardOf(row),
      thumbnail: first
        ? { path: `/posts/${row.lg_code}/${row.id}/images/${first.id}?size=thumb`, alt: first.alt_text }
        : null,
    };
  });
}

/** Runs `work` as the person (their registrants-only posts visible too) or as the public. */
function inScope<T>(
  db: Kysely<Database>,
  personId: string | undefined,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return personId ? withPerson(db, personId, work) : withPublicScope(db, work);
}

function filtersOf(query: z.output<typeof SearchQuery>): repository.SearchFilters {
  const terms = parseQuery(query.q);
  return {
    terms,
    ...(query.prefecture ? { prefectureCode: query.prefecture } : {}),
    ...(query.lgCode ? { lgCode: query.lgCode } : {}),
    ...(query.kind ? { kind: query.kind } : {}),
    ...(query.category ? { category: query.category } : {}),
    ...(query.tag ? { tag: query.tag.normalize('NFKC') } : {}),
    ...(query.from ? { from: japanDay(query.from) } : {}),
    ...(query.to ? { to: japanDay(query.to, 1) } : {}),
    ...(query.designated === 'true' ? { designated: true } : {}),
    ...(query.openCapacity === 'true' ? { openCapacity: true } : {}),
    sort: query.sort ?? (terms.length > 0 ? 'relevance' : 'newest'),
    limit: query.perPage,
    offset: (query.page - 1) * query.perPage,
  };
}

export interface SearchResult {
  items: PostCard[];
  total: number;
  /** More matches than `total` says (counting stopped at 10,000). */
  totalCapped: boolean;
  page: number;
  perPage: number;
  sort: repository.SearchSort;
  /** The query terms as the search understood them (normalised), for the page to show. */
  terms: string[];
}

/**
 * Searches the published public posts of every government (the `post_search` projection, in the public
 * scope). The same for everyone, signed in or not: registrants-only posts are in the person's feed.
 * `total` stops counting at 10,001 (`totalCapped`).
 */
export async function searchPosts(options: { db: Kysely<Database>; query: SearchQuery }): Promise<SearchResult> {
  const query = parseInput(SearchQuery, options.query);
  const filters = filtersOf(query);
  return withPublicScope(options.db, async (trx) => {
    const { rows, total } = await repository.searchIndex(trx, filters);
    return {
      items: rows.map((row) => ({
        ...cardOf(row),
        thumbnail: row.thumbnail_id
          ? {
              path: `/posts/${row.lg_code}/${row.id}/images/${row.thumbnail_id}?size=thumb`,
              alt: row.thumbnail_alt ?? '',
            }
          : null,
      })),
      total: Math.min(total, repository.countCap),
      totalCapped: total > repository.countCap,
      page: query.page,
      perPage: query.perPage,
      sort: filters.sort,
      terms: filters.terms.map((term) => term.term),
    };
  });
}

export interface PublicPost extends PostCard {
  body: string;
  placeAddress: string;
  images: Array<{ id: string; alt: string; width: number; height: number; path: string }>;
}

/** One published post as its page shows it; 404 when it is not visible to this reader. */
export async function getPublicPost(options: {
  db: Kysely<Database>;
  personId?: string;
  lgCode: string;
  postId: string;
}): Promise<PublicPost> {
  if (!isValidLgCode(options.lgCode) || !z.uuid().safeParse(options.postId).success) throw new AppError('not_found');
  return inScope(options.db, options.personId, async (trx) => {
    const row = await repository.findVisiblePost(trx, options.lgCode, options.postId);
    if (!row) throw new AppError('not_found');
    const [card] = await cards(trx, [row]);
    const images = (await repository.imagesOf(trx, [{ lgCode: row.lg_code, id: row.id }])).get(
      `${row.lg_code}/${row.id}`,
    );
    return {
      ...card!,
      body: row.body,
      placeAddress: row.place_address,
      images: (images ?? []).map((image) => ({
        id: image.id,
        alt: image.alt_text,
        width: image.width,
        height: image.height,
        path: `/posts/${row.lg_code}/${row.id}/images/${image.id}`,
      })),
    };
  });
}

/** An image of a published post, as visible to this reader. */
export async function getPublicPostImage(options: {
  db: Kysely<Database>;
  personId?: string;
  lgCode: string;
  postId: string;
  imageId: string;
}) {
  if (
    !isValidLgCode(options.lgCode) ||
    !z.uuid().safeParse(options.postId).success ||
    !z.uuid().safeParse(options.imageId).success
  ) {
    throw new AppError('not_found');
  }
  return inScope(options.db, options.personId, async (trx) => {
    const image = await repository.imageBytes(trx, options.lgCode, options.postId, options.imageId);
    if (!image) throw new AppError('not_found');
    const post = await repository.findVisiblePost(trx, options.lgCode, options.postId);
    return { ...image, audience: post?.audience ?? 'public' };
  });
}

/** The person's feed: posts of the governments they are registered with, newest first. */
export async function myFeed(options: {
  db: Kysely<Database>;
  personId: string;
  page?: number;
  perPage?: number;
}): Promise<{ items: PostCard[]; total: number; page: number; perPage: number; governments: number }> {
  const perPage = Math.min(Math.max(options.perPage ?? 20, 1), 50);
  const page = Math.min(Math.max(options.page ?? 1, 1), 500);
  return withPerson(options.db, options.personId, async (trx) => {
    const lgCodes = await repository.myGovernments(trx, options.personId);
    if (lgCodes.length === 0) return { items: [], total: 0, page, perPage, governments: 0 };
    const rows = await repository.searchVisiblePosts(trx, {
      terms: [],
      lgCodes,
      sort: 'newest',
      limit: perPage,
      offset: (page - 1) * perPage,
    });
    return {
      items: await cards(trx, rows),
      total: Number(rows[0]?.total ?? 0),
      page,
      perPage,
      governments: lgCodes.length,
    };
  });
}

// Saved searches.

/** At most this many saved searches per person. */
export const maxSavedSearches = 50;

export interface SavedSearch {
  id: string;
  name: string;
  query: Record<string, string>;
  notify: boolean;
  createdAt: Date;
  /** `/search?…` for this search. */
  path: string;
}

/** The search's parameters as a query string (empty and paging parameters left out). */
export function searchPath(query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const name of searchParameterNames) {
    const value = query[name];
    if (value) params.set(name, value);
  }
  const text = params.toString();
  return text ? `/search?${text}` : '/search';
}

function toSavedSearch(row: SavedSearchRow): SavedSearch {
  return {
    id: row.id,
    name: row.name,
    query: row.query,
    notify: row.notify,
    createdAt: row.created_at,
    path: searchPath(row.query),
  };
}

export const SavedSearchInput = z.object({
  name: z.string().trim().max(100).optional(),
  query: z.record(z.string(), z.string()),
  notify: z.boolean().default(true),
});
export type SavedSearchInput = z.input<typeof SavedSearchInput>;

/** Keeps a search under a name; new matches are told from now on (not what matches already). */
export async function saveSearch(options: {
  db: Kysely<Database>;
  personId: string;
  input: SavedSearchInput;
}): Promise<SavedSearch> {
  const input = parseInput(SavedSearchInput, options.input);
  const kept = Object.fromEntries(
    searchParameterNames.flatMap((name) => {
      const value = input.query[name];
      return value ? [[name, value]] : [];
    }),
  );
  // The same rules as a search: a saved search that could not run is refused now, not at night.
  parseInput(SearchQuery, kept);
  const name = input.name || kept.q || '条件のみの検索';
  return options.db.transaction().execute(async (trx) => {
    await trx
      .selectFrom('persons')
      .select('id')
      .where('id', '=', options.personId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if ((await repository.countSavedSearches(trx, options.personId)) >= maxSavedSearches) {
      throw new AppError('saved_search_limit');
    }
    const row = await repository.insertSavedSearch(trx, {
      id: uuidv7(),
      person_id: options.personId,
      name,
      query: JSON.stringify(kept),
      notify: input.notify,
    });
    return toSavedSearch(row);
  });
}

export async function listSavedSearches(options: { db: Kysely<Database>; personId: string }): Promise<SavedSearch[]> {
  return (await repository.listSavedSearches(options.db, options.personId)).map(toSavedSearch);
}

export async function updateSavedSearch(options: {
  db: Kysely<Database>;
  personId: string;
  id: string;
  input: { name?: string; notify?: boolean };
}): Promise<SavedSearch> {
  if (!z.uuid().safeParse(options.id).success) throw new AppError('not_found');
  const input = parseInput(
    z.object({ name: z.string().trim().min(1).max(100).optional(), notify: z.boolean().optional() }),
    options.input,
  );
  const row = await repository.updateSavedSearch(options.db, options.personId, options.id, {
    ...(input.name ? { name: input.name } : {}),
    ...(input.notify !== undefined ? { notify: input.notify } : {}),
    // Turning notices back on starts from now: what matched while they were off is not sent at once.
    ...(input.notify === true ? { checked_until: new Date() } : {}),
  });
  if (!row) throw new AppError('not_found');
  return toSavedSearch(row);
}

export async function deleteSavedSearch(options: { db: Kysely<Database>; personId: string; id: string }) {
  if (!z.uuid().safeParse(options.id).success) throw new AppError('not_found');
  if ((await repository.deleteSavedSearch(options.db, options.personId, options.id)) === 0) {
    throw new AppError('not_found');
  }
}

const matchesShown = 5;

/**
 * Checks every saved search with notices on for posts published since its last check, up to `now`, and
 * notifies its person of new matches (kind `outreach.saved_search`, a digest by default). Each search is
 * one short transaction in its person's scope; the notification key names the search and the run, so a
 * retried run tells nobody twice.
 */
export async function checkSavedSearches(options: {
  db: Kysely<Database>;
  now: Date;
  batchSize?: number;
}): Promise<{ checked: number; notified: number }> {
  const totals = { checked: 0, notified: 0 };
  let after: string | undefined;
  for (;;) {
    const due = await repository.dueSavedSearches(options.db, {
      before: options.now,
      limit: options.batchSize ?? 200,
      ...(after ? { after } : {}),
    });
    if (due.length === 0) return totals;
    for (const saved of due) {
      const parsed = SearchQuery.safeParse(saved.query);
      const told = await options.db.transaction().execute((trx) =>
        withPersonInTransaction(trx, saved.person_id, async () => {
          let count = 0;
          if (parsed.success) {
            const filters = filtersOf({ ...parsed.data, page: 1, perPage: matchesShown });
            const rows = await repository.searchVisiblePosts(trx, {
              ...filters,
              sort: 'newest',
              publishedAfter: saved.checked_until,
              publishedUntil: options.now,
            });
            count = Number(rows[0]?.total ?? 0);
            if (count > 0) await notify(trx, savedSearchNotification(saved, rows, count, options.now));
          }
          await repository.markSavedSearchChecked(trx, saved.id, options.now);
          return count > 0;
        }),
      );
      totals.checked += 1;
      if (told) totals.notified += 1;
    }
    after = due.at(-1)?.id;
  }
}

function savedSearchNotification(
  saved: SavedSearchRow,
  rows: repository.VisiblePostRow[],
  count: number,
  now: Date,
): Parameters<typeof notify>[1] {
  const list = rows.map((row) => `・${fullName(row)}：${row.title}`).join('\n');
  const more = count > rows.length;
  const title: Localized = {
    ja: `保存した検索「${saved.name}」に新着が${count}件あります`,
    en: `${count} new for your saved search “${saved.name}”`,
  };
  return {
    personId: saved.person_id,
    kind: 'outreach.saved_search',
    title: { ja: title.ja.slice(0, 200), en: title.en.slice(0, 200) },
    body: {
      ja: `${list}${more ? `\nほか${count - rows.length}件` : ''}`,
      en: `${list}${more ? `\nand ${count - rows.length} more` : ''}`,
    },
    link: searchPath({ ...saved.query, sort: 'newest' }),
    idempotencyKey: `outreach.saved_search:${saved.id}:${now.toISOString()}`,
  };
}
