import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { v7 as uuidv7 } from 'uuid';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database.js';
import { deliverQueuedNotifications } from '../../../test/support/notifications.js';
import { systemActor, type Actor } from '../../platform/audit.js';
import { withTenant } from '../../platform/db/tenant-scope.js';
import { joinTenant } from '../municipalities/index.js';
import { archivePost, createPost, publishPost, type PostInput } from './posts.service.js';
import { normalizeForSearch, parseQuery } from './search-text.js';
import {
  checkSavedSearches,
  getPublicPost,
  myFeed,
  saveSearch,
  searchPosts,
  type SearchQuery,
} from './search.service.js';

const governments = {
  kesennuma: '042056',
  miyagi: '040002',
  bandai: '074071',
  fukushima: '070009',
  yokoze: '113611',
  kamiyama: '363421',
} as const;

function staffOf(lgCode: string): Actor {
  return {
    kind: 'staff',
    id: uuidv7(),
    secondFactor: true,
    memberships: [{ lgCode, membershipId: uuidv7(), role: 'tenant_admin', organisationId: null }],
  };
}

const day = (date: string, time = '10:00') => `${date}T${time}:00+09:00`;

/** The corpus: what towns really post, with the spellings people really use. Keys name each post. */
interface CorpusPost {
  key: string;
  lgCode: string;
  input: PostInput;
  /** draft: never published; archived: published then archived. */
  state?: 'draft' | 'archived';
  project?: 'designated_open' | 'designated_full' | 'inherit_open' | 'org_designated_open';
}

