import type { Kysely } from 'kysely';
import type { Actor } from '../platform/audit.js';
import type { Database } from '../platform/db/schema.js';
import { withTenant } from '../platform/db/tenant-scope.js';
import type { Logger } from '../platform/logger.js';
import { notify } from '../modules/outreach/index.js';
import { createPost, listRecruitableProjects, publishPost, type PostInput } from '../modules/outreach/posts.service.js';
import { saveSearch } from '../modules/outreach/search.service.js';

/** The demo governments' posts: what each would put up first (DOMAIN §6 for the flavour). */
const demoPosts: Array<{ lgCode: string; input: PostInput }> = [
  {
    lgCode: '042056',
    input: {
      kind: 'event',
      category: 'festival',
      title: '気仙沼みなとまつり 2027 夏祭りボランティア説明会',
      summary: '8月のみなとまつりを支えるボランティアの説明会をオンラインで開きます。',
      body: '会場設営、ごみの分別案内、子ども向け縁日の運営などをお願いしています。\n初めての方も、遠方にお住まいの方も歓迎です。',
      placeName: 'オンライン（Zoom）',
      startsAt: '2027-07-10T19:00:00+09:00',
      endsAt: '2027-07-10T20:00:00+09:00',
      tags: ['夏祭り', 'ボランティア'],
    },
  },
  {
    lgCode: '042056',
    input: {
      kind: 'notice',
      title: '気仙沼ファンクラブ会員証の新しいデザインについて',
      body: 'ふるさと住民登録の登録証に、気仙沼の木で作った会員証のデザインを取り入れました。',
      tags: ['ファンクラブ'],
    },
  },
  {
    lgCode: '042056',
    input: {
      kind: 'event',
      audience: 'registrants',
      title: '登録者限定：東京で気仙沼の夕べ',
      body: '東京・日本橋で、まちの人と語り合う交流会です。ふるさと住民の方だけにご案内しています。',
      placeName: '宮城ふるさとプラザ',
      startsAt: '2027-06-20T18:30:00+09:00',
    },
  },
  {
    lgCode: '040002',
    input: {
      kind: 'notice',
      category: 'disaster_prevention',
      title: '県内一斉 防災訓練のお知らせ',
      body: '津波を想定した避難訓練を行います。ふるさと住民の皆さんも参加できます。',
      startsAt: '2027-09-01T10:00:00+09:00',
    },
  },
  {
    lgCode: '074071',
    input: {
      kind: 'attraction',
      category: 'tourism_exchange',
      title: '磐梯町の愛着人口：会津磐梯山のふもとで暮らす',
      body: '滞在費の補助や、町の行事への参加の機会があります。ﾜｰｹｰｼｮﾝの拠点もご案内します。',
      tags: ['移住', 'ワーケーション'],
    },
  },
  {
    lgCode: '070009',
    input: {
      kind: 'notice',
      category: 'tourism_exchange',
      title: 'ふくしまテレワーク補助金のご案内',
      body: '長期滞在は経費の3/4（上限30万円）、短期滞在は1泊あたり1/2（上限1万円）を補助します。',
      tags: ['テレワーク', '補助金'],
    },
  },
  {
    lgCode: '113611',
    input: {
      kind: 'event',
      category: 'vacant_houses',
      title: '横瀬町の空き家リノベーション見学会',
      body: '空家を改修したシェアハウスとコワーキングスペースを見学します。移住相談もできます。',
      startsAt: '2027-06-05T13:00:00+09:00',
    },
  },
  {
    lgCode: '363421',
    input: {
      kind: 'event',
      category: 'agriculture',
      title: '神山の棚田で草刈りと田植えの援農',
      body: '棚田の保全のため、草刈りと田植えを手伝ってください。昼食はすだち入りのおにぎりです。',
      startsAt: '2027-05-23T08:30:00+09:00',
      tags: ['援農', '棚田'],
    },
  },
];

function demoStaff(lgCode: string): Actor {
  return {
    kind: 'staff',
    id: 'demo-seed',
    secondFactor: true,
    memberships: [
      { lgCode, membershipId: '00000000-0000-7000-8000-000000000001', role: 'tenant_admin', organisationId: null },
    ],
  };
}

async function hasPosts(db: Kysely<Database>, lgCode: string): Promise<boolean> {
  return withTenant(db, lgCode, async (scope) =>
    Boolean(await scope.trx.selectFrom('posts').select('id').where('lg_code', '=', lgCode).limit(1).executeTakeFirst()),
  );
}

/**
 * Posts of the demo governments (published, so the registrants are told and the search finds them), a
 * call for help for any published project a government already has, and for hanako a saved search and
 * a notification about it. Idempotent: a government that has posts gets none.
 */
export async function seedOutreachDemo(
  db: Kysely<Database>,
  options: { hanakoPersonId?: string; logger?: Logger },
): Promise<number> {
  let made = 0;
  let callForHelp = false;
  const seeded = new Set<string>();
  for (const { lgCode, input } of demoPosts) {
    if (!seeded.has(lgCode) && (await hasPosts(db, lgCode))) continue;
    seeded.add(lgCode);
    const actor = demoStaff(lgCode);
    const post = await createPost({ db, actor, lgCode, input });
    await publishPost({ db, actor, lgCode, postId: post.id });
    made += 1;
    if (lgCode === '042056' && !callForHelp) {
      callForHelp = true;
      const [project] = await listRecruitableProjects({ db, actor, lgCode });
      if (project) {
        const call = await createPost({
          db,
          actor,
          lgCode,
          input: {
            kind: 'recruitment',
            title: `${project.title} 担い手募集`,
            body: '一緒に活動してくださる方を募集しています。',
            projectId: project.id,
          },
        });
        await publishPost({ db, actor, lgCode, postId: call.id });
        made += 1;
      }
    }
  }
  if (made > 0 && options.hanakoPersonId) {
    const saved = await saveSearch({
      db,
      personId: options.hanakoPersonId,
      input: { name: '東北の祭り', query: { q: '祭り', prefecture: '04' } },
    });
    await notify(db, {
      personId: options.hanakoPersonId,
      lgCode: '042056',
      kind: 'outreach.saved_search',
      title: { ja: '保存した検索「東北の祭り」に新着が1件あります', en: '1 new for your saved search “東北の祭り”' },
      body: {
        ja: '・宮城県気仙沼市：気仙沼みなとまつり 2027 夏祭りボランティア説明会',
        en: '・宮城県気仙沼市：気仙沼みなとまつり 2027 夏祭りボランティア説明会',
      },
      link: `${saved.path}&sort=newest`,
      idempotencyKey: 'demo:saved-search',
    });
  }
  if (made > 0) options.logger?.info({ posts: made }, 'demo posts loaded');
  return made;
}
