import type { Kysely } from 'kysely';
import type { Actor } from '../platform/audit.js';
import type { Database } from '../platform/db/schema.js';
import { withTenant } from '../platform/db/tenant-scope.js';
import { findOrCreatePerson } from '../modules/identity/index.js';
import {
  answerSurvey,
  createRoom,
  createSurvey,
  createThread,
  listSurveys,
  publishSurvey,
  replaceSurveyQuestions,
  replyToThread,
  saveRoomProfile,
} from '../modules/outreach/index.js';
import { registerWithGovernment } from '../modules/registrations/index.js';

/**
 * Demo of surveys and community rooms in 気仙沼市: an open monitor survey that 10 demo registrants have
 * answered (enough for the results to show under the privacy rule) and hanako has not (she can try it), and
 * the town's room with a thread and replies. Idempotent: nothing is added once the survey exists.
 */
const kesennuma = '042056';
export const demoSurveyTitle = '気仙沼の港まちについてのアンケート';

/** People who answered the demo survey: registrants of 気仙沼市, never signing in (no mail is sent). */
export const demoRespondents = Array.from({ length: 10 }, (_, index) => ({
  email: `respondent${String(index + 1).padStart(2, '0')}@furusato-demo.example`,
  displayName: `デモ回答者 ${index + 1}`,
}));

const comments = [
  '朝市の活気が好きです',
  'もっと海の見える宿があればうれしいです',
  '子ども連れで行ける催しが欲しいです',
];

/** Varied answers: three in four visited, and every third writes a comment. */
const answersOf = (index: number): Record<string, unknown> => {
  const visited = index % 4 !== 3;
  return {
    q1: visited ? 'c1' : 'c2',
    ...(visited ? { q2: index % 2 === 0 ? ['c1', 'c2'] : ['c3'] } : {}),
    q3: String((index % 5) + 1),
    ...(index % 3 === 0 ? { q4: comments[(index / 3) % comments.length] } : {}),
  };
};

async function staffActorOf(db: Kysely<Database>, email: string): Promise<Actor | undefined> {
  const person = await db.selectFrom('persons').select('id').where('email', '=', email).executeTakeFirst();
  if (!person) return undefined;
  const membership = await withTenant(db, kesennuma, (scope) =>
    scope.trx
      .selectFrom('staff_memberships')
      .select(['id', 'role'])
      .where('person_id', '=', person.id)
      .where('status', '=', 'active')
      .executeTakeFirst(),
  );
  if (!membership) return undefined;
  return {
    kind: 'staff',
    id: person.id,
    secondFactor: true,
    memberships: [{ lgCode: kesennuma, membershipId: membership.id, role: membership.role, organisationId: null }],
  };
}