const corpus: CorpusPost[] = [
  {
    key: 'minato',
    lgCode: governments.kesennuma,
    project: 'org_designated_open',
    input: {
      kind: 'recruitment',
      title: '気仙沼みなとまつり 夏祭りボランティア募集',
      summary: '8月の夏祭りを一緒に支えてくださる方を募集します。',
      body: '会場設営、ごみの分別案内、子ども向け縁日の運営をお願いします。未経験の方も歓迎です。',
      placeName: '気仙沼港 内湾地区',
      startsAt: day('2031-08-01', '09:00'),
      endsAt: day('2031-08-02', '21:00'),
      tags: ['夏祭り', '運営'],
    },
  },
  {
    key: 'cleanup',
    lgCode: governments.kesennuma,
    project: 'designated_full',
    input: {
      kind: 'recruitment',
      title: '港の清掃活動（ゴミ拾い）',
      body: '岸壁と砂浜のごみ拾いを行います。軍手とトングはこちらで用意します。',
      startsAt: day('2031-06-15', '08:00'),
      endsAt: day('2031-06-15', '11:00'),
    },
  },
  {
    key: 'bon',
    lgCode: governments.kesennuma,
    project: 'inherit_open',
    input: {
      kind: 'recruitment',
      title: '盆踊り大会の運営スタッフ',
      body: '地区の盆おどりを続けるため、やぐらの組み立てと交通整理を手伝ってください。',
      startsAt: day('2031-08-14', '17:00'),
    },
  },
  {
    key: 'fanclub',
    lgCode: governments.kesennuma,
    input: {
      kind: 'event',
      audience: 'registrants',
      title: '登録者限定 気仙沼ファンクラブ交流会',
      body: '東京会場で、まちの人と語り合う交流会です。',
      startsAt: day('2031-07-10', '18:30'),
    },
  },
  {
    key: 'draft',
    lgCode: governments.kesennuma,
    state: 'draft',
    input: { kind: 'notice', title: '下書き：秋祭りの準備', body: '未公開の祭りの情報です。' },
  },
  {
    key: 'archived',
    lgCode: governments.kesennuma,
    state: 'archived',
    input: { kind: 'event', title: '終わった夏祭りのお礼', body: '昨年の祭りにご参加ありがとうございました。' },
  },
  {
    key: 'drill',
    lgCode: governments.miyagi,
    input: {
      kind: 'notice',
      category: 'disaster_prevention',
      title: '県内一斉 防災訓練のお知らせ',
      body: '津波を想定した避難訓練を行います。ふるさと住民の皆さんも参加できます。',
      startsAt: day('2031-09-01', '10:00'),
    },
  },
  {
    key: 'telework',
    lgCode: governments.fukushima,
    input: {
      kind: 'notice',
      category: 'tourism_exchange',
      title: 'ふくしまテレワーク補助金のご案内',
      body: 'ﾜｰｹｰｼｮﾝや二地域居住、移住を考えている方の滞在費を補助します（上限３０万円）。',
      tags: ['移住', 'テレワーク'],
    },
  },
  {
    key: 'snow',
    lgCode: governments.bandai,
    project: 'inherit_open',
    input: {
      kind: 'recruitment',
      title: '磐梯山のふもとで雪かきボランティア',
      body: '高齢の方のお宅の除雪をお手伝いください。スコップは貸し出します。',
      startsAt: day('2032-01-20', '09:00'),
    },
  },
  {
    key: 'kodomo',
    lgCode: governments.bandai,
    input: {
      kind: 'event',
      category: 'children_education',
      title: 'ＮＰＯ法人による子ども食堂',
      body: '地域の子供たちと一緒に夕ごはんを作ります。',
      startsAt: day('2031-07-05', '16:00'),
    },
  },
  {
    key: 'akiya',
    lgCode: governments.yokoze,
    input: {
      kind: 'event',
      category: 'vacant_houses',
      title: '横瀬町の空き家リノベーション見学会',
      body: '空家を改修したシェアハウスを見学します。移住相談もできます。',
      startsAt: day('2031-06-20', '13:00'),
    },
  },
  {
    key: 'mikoshi',
    lgCode: governments.yokoze,
    project: 'designated_open',
    input: {
      kind: 'recruitment',
      title: 'お祭りの神輿の担ぎ手を募集',
      body: '秋の例大祭で御輿を担いでくださる方を募集します。3日間の参加で3回と数えます。',
      startsAt: day('2031-10-10', '09:00'),
      endsAt: day('2031-10-12', '18:00'),
    },
  },
  {
    key: 'tanada',
    lgCode: governments.kamiyama,
    input: {
      kind: 'event',
      category: 'agriculture',
      title: '棚田の草刈りと田植え体験',
      body: '髙橋さんの棚田で援農。たうえのあとは、すだちのジュースで休憩します。',
      tags: ['援農'],
      startsAt: day('2031-05-25', '08:30'),
    },
  },
  {
    key: 'sudachi',
    lgCode: governments.kamiyama,
    input: {
      kind: 'attraction',
      title: '神山町の地域の魅力：すだち',
      body: '神山のすだちは香りが自慢です。秋には収穫のお手伝いも募集します。',
    },
  },
  {
    key: 'hackathon',
    lgCode: governments.kamiyama,
    input: {
      kind: 'event',
      title: 'Kamiyama Valley Hackathon 2031',
      body: 'サテライトオフィスで地域の課題に取り組む週末のハッカソンです。',
      startsAt: day('2031-11-03', '10:00'),
    },
  },
  {
    key: 'shopping',
    lgCode: governments.kamiyama,
    input: {
      kind: 'notice',
      category: 'shopping_mobility',
      title: '移動販売車による買物支援',
      body: '山間部の集落へ、週2回の移動販売と見守りを行っています。',
    },
  },
];

/**
 * The search test set: a query (and filters), the posts it must find, and posts it must not. Covers
 * what the issue asks (「祭り」 finds 「夏祭り」, half-width and hiragana forms of ボランティア), full-width
 * Latin, old kanji forms, kana and kanji spellings, AND of several terms, filters and what must never
 * show (drafts, archived, registrants-only to others).
 */
interface Case {
  q?: string;
  filters?: Omit<SearchQuery, 'q'>;
  /** Must be in the results. */
  hits: string[];
  /** Must not be. When `exact`, nothing else may be there either. */
  misses?: string[];
  exact?: boolean;
}

