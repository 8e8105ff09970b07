import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { v7 as uuidv7 } from 'uuid';
import { withTenant } from '../../platform/db/tenant-scope.js';
import type { TestClient } from '../../../test/support/client.js';
import { signedInClient, startTestRuntime, type TestRuntime } from '../../../test/support/runtime.js';
import { joinTenants, signedInStaff, type StaffSession } from '../../../test/support/staff.js';
import { registerWithGovernment } from '../registrations/index.js';
import { mentionedHandles } from './rooms.policy.js';

const kesennuma = '042056';
const kamiyama = '363421';

describe('mentions', () => {
  it('finds @handles after a start, a space or punctuation, each once, never inside an address', () => {
    assert.deepEqual(mentionedHandles('@Bob_K さん、@carol と @bob_k へ。mail@example.jp は違う（@dan）'), [
      'bob_k',
      'carol',
      'dan',
    ]);
    assert.deepEqual(mentionedHandles('@a は短すぎ、@toolonghandle_toolonghandle も'), []);
  });
});

type Json = Record<string, unknown>;

describe('community rooms: threads, mentions, reactions, reports and moderation', () => {
  let runtime: TestRuntime;
  let admin: StaffSession;
  let organisationStaff: StaffSession;
  let otherTown: StaffSession;
  let alice: { client: TestClient; personId: string };
  let bob: { client: TestClient; personId: string };
  let carol: { client: TestClient; personId: string };
  let stranger: { client: TestClient; personId: string };
  const db = () => runtime.database.db;
  const organisationId = uuidv7();
  const ownProject = uuidv7();
  const otherProject = uuidv7();
  const draftProject = uuidv7();
  let townRoom = '';
  let projectRoom = '';
  let threadId = '';
  let firstPostId = '';

  async function json(response: Response): Promise<Json> {
    const text = await response.text();
    try {
      return JSON.parse(text) as Json;
    } catch {
      throw new Error(`not JSON (${response.status}): ${text.slice(0, 300)}`);
    }
  }

  async function notificationsOf(personId: string, kind: string) {
    return db()
      .selectFrom('notifications')
      .select(['title', 'body', 'link', 'about_lg_code'])
      .where('person_id', '=', personId)
      .where('kind', '=', kind)
      .orderBy('created_at')
      .execute();
  }

  async function audit(action: string) {
    return withTenant(db(), kesennuma, (scope) =>
      scope.trx
        .selectFrom('audit_events')
        .select(['actor_id', 'subject_id', 'data'])
        .where('action', '=', action)
        .orderBy('occurred_at')
        .execute(),
    );
  }

  const room = (id: string) => `/api/v1/rooms/${kesennuma}/${id}`;
  const staffApi = `/api/v1/tenants/${kesennuma}`;

  before(async () => {
    runtime = await startTestRuntime();
    await joinTenants(runtime, [kesennuma, kamiyama]);
    admin = await signedInStaff(runtime, {
      lgCode: kesennuma,
      email: 'admin@kesennuma.example.jp',
      role: 'tenant_admin',
    });
    organisationStaff = await signedInStaff(runtime, {
      lgCode: kesennuma,
      email: 'jichikai@kesennuma.example.jp',
      role: 'organisation_staff',
    });
    otherTown = await signedInStaff(runtime, {
      lgCode: kamiyama,
      email: 'admin@kamiyama.example.jp',
      role: 'tenant_admin',
    });
    await withTenant(db(), kesennuma, async (scope) => {
      const otherOrganisation = uuidv7();
      await scope.trx
        .insertInto('organisations')
        .values([
          { lg_code: kesennuma, id: organisationId, name: '魚町自治会', kind: 'jichikai', status: 'approved' },
          { lg_code: kesennuma, id: otherOrganisation, name: '気仙沼NPO', kind: 'npo', status: 'approved' },
        ])
        .execute();
      await scope.trx
        .insertInto('projects')
        .values([
          {
            lg_code: kesennuma,
            id: ownProject,
            organisation_id: organisationId,
            title: '港の清掃',
            category: 'environment',
            status: 'published',
          },
          {
            lg_code: kesennuma,
            id: otherProject,
            organisation_id: otherOrganisation,
            title: 'みなと祭り',
            category: 'festival',
            status: 'published',
          },
          {
            lg_code: kesennuma,
            id: draftProject,
            organisation_id: organisationId,
            title: '準備中の事業',
            category: 'other',
          },
        ])
        .execute();
      await scope.trx
        .updateTable('staff_memberships')
        .set({ organisation_id: organisationId })
        .where('person_id', '=', organisationStaff.personId)
        .execute();
    });
    alice = await signedInClient(runtime, 'alice@example.jp');
    bob = await signedInClient(runtime, 'bob@example.jp');
    carol = await signedInClient(runtime, 'carol@example.jp');
    stranger = await signedInClient(runtime, 'stranger@example.jp');
    for (const person of [alice, bob]) {
      await registerWithGovernment({
        db: db(),
        personId: person.personId,
        lgCode: kesennuma,
        input: { ties: ['family'] },
      });
    }
    await registerWithGovernment({ db: db(), personId: carol.personId, lgCode: kamiyama, input: { ties: ['family'] } });
  });

  after(async () => {
    await runtime?.close();
  });

  it('staff open rooms: the government’s own, and one per published project (organisation staff: their own)', async () => {
    const made = await admin.client.sendJson(`${staffApi}/rooms`, {
      name: '気仙沼ふるさと住民の広場',
      description: 'ご自由にどうぞ。個人情報は書かないでください。',
    });
    assert.equal(made.status, 201, await made.clone().text());
    townRoom = (await json(made)).id as string;

    const own = await organisationStaff.client.sendJson(`${staffApi}/rooms`, {
      name: '港の清掃の部屋',
      projectId: ownProject,
    });
    assert.equal(own.status, 201, await own.clone().text());
    projectRoom = (await json(own)).id as string;
    const twice = await admin.client.sendJson(`${staffApi}/rooms`, { name: 'もう一つ', projectId: ownProject });
    assert.equal(twice.status, 409);
    assert.equal((await json(twice)).code, 'room_exists');
    const others = await organisationStaff.client.sendJson(`${staffApi}/rooms`, {
      name: '他団体',
      projectId: otherProject,
    });
    assert.equal(others.status, 403);
    const government = await organisationStaff.client.sendJson(`${staffApi}/rooms`, { name: '自治体の部屋' });
    assert.equal(government.status, 403);
    const draft = await organisationStaff.client.sendJson(`${staffApi}/rooms`, {
      name: '準備中',
      projectId: draftProject,
    });
    assert.equal(draft.status, 409);
    assert.equal((await json(draft)).code, 'project_not_published');

    const listed = (await json(await organisationStaff.client.get(`${staffApi}/rooms`))) as {
      rooms: Array<{ id: string }>;
    };
    assert.deepEqual(
      listed.rooms.map((entry) => entry.id),
      [projectRoom],
      'organisation staff look after their project room only',
    );
    assert.deepEqual(
      (await audit('room.created')).map((event) => event.actor_id),
      [admin.personId, organisationStaff.personId],
    );
  });

  it('only registrants of the government and its staff see a room; anyone else gets 404', async () => {
    assert.equal((await alice.client.get(room(townRoom))).status, 200);
    assert.equal((await admin.client.get(room(townRoom))).status, 200);
    for (const [who, client] of [
      ['a registrant of 神山町 only', carol.client],
      ['a person registered nowhere', stranger.client],
      ['another government’s administrator', otherTown.client],
      ['organisation staff, in the government’s own room', organisationStaff.client],
    ] as const) {
      assert.equal((await client.get(room(townRoom))).status, 404, who);
      assert.equal((await client.sendJson(`${room(townRoom)}/threads`, { title: 'x', body: 'y' })).status, 404, who);
    }
    assert.equal((await organisationStaff.client.get(room(projectRoom))).status, 200);
    assert.equal((await runtime.client().get(room(townRoom))).status, 401);
    const page = await carol.client.get(`/rooms/${kesennuma}/${townRoom}`);
    assert.equal(page.status, 404);
    const mine = (await json(await alice.client.get('/api/v1/me/rooms'))) as { items: Array<{ id: string }> };
    assert.deepEqual(mine.items.map((entry) => entry.id).sort(), [townRoom, projectRoom].sort());
    assert.deepEqual((await json(await carol.client.get('/api/v1/me/rooms'))).items, []);
    assert.equal(
      (await carol.client.sendJson(`/api/v1/rooms/${kesennuma}/profile`, { handle: 'carol', displayName: 'C' }, 'PUT'))
        .status,
      404,
    );
  });

  it('asks for a room name first; handles are unique in the government', async () => {
    const early = await alice.client.sendJson(`${room(townRoom)}/threads`, { title: 'はじめまして', body: 'よろしく' });
    assert.equal(early.status, 409);
    assert.equal((await json(early)).code, 'room_profile_required');
    const named = await alice.client.sendJson(
      `/api/v1/rooms/${kesennuma}/profile`,
      { handle: 'Alice_K', displayName: 'ありす' },
      'PUT',
    );
    assert.equal(named.status, 200);
    const clash = await bob.client.sendJson(
      `/api/v1/rooms/${kesennuma}/profile`,
      { handle: 'alice_k', displayName: 'ぼぶ' },
      'PUT',
    );
    assert.equal(clash.status, 409);
    assert.equal((await json(clash)).code, 'room_handle_taken');
    const bad = await bob.client.sendJson(
      `/api/v1/rooms/${kesennuma}/profile`,
      { handle: 'ぼぶ', displayName: 'ぼぶ' },
      'PUT',
    );
    assert.equal(bad.status, 400);
    assert.equal(
      (await bob.client.sendJson(`/api/v1/rooms/${kesennuma}/profile`, { handle: 'bob_k', displayName: 'ぼぶ' }, 'PUT'))
        .status,
      200,
    );
    assert.equal(
      (
        await admin.client.sendJson(
          `/api/v1/rooms/${kesennuma}/profile`,
          { handle: 'kesennuma_city', displayName: '気仙沼市 ふるさと係' },
          'PUT',
        )
      ).status,
      200,
    );
  });

  it('threads and replies; a mention notifies the person named, never the author or an outsider', async () => {
    const started = await alice.client.sendJson(`${room(townRoom)}/threads`, {
      title: '朝市のおすすめ',
      body: '@bob_k さん、おすすめを教えてください。@alice_k @nobody_here',
    });
    assert.equal(started.status, 201, await started.clone().text());
    ({ threadId, postId: firstPostId } = (await json(started)) as { threadId: string; postId: string });

    const mentions = await notificationsOf(bob.personId, 'outreach.room_mention');
    assert.equal(mentions.length, 1);
    assert.deepEqual(mentions[0]?.title, { ja: 'ありすさんがあなたの名前を書きました', en: 'ありす mentioned you' });
    assert.equal(mentions[0]?.link, `/rooms/${kesennuma}/${townRoom}/threads/${threadId}#post-${firstPostId}`);
    assert.equal(mentions[0]?.about_lg_code, kesennuma);
    assert.deepEqual(await notificationsOf(alice.personId, 'outreach.room_mention'), [], 'not for mentioning oneself');

    const reply = await bob.client.sendJson(`${room(townRoom)}/threads/${threadId}/posts`, {
      body: 'カツオがおすすめです @Alice_K',
    });
    assert.equal(reply.status, 201);
    assert.equal((await notificationsOf(alice.personId, 'outreach.room_mention')).length, 1);
    const staffReply = await admin.client.sendJson(`${room(townRoom)}/threads/${threadId}/posts`, {
      body: '朝市は日曜の朝6時からです。',
    });
    assert.equal(staffReply.status, 201);

    const thread = (await json(await alice.client.get(`${room(townRoom)}/threads/${threadId}`))) as {
      thread: { postCount: number };
      posts: Array<{ body: string; author: { handle: string; staff: boolean } }>;
    };
    assert.equal(thread.thread.postCount, 3);
    assert.deepEqual(
      thread.posts.map((post) => [post.author.handle, post.author.staff]),
      [
        ['Alice_K', false],
        ['bob_k', false],
        ['kesennuma_city', true],
      ],
    );
    const list = (await json(await bob.client.get(room(townRoom)))) as {
      threads: Array<{ id: string; postCount: number }>;
    };
    assert.deepEqual(
      list.threads.map((entry) => [entry.id, entry.postCount]),
      [[threadId, 3]],
    );

    const empty = await bob.client.sendJson(`${room(townRoom)}/threads/${threadId}/posts`, { body: '   ' });
    assert.equal(empty.status, 400);
    assert.match(
      ((await json(empty)).errors as Array<{ message: string }>)[0]?.message ?? '',
      /本文を入力してください/,
    );
  });

  it('reacts once per kind, and takes it back', async () => {
    const path = `${room(townRoom)}/posts/${firstPostId}/reactions/like`;
    assert.equal((await bob.client.sendJson(path, undefined, 'PUT')).status, 204);
    assert.equal((await bob.client.sendJson(path, undefined, 'PUT')).status, 204);
    assert.equal(
      (await admin.client.sendJson(`${room(townRoom)}/posts/${firstPostId}/reactions/thanks`, undefined, 'PUT')).status,
      204,
    );
    const seen = async (client: TestClient) =>
      (
        (await json(await client.get(`${room(townRoom)}/threads/${threadId}`))) as {
          posts: Array<{ reactions: Array<{ kind: string; count: number; mine: boolean }> }>;
        }
      ).posts[0]?.reactions;
    assert.deepEqual(await seen(bob.client), [
      { kind: 'like', count: 1, mine: true },
      { kind: 'thanks', count: 1, mine: false },
      { kind: 'cheer', count: 0, mine: false },
    ]);
    assert.equal((await bob.client.sendJson(path, undefined, 'DELETE')).status, 204);
    assert.equal((await seen(alice.client))?.[0]?.count, 0);
    assert.equal(
      (await bob.client.sendJson(`${room(townRoom)}/posts/${firstPostId}/reactions/angry`, undefined, 'PUT')).status,
      400,
    );
  });

  it('a report goes to staff once; hiding the post tells the reporter and the author, and is audited', async () => {
    const path = `${room(townRoom)}/posts/${firstPostId}/reports`;
    const reported = await bob.client.sendJson(path, { reason: 'personal_info', note: '電話番号が書かれています' });
    assert.equal(reported.status, 201);
    const again = await bob.client.sendJson(path, { reason: 'spam' });
    assert.equal(again.status, 409);
    assert.equal((await json(again)).code, 'room_report_exists');

    // Organisation staff do not moderate the government's room.
    assert.equal((await organisationStaff.client.get(`${staffApi}/rooms`)).status, 200);
    const queue = (await json(await admin.client.get(`${staffApi}/rooms`))) as {
      reports: Array<{ id: string; postId: string; reason: string; author: { handle: string } }>;
    };
    assert.deepEqual(
      queue.reports.map((report) => [report.postId, report.reason, report.author.handle]),
      [[firstPostId, 'personal_info', 'Alice_K']],
    );
    const reportId = queue.reports[0]!.id;
    const noReason = await admin.client.sendJson(`${staffApi}/room-reports/${reportId}/resolution`, {
      outcome: 'hidden',
    });
    assert.equal(noReason.status, 400);
    const outsider = await otherTown.client.sendJson(
      `/api/v1/tenants/${kamiyama}/room-reports/${reportId}/resolution`,
      {
        outcome: 'no_action',
      },
    );
    assert.equal(outsider.status, 404);
    const decided = await admin.client.sendJson(`${staffApi}/room-reports/${reportId}/resolution`, {
      outcome: 'hidden',
      reason: '個人情報が含まれていたため',
    });
    assert.equal(decided.status, 204, await decided.clone().text());

    const asBob = (await json(await bob.client.get(`${room(townRoom)}/threads/${threadId}`))) as {
      posts: Array<{ id: string; body: string | null; status: string; hiddenReason: string | null }>;
    };
    assert.deepEqual(asBob.posts[0], { ...asBob.posts[0], body: null, status: 'hidden', hiddenReason: null });
    const asAlice = (await json(await alice.client.get(`${room(townRoom)}/threads/${threadId}`))) as typeof asBob;
    assert.equal(asAlice.posts[0]?.hiddenReason, '個人情報が含まれていたため');
    assert.match(asAlice.posts[0]?.body ?? '', /おすすめを教えてください/);

    const toReporter = await notificationsOf(bob.personId, 'outreach.room_moderation');
    assert.equal(toReporter.length, 1);
    assert.match((toReporter[0]?.body as { ja: string }).ja, /非表示にしました/);
    const toAuthor = await notificationsOf(alice.personId, 'outreach.room_moderation');
    assert.equal(toAuthor.length, 1);
    assert.match((toAuthor[0]?.body as { ja: string }).ja, /理由: 個人情報が含まれていたため/);
    assert.deepEqual(
      (await audit('room.post_hidden')).map((event) => [event.actor_id, event.subject_id]),
      [[admin.personId, firstPostId]],
    );
    assert.deepEqual(
      (await audit('room.reports_resolved')).map((event) => (event.data as Json).outcome),
      ['hidden'],
    );
    const after = (await json(await admin.client.get(`${staffApi}/rooms`))) as { reports: unknown[] };
    assert.deepEqual(after.reports, []);
  });

  it('locks a thread against replies, bans a member from the room, hides a thread; each told and audited', async () => {
    const moderate = (body: Json) => admin.client.sendJson(`${staffApi}/rooms/${townRoom}/moderation`, body);
    const reply = (client: TestClient) =>
      client.sendJson(`${room(townRoom)}/threads/${threadId}/posts`, { body: 'もう一言' });

    assert.equal((await moderate({ action: 'lock_thread', targetId: threadId })).status, 204);
    const locked = await reply(bob.client);
    assert.equal(locked.status, 409);
    assert.equal((await json(locked)).code, 'room_thread_locked');
    assert.equal((await moderate({ action: 'unlock_thread', targetId: threadId })).status, 204);
    assert.equal((await reply(bob.client)).status, 201);

    // Registrants cannot moderate: for them the endpoint's room does not exist.
    const byRegistrant = await bob.client.sendJson(`${staffApi}/rooms/${townRoom}/moderation`, {
      action: 'lock_thread',
      targetId: threadId,
    });
    assert.equal(byRegistrant.status, 404);

    const thread = (await json(await admin.client.get(`${room(townRoom)}/threads/${threadId}`))) as {
      posts: Array<{ author: { memberId: string; handle: string } }>;
    };
    const bobMember = thread.posts.find((post) => post.author.handle === 'bob_k')!.author.memberId;
    assert.equal((await moderate({ action: 'ban_member', targetId: bobMember })).status, 400, 'a ban needs a reason');
    assert.equal((await moderate({ action: 'ban_member', targetId: bobMember, reason: '度重なる宣伝' })).status, 204);
    const banned = await reply(bob.client);
    assert.equal(banned.status, 403);
    assert.equal((await json(banned)).code, 'room_banned');
    assert.equal((await bob.client.get(`${room(townRoom)}/threads/${threadId}`)).status, 200, 'still reads');
    assert.equal(
      (await bob.client.sendJson(`${room(projectRoom)}/threads`, { title: '別の部屋', body: 'ここは大丈夫' })).status,
      201,
      'only that room',
    );
    const told = await notificationsOf(bob.personId, 'outreach.room_moderation');
    assert.match((told.at(-1)?.body as { ja: string }).ja, /閲覧はできます。\n理由: 度重なる宣伝/);

    const bans = (await json(await admin.client.get(`${staffApi}/rooms`))) as { bans: Array<{ id: string }> };
    assert.equal((await moderate({ action: 'lift_ban', targetId: bans.bans[0]!.id })).status, 204);
    assert.equal((await reply(bob.client)).status, 201);

    assert.equal(
      (await moderate({ action: 'hide_thread', targetId: threadId, reason: '話題がルームの目的と違うため' })).status,
      204,
    );
    assert.equal((await bob.client.get(`${room(townRoom)}/threads/${threadId}`)).status, 404);
    const bobList = (await json(await bob.client.get(room(townRoom)))) as { threads: unknown[] };
    assert.deepEqual(bobList.threads, []);
    assert.equal(
      (await alice.client.get(`${room(townRoom)}/threads/${threadId}`)).status,
      200,
      'its author still sees it',
    );
    const adminList = (await json(await admin.client.get(room(townRoom)))) as { threads: Array<{ hidden: boolean }> };
    assert.deepEqual(
      adminList.threads.map((entry) => entry.hidden),
      [true],
    );

    for (const action of [
      'room.thread_locked',
      'room.thread_unlocked',
      'room.member_banned',
      'room.ban_lifted',
      'room.thread_hidden',
    ]) {
      const events = await audit(action);
      assert.equal(events.length, 1, action);
      assert.equal(events[0]?.actor_id, admin.personId, action);
    }
  });

  it('posts through the pages without JavaScript, with errors in Japanese', async () => {
    const page = await alice.client.get(`/rooms/${kesennuma}/${projectRoom}`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /港の清掃の部屋/);
    assert.match(html, /事業「港の清掃」のルーム/);
    const refused = await alice.client.postForm(`/rooms/${kesennuma}/${projectRoom}/threads`, { title: '', body: '' });
    assert.equal(refused.status, 400);
    const refusedHtml = await refused.text();
    assert.match(refusedHtml, /タイトル: タイトルを入力してください/);
    assert.match(refusedHtml, /本文: 本文を入力してください/);
    const posted = await alice.client.postForm(`/rooms/${kesennuma}/${projectRoom}/threads`, {
      title: '集合場所',
      body: '駅前に8時でよいですか',
    });
    assert.equal(posted.status, 303);
    const location = posted.headers.get('location') ?? '';
    assert.match(location, new RegExp(`^/rooms/${kesennuma}/${projectRoom}/threads/[0-9a-f-]{36}\\?notice=posted$`));
    const thread = await (await alice.client.get(location)).text();
    assert.match(thread, /駅前に8時でよいですか/);
    assert.match(thread, /投稿しました。/);
    // The organisation's staff moderate their project's room from the same page.
    const asStaff = await (await organisationStaff.client.get(location.split('?')[0]!)).text();
    assert.match(asStaff, /投稿1を非表示にする/);
    const staffArea = await organisationStaff.client.get(`/staff/${kesennuma}/rooms`);
    assert.equal(staffArea.status, 200);
    assert.match(await staffArea.text(), /港の清掃の部屋/);
  });
});