export async function seedOutreachRoomsDemo(db: Kysely<Database>): Promise<boolean> {
  const admin = await staffActorOf(db, 'admin@kesennuma.furusato-demo.example');
  const staff = await staffActorOf(db, 'staff@kesennuma.furusato-demo.example');
  if (!admin || !staff) return false;
  const surveys = await listSurveys({ db, actor: admin, lgCode: kesennuma });
  if (surveys.some((survey) => survey.title === demoSurveyTitle)) return false;

  const survey = await createSurvey({
    db,
    actor: admin,
    lgCode: kesennuma,
    input: {
      title: demoSurveyTitle,
      titleEn: 'A survey about Kesennuma, the port town',
      description: '気仙沼市のふるさと住民のみなさまに、港まちの印象をうかがいます。3分ほどで答えられます。',
      closesAt: new Date(Date.now() + 365 * 86_400_000),
    },
  });
  await replaceSurveyQuestions({
    db,
    actor: admin,
    lgCode: kesennuma,
    surveyId: survey.id,
    questions: [
      {
        id: 'q1',
        kind: 'single',
        label: { ja: 'この1年に気仙沼を訪れましたか', en: 'Did you visit Kesennuma this past year?' },
        required: true,
        choices: [
          { value: 'c1', label: { ja: '訪れた', en: 'Yes' } },
          { value: 'c2', label: { ja: '訪れていない', en: 'No' } },
        ],
      },
      {
        id: 'q2',
        kind: 'multiple',
        label: { ja: '訪れたときにしたこと', en: 'What did you do there?' },
        required: true,
        showIf: { questionId: 'q1', anyOf: ['c1'] },
        choices: [
          { value: 'c1', label: { ja: '朝市・買い物', en: 'Morning market, shopping' } },
          { value: 'c2', label: { ja: '祭り・イベント', en: 'Festivals, events' } },
          { value: 'c3', label: { ja: '家族・知人を訪ねた', en: 'Visited family or friends' } },
          { value: 'c4', label: { ja: 'ボランティア・担い手活動', en: 'Volunteering' } },
        ],
      },
      {
        id: 'q3',
        kind: 'scale',
        label: { ja: '気仙沼にまた行きたいと思いますか', en: 'Would you like to go again?' },
        required: true,
        min: 1,
        max: 5,
        minLabel: { ja: 'そう思わない', en: 'Not at all' },
        maxLabel: { ja: 'とてもそう思う', en: 'Very much' },
      },
      {
        id: 'q4',
        kind: 'text',
        label: { ja: '市へのご意見・ご要望', en: 'Your ideas for the city' },
        required: false,
        maxLength: 1000,
        multiline: true,
      },
    ],
  });
  await publishSurvey({ db, actor: admin, lgCode: kesennuma, surveyId: survey.id });

  for (const [index, respondent] of demoRespondents.entries()) {
    const { personId, created } = await findOrCreatePerson({ db, ...respondent });
    if (created) {
      await registerWithGovernment({
        db,
        personId,
        lgCode: kesennuma,
        input: {
          ties: index % 2 === 0 ? ['furusato_nozei'] : ['tourism_or_homecoming', 'volunteer'],
          linkPrefecture: false,
        },
      });
    }
    await answerSurvey({ db, personId, lgCode: kesennuma, surveyId: survey.id, answers: answersOf(index) });
  }

  const { id: roomId } = await createRoom({
    db,
    actor: admin,
    lgCode: kesennuma,
    input: {
      name: '気仙沼ふるさと住民の広場',
      description:
        '気仙沼市のふるさと住民と市の職員の交流の場です。お互いを尊重し、個人情報（住所・電話番号など）は書かないでください。',
    },
  });
  const first = demoRespondents[0]!;
  const second = demoRespondents[1]!;
  const personOf = async (email: string) =>
    (await db.selectFrom('persons').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
  const asPerson = async (email: string): Promise<Actor> => ({ kind: 'person', id: await personOf(email) });
  const firstActor = await asPerson(first.email);
  const secondActor = await asPerson(second.email);
  await saveRoomProfile({
    db,
    actor: firstActor,
    lgCode: kesennuma,
    input: { handle: 'umineko', displayName: 'うみねこ' },
  });
  await saveRoomProfile({
    db,
    actor: secondActor,
    lgCode: kesennuma,
    input: { handle: 'katsuo_fan', displayName: 'かつお好き' },
  });
  await saveRoomProfile({
    db,
    actor: staff,
    lgCode: kesennuma,
    input: { handle: 'kesennuma_city', displayName: '気仙沼市 ふるさと住民係' },
  });
  const { threadId } = await createThread({
    db,
    actor: firstActor,
    lgCode: kesennuma,
    roomId,
    input: {
      title: '朝市のおすすめを教えてください',
      body: '来月、久しぶりに帰省します。朝市で買うならおすすめは何ですか？',
    },
  });
  await replyToThread({
    db,
    actor: secondActor,
    lgCode: kesennuma,
    roomId,
    threadId,
    input: { body: '@umineko 初夏ならカツオです！ 早い時間に行くのがおすすめです。' },
  });
  await replyToThread({
    db,
    actor: staff,
    lgCode: kesennuma,
    roomId,
    threadId,
    input: { body: '市からのお知らせです。朝市は毎週日曜の朝6時からです。帰省の際はぜひお立ち寄りください。' },
  });
  return true;
}