const cases: Case[] = [
  { q: '祭り', hits: ['minato', 'mikoshi'], misses: ['draft', 'archived'] },
  { q: '夏祭り', hits: ['minato'], misses: ['mikoshi', 'archived'], exact: true },
  { q: 'まつり', hits: ['minato', 'mikoshi'] },
  { q: 'マツリ', hits: ['minato', 'mikoshi'] },
  { q: 'ﾏﾂﾘ', hits: ['minato', 'mikoshi'] },
  { q: '祭', hits: ['minato', 'mikoshi'] },
  { q: 'ボランティア', hits: ['minato', 'snow'], exact: true },
  { q: 'ﾎﾞﾗﾝﾃｨｱ', hits: ['minato', 'snow'], exact: true },
  { q: 'ぼらんてぃあ', hits: ['minato', 'snow'], exact: true },
  { q: 'ボランテイア', hits: ['minato', 'snow'], exact: true },
  { q: 'ｂｏｎ', hits: [], exact: true },
  { q: '神輿', hits: ['mikoshi'], exact: true },
  { q: 'みこし', hits: ['mikoshi'], exact: true },
  { q: '御輿', hits: ['mikoshi'], exact: true },
  { q: '盆踊り', hits: ['bon'], exact: true },
  { q: 'ぼんおどり', hits: ['bon'], exact: true },
  { q: '盆おどり', hits: ['bon'], exact: true },
  { q: '清掃', hits: ['cleanup'], exact: true },
  { q: 'そうじ', hits: ['cleanup'], exact: true },
  { q: 'ゴミ拾い', hits: ['cleanup'], exact: true },
  { q: 'ごみひろい', hits: ['cleanup'], exact: true },
  { q: 'ごみ', hits: ['minato', 'cleanup'], exact: true },
  { q: '田植え', hits: ['tanada'], exact: true },
  { q: 'たうえ', hits: ['tanada'], exact: true },
  { q: '草刈', hits: ['tanada'], exact: true },
  { q: '棚田', hits: ['tanada'], exact: true },
  { q: '援農', hits: ['tanada'], exact: true },
  { q: '高橋', hits: ['tanada'], exact: true },
  { q: '髙橋', hits: ['tanada'], exact: true },
  { q: '雪かき', hits: ['snow'], exact: true },
  { q: '除雪', hits: ['snow'], exact: true },
  { q: '空き家', hits: ['akiya'], exact: true },
  { q: '空家', hits: ['akiya'], exact: true },
  { q: 'あきや', hits: ['akiya'], exact: true },
  { q: '移住', hits: ['telework', 'akiya'], exact: true },
  { q: 'ワーケーション', hits: ['telework'], exact: true },
  { q: 'わーけーしょん', hits: ['telework'], exact: true },
  { q: '30万円', hits: ['telework'], exact: true },
  { q: '防災', hits: ['drill'], exact: true },
  { q: '避難訓練', hits: ['drill'], exact: true },
  { q: 'NPO', hits: ['kodomo'], exact: true },
  { q: 'ｎｐｏ', hits: ['kodomo'], exact: true },
  { q: '子ども', hits: ['minato', 'kodomo'], exact: true },
  { q: 'こども', hits: ['minato', 'kodomo'], exact: true },
  { q: '子供', hits: ['minato', 'kodomo'], exact: true },
  { q: 'kamiyama', hits: ['hackathon'], exact: true },
  { q: 'ＫＡＭＩＹＡＭＡ', hits: ['hackathon'], exact: true },
  { q: 'ハッカソン', hits: ['hackathon'], exact: true },
  { q: 'すだち', hits: ['sudachi', 'tanada'], exact: true },
  { q: '買い物', hits: ['shopping'], exact: true },
  { q: '買物', hits: ['shopping'], exact: true },
  { q: '見守り', hits: ['shopping'], exact: true },
  { q: '気仙沼', hits: ['minato', 'cleanup', 'bon'], misses: ['fanclub', 'draft', 'archived'], exact: true },
  { q: '気仙沼 祭り', hits: ['minato'], exact: true },
  { q: '気仙沼　ボランティア', hits: ['minato'], exact: true },
  { q: '神山町 すだち', hits: ['sudachi', 'tanada'], exact: true },
  { q: '祭り 神山', hits: [], exact: true },
  { q: '秋祭り', hits: [], misses: ['draft'], exact: true },
  { q: '磐梯山', hits: ['snow'], exact: true },
  { q: '3日間', hits: ['mikoshi'], exact: true },
  { q: 'の', hits: corpus.filter((post) => !post.state && post.key !== 'fanclub').map((post) => post.key) },
  { q: 'ファンクラブ', hits: [], misses: ['fanclub'], exact: true },
  { filters: { prefecture: '04' }, hits: ['minato', 'cleanup', 'bon', 'drill'], exact: true },
  { filters: { prefecture: '07' }, hits: ['telework', 'snow', 'kodomo'], exact: true },
  { filters: { lgCode: governments.kamiyama }, hits: ['tanada', 'sudachi', 'hackathon', 'shopping'], exact: true },
  { filters: { kind: 'recruitment' }, hits: ['minato', 'cleanup', 'bon', 'snow', 'mikoshi'], exact: true },
  { filters: { kind: 'attraction' }, hits: ['sudachi'], exact: true },
  { filters: { category: 'agriculture' }, hits: ['tanada'], exact: true },
  { filters: { category: 'festival' }, hits: ['minato', 'cleanup', 'bon', 'snow', 'mikoshi'], exact: true },
  { filters: { designated: 'true' }, hits: ['minato', 'cleanup', 'mikoshi'], exact: true },
  { filters: { openCapacity: 'true' }, hits: ['minato', 'bon', 'snow', 'mikoshi'], exact: true },
  { filters: { designated: 'true', openCapacity: 'true' }, hits: ['minato', 'mikoshi'], exact: true },
  { q: 'ボランティア', filters: { designated: 'true' }, hits: ['minato'], exact: true },
  { filters: { from: '2031-08-01', to: '2031-08-31' }, hits: ['minato', 'bon'], exact: true },
  { filters: { from: '2031-08-02', to: '2031-08-02' }, hits: ['minato'], exact: true },
  { filters: { from: '2031-10-11', to: '2031-10-11' }, hits: ['mikoshi'], exact: true },
  { q: '祭り', filters: { prefecture: '11' }, hits: ['mikoshi'], exact: true },
  { filters: { tag: '援農' }, hits: ['tanada'], exact: true },
];

describe('Japanese search text (pure)', () => {
  it('folds width, kana and variant kanji to one form', () => {
    const volunteer = normalizeForSearch('ボランティア');
    assert.equal(normalizeForSearch('ﾎﾞﾗﾝﾃｨｱ'), volunteer);
    assert.equal(normalizeForSearch('ぼらんてぃあ'), volunteer);
    assert.equal(normalizeForSearch('ＮＰＯ法人'), 'npo法人');
    assert.equal(normalizeForSearch('髙橋　邊見'), '高橋|辺見');
    assert.equal(normalizeForSearch('夏祭り（8月）'), '夏祭り|8月');
  });

  it('parses a query into terms with their variants; drops single kana', () => {
    const terms = parseQuery('夏まつり の 気仙沼');
    assert.deepEqual(
      terms.map((term) => term.term),
      ['夏まつり', '気仙沼'],
    );
    assert.deepEqual(
      terms[0]?.alternatives.map((alternative) => alternative.text),
      ['夏まつり', '夏祭り', '夏祭'],
    );
    assert.deepEqual(terms[1]?.alternatives[0]?.tokens, ['気仙', '仙沼']);
  });
});

describe('nationwide search', () => {
  let database: TestDatabase;
  const ids = new Map<string, string>();
  const keyOf = new Map<string, string>();
  let registrant: string;
  let stranger: string;

  async function project(lgCode: string, kind: NonNullable<CorpusPost['project']>): Promise<string> {
    return withTenant(database.db, lgCode, async (scope) => {
      let organisationId: string | null = null;
      if (kind === 'org_designated_open' || kind === 'inherit_open') {
        organisationId = uuidv7();
        await scope.trx
          .insertInto('organisations')
          .values({
            lg_code: lgCode,
            id: organisationId,
            name: kind === 'org_designated_open' ? 'みなとまつり実行委員会' : '地区自治会',
            kind: 'jichikai',
            status: 'approved',
            designated: kind === 'org_designated_open',
            designated_at: kind === 'org_designated_open' ? new Date() : null,
          })
          .execute();
      }
      const projectId = uuidv7();
      await scope.trx
        .insertInto('projects')
        .values({
          lg_code: lgCode,
          id: projectId,
          organisation_id: organisationId,
          title: '事業',
          category: 'festival',
          status: 'published',
          designation: kind === 'designated_open' || kind === 'designated_full' ? 'designated' : 'inherit',
          published_at: new Date(),
        })
        .execute();
      const full = kind === 'designated_full';
      await scope.trx
        .insertInto('activity_sessions')
        .values({
          lg_code: lgCode,
          id: uuidv7(),
          project_id: projectId,
          starts_at: new Date('2031-06-01T00:00:00Z'),
          ends_at: new Date('2031-06-01T03:00:00Z'),
          capacity: full ? 2 : 20,
          confirmed_count: full ? 2 : 3,
        })
        .execute();
      return projectId;
    });
  }

  before(async () => {
    database = await openTestDatabase();
    for (const lgCode of Object.values(governments)) {
      await joinTenant({ db: database.db, actor: systemActor, lgCode });
    }
    for (const post of corpus) {
      const actor = staffOf(post.lgCode);
      const projectId = post.project ? await project(post.lgCode, post.project) : undefined;
      const created = await createPost({
        db: database.db,
        actor,
        lgCode: post.lgCode,
        input: { ...post.input, ...(projectId ? { projectId } : {}) },
      });
      ids.set(post.key, created.id);
      keyOf.set(created.id, post.key);
      if (post.state === 'draft') continue;
      await publishPost({ db: database.db, actor, lgCode: post.lgCode, postId: created.id });
      if (post.state === 'archived') {
        await archivePost({ db: database.db, actor, lgCode: post.lgCode, postId: created.id });
      }
    }
    registrant = uuidv7();
    stranger = uuidv7();
    await database.db
      .insertInto('persons')
      .values([
        { id: registrant, email: 'fan@example.jp' },
        { id: stranger, email: 'stranger@example.jp' },
      ])
      .execute();
    await withTenant(database.db, governments.kesennuma, (scope) =>
      scope.trx
        .insertInto('registrations')
        .values({ lg_code: governments.kesennuma, id: uuidv7(), person_id: registrant })
        .execute(),
    );
  });

  after(async () => {
    await database?.close();
  });

  async function keys(query: SearchQuery): Promise<string[]> {
    const result = await searchPosts({ db: database.db, query: { perPage: 50, ...query } });
    return result.items.map((item) => keyOf.get(item.id) ?? item.id);
  }

  it(`answers the Japanese test set (${cases.length} queries)`, async () => {
    assert.ok(cases.length >= 50);
    const failures: string[] = [];
    for (const testCase of cases) {
      const found = await keys({ ...(testCase.q ? { q: testCase.q } : {}), ...testCase.filters });
      const label = `${testCase.q ?? ''} ${JSON.stringify(testCase.filters ?? {})}`;
      const missing = testCase.hits.filter((key) => !found.includes(key));
      const unwanted = (testCase.misses ?? []).filter((key) => found.includes(key));
      const extra = testCase.exact ? found.filter((key) => !testCase.hits.includes(key)) : [];
      if (missing.length || unwanted.length || extra.length) {
        failures.push(`${label}: missing ${missing.join(',')} unwanted ${[...unwanted, ...extra].join(',')}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('ranks a title match above a match in the text only', async () => {
    const found = await keys({ q: '祭り' });
    assert.ok(found.indexOf('minato') < found.indexOf('mikoshi') || found[0] === 'minato' || found[0] === 'mikoshi');
    const byTitle = await keys({ q: '援農' });
    assert.deepEqual(byTitle, ['tanada']);
    const mixed = await keys({ q: 'すだち' });
    assert.deepEqual(mixed, ['sudachi', 'tanada'], 'the title of sudachi, the text of tanada');
  });

  it('sorts by newest and by coming date, and pages', async () => {
    const newest = await keys({ kind: 'recruitment', sort: 'newest' });
    assert.deepEqual(newest, ['mikoshi', 'snow', 'bon', 'cleanup', 'minato']);
    const upcoming = await keys({ kind: 'recruitment', sort: 'upcoming' });
    assert.deepEqual(upcoming, ['cleanup', 'minato', 'bon', 'mikoshi', 'snow']);
    const second = await searchPosts({
      db: database.db,
      query: { kind: 'recruitment', sort: 'upcoming', perPage: '2', page: '2' },
    });
    assert.equal(second.total, 5);
    assert.deepEqual(
      second.items.map((item) => keyOf.get(item.id)),
      ['bon', 'mikoshi'],
    );
  });

  it('keeps registrants-only posts out of the nationwide search, in the registrants’ feed only', async () => {
    assert.deepEqual(await keys({ q: 'ファンクラブ' }), []);
    const feed = await myFeed({ db: database.db, personId: registrant });
    assert.ok(feed.items.some((item) => item.id === ids.get('fanclub')));
    const strangers = await myFeed({ db: database.db, personId: stranger });
    assert.equal(strangers.governments, 0);
    assert.deepEqual(strangers.items, []);
    const page = await getPublicPost({
      db: database.db,
      personId: registrant,
      lgCode: governments.kesennuma,
      postId: ids.get('fanclub')!,
    });
    assert.equal(page.title, '登録者限定 気仙沼ファンクラブ交流会');
    await assert.rejects(
      getPublicPost({
        db: database.db,
        personId: stranger,
        lgCode: governments.kesennuma,
        postId: ids.get('fanclub')!,
      }),
      /not found/i,
    );
  });

  it('refuses bad filters with the field named', async () => {
    await assert.rejects(
      searchPosts({ db: database.db, query: { prefecture: '48' } }),
      (error: unknown) =>
        error instanceof Error &&
        (error as { fieldErrors?: Array<{ field: string }> }).fieldErrors?.[0]?.field === 'prefecture',
    );
    await assert.rejects(searchPosts({ db: database.db, query: { from: '2031-09-01', to: '2031-08-01' } }));
  });

  it('a saved search tells its person of new matches once, through notifications', async () => {
    await saveSearch({ db: database.db, personId: stranger, input: { name: '東北の祭り', query: { q: '祭り' } } });
    await saveSearch({ db: database.db, personId: registrant, input: { query: { q: 'ファンクラブ' } } });
    const before = new Date(Date.now() + 1_000);
    assert.deepEqual(await checkSavedSearches({ db: database.db, now: before }), { checked: 2, notified: 0 });

    const actor = staffOf(governments.miyagi);
    const post = await createPost({
      db: database.db,
      actor,
      lgCode: governments.miyagi,
      input: { kind: 'event', title: '県民まつり', body: '県内各地のまつりが集まります。' },
    });
    await publishPost({
      db: database.db,
      actor,
      lgCode: governments.miyagi,
      postId: post.id,
      now: new Date(Date.now() + 2_000),
    });
    const fan = await createPost({
      db: database.db,
      actor: staffOf(governments.kesennuma),
      lgCode: governments.kesennuma,
      input: { kind: 'event', audience: 'registrants', title: 'ファンクラブ秋の集い' },
    });
    await publishPost({
      db: database.db,
      actor: staffOf(governments.kesennuma),
      lgCode: governments.kesennuma,
      postId: fan.id,
      now: new Date(Date.now() + 2_000),
    });
    const later = new Date(Date.now() + 10_000);
    assert.deepEqual(await checkSavedSearches({ db: database.db, now: later }), { checked: 2, notified: 2 });
    assert.deepEqual(await checkSavedSearches({ db: database.db, now: later }), { checked: 0, notified: 0 });

    const told = await database.db
      .selectFrom('notifications')
      .select(['person_id', 'kind', 'title', 'body', 'link'])
      .where('kind', '=', 'outreach.saved_search')
      .orderBy('person_id')
      .execute();
    const byPerson = new Map(told.map((row) => [row.person_id, row]));
    assert.equal(byPerson.get(stranger)?.title.ja, '保存した検索「東北の祭り」に新着が1件あります');
    assert.match(byPerson.get(stranger)?.body.ja ?? '', /・宮城県：県民まつり/);
    assert.equal(byPerson.get(stranger)?.link, '/search?q=%E7%A5%AD%E3%82%8A&sort=newest');
    assert.match(
      byPerson.get(registrant)?.body.ja ?? '',
      /ファンクラブ秋の集い/,
      'registrants-only posts count for registrants',
    );

    // The saved_search kind is a digest by default: no mail now.
    await deliverQueuedNotifications(database.db);
    const states = told.length
      ? await database.db
          .selectFrom('notifications')
          .select('email_state')
          .where('kind', '=', 'outreach.saved_search')
          .execute()
      : [];
    assert.deepEqual(
      states.map((row) => row.email_state),
      ['digest', 'digest'],
    );
  });
});
