import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Actor } from '../../platform/audit.js';
import { AppError } from '../../platform/errors.js';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { requireSession } from '../../platform/http/session.js';
import type { Localized } from '../../platform/i18n.js';
import { isValidLgCode } from '../../platform/lg-code.js';
import { Notice, PostForm } from '../../platform/ui/forms.js';
import { Layout, pageContext, renderPage, type PageContext } from '../../platform/ui/layout.js';
import {
  auditActionLabels,
  resolveSessionActor,
  staffAreaLinks,
  StaffNav,
  withStaffArea,
  type StaffArea,
} from '../staff/index.js';
import { mayModerateSomeRoom, mentionPattern } from './rooms.policy.js';
import {
  createRoom,
  createThread,
  deleteOwnPost,
  getRoom,
  getRoomProfile,
  getThread,
  listMyRooms,
  listRoomsForStaff,
  moderateRoom,
  reactionKinds,
  reactionLabels,
  replyToThread,
  reportPost,
  reportReasonLabels,
  reportReasons,
  resolveReport,
  saveRoomProfile,
  setReaction,
  setRoomArchived,
  type ModerationAction,
  type PostView,
  type Viewer,
} from './rooms.service.js';
import { dateTimeText, ErrorSummary, formString, isShownInForm, parseForm } from './surveys.ui.js';

const titles = {
  mine: { ja: 'コミュニティ', en: 'Community' },
  staff: { ja: 'コミュニティルーム', en: 'Community rooms' },
} satisfies Record<string, Localized>;

staffAreaLinks.push({ path: '/rooms', label: titles.staff, show: mayModerateSomeRoom });

Object.assign(auditActionLabels, {
  'room.created': { ja: 'ルームの作成', en: 'Room created' },
  'room.archived': { ja: 'ルームを閉じる', en: 'Room archived' },
  'room.reopened': { ja: 'ルームの再開', en: 'Room reopened' },
  'room.member_created': { ja: 'コミュニティの表示名の登録', en: 'Room name chosen' },
  'room.member_updated': { ja: 'コミュニティの表示名の変更', en: 'Room name changed' },
  'room.thread_created': { ja: 'スレッドの作成', en: 'Thread started' },
  'room.post_created': { ja: '返信', en: 'Reply' },
  'room.post_deleted': { ja: '投稿者による削除', en: 'Post deleted by its author' },
  'room.post_reported': { ja: '投稿の報告', en: 'Post reported' },
  'room.reports_resolved': { ja: '報告への対応', en: 'Reports resolved' },
  'room.post_hidden': { ja: '投稿の非表示', en: 'Post hidden' },
  'room.post_unhidden': { ja: '投稿の再表示', en: 'Post shown again' },
  'room.thread_hidden': { ja: 'スレッドの非表示', en: 'Thread hidden' },
  'room.thread_unhidden': { ja: 'スレッドの再表示', en: 'Thread shown again' },
  'room.thread_locked': { ja: 'スレッドのロック', en: 'Thread locked' },
  'room.thread_unlocked': { ja: 'スレッドのロック解除', en: 'Thread unlocked' },
  'room.member_banned': { ja: 'ルームへの参加停止', en: 'Member banned from a room' },
  'room.ban_lifted': { ja: '参加停止の解除', en: 'Ban lifted' },
} satisfies Record<string, Localized>);

function deps(c: Context<AppEnv>) {
  return { db: c.get('deps').database.db, requestId: c.get('requestId') };
}

/** Room pages: the actor behind the session, with staff memberships (staff moderate). */
async function roomActor(c: Context<AppEnv>): Promise<Actor> {
  const session = requireSession(c);
  return resolveSessionActor({ ...deps(c), session });
}

/**
 * A room page. A staff member whose session has not proven a second factor, and who is not a registrant
 * there, is sent to prove it first, as in the staff area.
 */
async function withRoomActor(c: Context<AppEnv>, handler: (actor: Actor) => Promise<Response>): Promise<Response> {
  const actor = await roomActor(c);
  try {
    return await handler(actor);
  } catch (error) {
    const lgCode = c.req.param('lgCode') ?? '';
    const member = actor.memberships?.some((membership) => membership.lgCode === lgCode);
    if (error instanceof AppError && error.code === 'not_found' && member && !actor.secondFactor) {
      const url = new URL(c.req.url);
      const back = c.req.method === 'GET' ? url.pathname + url.search : `/rooms/${lgCode}`;
      return c.redirect(`/staff/second-factor?next=${encodeURIComponent(back)}`, 303);
    }
    throw error;
  }
}

function render(c: Context<AppEnv>, element: unknown, status: ContentfulStatusCode = 200) {
  // Rooms are for the government's registrants: not kept by shared browsers or proxies.
  c.header('Cache-Control', 'no-store');
  return renderPage(c, element, status);
}

const fieldLabels: Record<string, Localized> = {
  title: { ja: 'タイトル', en: 'Title' },
  body: { ja: '本文', en: 'Text' },
  handle: { ja: 'ID', en: 'Handle' },
  displayName: { ja: '表示名', en: 'Name' },
  reason: { ja: '理由', en: 'Reason' },
  name: { ja: 'ルームの名前', en: 'Room name' },
  projectId: { ja: '事業', en: 'Project' },
  note: { ja: '補足', en: 'Note' },
};

const labelOf = (page: PageContext) => (field: string) => {
  const label = fieldLabels[field];
  return label ? page.t(label) : undefined;
};

/** Plain text with its line breaks, and each @handle marked (never HTML from the post). */
function PostBody(props: { text: string }) {
  const parts: Array<string | { handle: string }> = [];
  let last = 0;
  for (const match of props.text.matchAll(mentionPattern)) {
    const start = (match.index ?? 0) + (match[1]?.length ?? 0);
    parts.push(props.text.slice(last, start));
    parts.push({ handle: match[2] ?? '' });
    last = start + 1 + (match[2]?.length ?? 0);
  }
  parts.push(props.text.slice(last));
  return (
    <div class="room-post__body">
      {parts.map((part) => (typeof part === 'string' ? part : <strong class="mention">@{part.handle}</strong>))}
    </div>
  );
}

function Author(props: { page: PageContext; author: { handle: string; displayName: string; staff: boolean } }) {
  const { t } = props.page;
  return (
    <span class="room-author">
      <strong>{props.author.displayName}</strong> <span class="muted">@{props.author.handle}</span>
      {props.author.staff && <span class="badge">{t({ ja: '職員', en: 'Staff' })}</span>}
    </span>
  );
}

function ProfileForm(props: {
  page: PageContext;
  lgCode: string;
  next: string;
  current: { handle: string; displayName: string } | null;
  values?: { handle: string; displayName: string };
}) {
  const { page } = props;
  const { t } = page;
  const values = props.values ?? props.current ?? { handle: '', displayName: '' };
  return (
    <PostForm page={page} action={`/rooms/${props.lgCode}/profile`} class="form-stack">
      <input type="hidden" name="next" value={props.next} />
      <p>
        {t({
          ja: 'この自治体のコミュニティで表示される名前とIDです。登録のときの氏名は表示されません。ほかの人は「@ID」であなたに呼びかけられます。',
          en: 'How you appear in this government’s rooms. Your registered name is never shown. Others mention you as @handle.',
        })}
      </p>
      <div class="field">
        <label for="displayName">{t({ ja: '表示名（40文字まで）', en: 'Name (up to 40)' })}</label>
        <input type="text" id="displayName" name="displayName" value={values.displayName} maxlength={40} required />
      </div>
      <div class="field">
        <label for="handle">
          {t({ ja: 'ID（半角英数字と _、2〜20文字）', en: 'Handle (2–20 letters, digits, _)' })}
        </label>
        <input
          type="text"
          id="handle"
          name="handle"
          value={values.handle}
          maxlength={20}
          pattern="[A-Za-z0-9_]{2,20}"
          autocomplete="off"
          required
        />
      </div>
      <div>
        <button class="button" type="submit">
          {props.current
            ? t({ ja: '表示名を変える', en: 'Change' })
            : t({ ja: 'この名前で参加する', en: 'Join with this name' })}
        </button>
      </div>
    </PostForm>
  );
}

function RoomNotices(props: { page: PageContext; viewer: Viewer; archived: boolean }) {
  const { t } = props.page;
  return (
    <>
      {props.archived && (
        <Notice kind="info">
          {t({ ja: 'このルームは閉じられています（閲覧のみ）。', en: 'This room is archived (read only).' })}
        </Notice>
      )}
      {props.viewer.banned && !props.viewer.moderator && (
        <Notice kind="info">
          {t({
            ja: 'このルームへの参加は管理者により停止されています。閲覧はできます。',
            en: 'Staff have stopped your participation here. You can still read.',
          })}
        </Notice>
      )}
    </>
  );
}

// ───────────────────────── registrants: list ─────────────────────────

async function myRoomsPage(c: Context<AppEnv>) {
  const session = requireSession(c);
  const page = pageContext(c);
  const { t } = page;
  const rooms = await listMyRooms({ db: deps(c).db, personId: session.personId });
  const governments = [...new Set(rooms.map((room) => room.lgCode))];
  return render(
    c,
    <Layout page={page} title={titles.mine}>
      <h1>{t(titles.mine)}</h1>
      <p>
        {t({
          ja: '登録している自治体のコミュニティルームです。その自治体のふるさと住民と職員が参加しています。',
          en: 'Rooms of the places you are registered with, for their registrants and staff.',
        })}
      </p>
      {rooms.length === 0 ? (
        <p>
          {t({
            ja: '参加できるルームはまだありません。自治体に登録すると、その自治体のルームに参加できます。',
            en: 'No rooms yet. Register with a place to join its rooms.',
          })}
        </p>
      ) : (
        governments.map((lgCode) => {
          const own = rooms.filter((room) => room.lgCode === lgCode);
          return (
            <section aria-labelledby={`government-${lgCode}`}>
              <h2 id={`government-${lgCode}`}>{own[0]?.governmentName}</h2>
              <ul class="result-list">
                {own.map((room) => (
                  <li>
                    <a href={`/rooms/${room.lgCode}/${room.id}`}>{room.name}</a>
                    {room.status === 'archived' && <span class="badge">{t({ ja: '閲覧のみ', en: 'Read only' })}</span>}
                    <br />
                    <span class="muted">
                      {room.project
                        ? t({
                            ja: `事業「${room.project.title}」のルーム`,
                            en: `Room of the project "${room.project.title}"`,
                          })
                        : t({ ja: '自治体のルーム', en: 'Room of the government' })}
                      {room.lastPostedAt &&
                        t({
                          ja: `・最終投稿 ${dateTimeText(page, room.lastPostedAt)}`,
                          en: ` · last post ${dateTimeText(page, room.lastPostedAt)}`,
                        })}
                    </span>
                  </li>
                ))}
              </ul>
            </section>
          );
        })
      )}
    </Layout>,
  );
}

// ───────────────────────── a room ─────────────────────────

async function roomPage(
  c: Context<AppEnv>,
  actor: Actor,
  options: {
    error?: AppError;
    values?: { title: string; body: string };
    profile?: { handle: string; displayName: string };
  } = {},
) {
  const page = pageContext(c);
  const { t } = page;
  const lgCode = c.req.param('lgCode') ?? '';
  const cursor = c.req.query('cursor');
  const data = await getRoom({
    db: deps(c).db,
    actor,
    lgCode,
    roomId: c.req.param('roomId') ?? '',
    ...(cursor ? { cursor } : {}),
  });
  const here = `/rooms/${lgCode}/${data.room.id}`;
  const title = { ja: data.room.name, en: data.room.name };
  return render(
    c,
    <Layout page={page} title={title}>
      <p>
        <a href="/my/rooms">{t({ ja: '← コミュニティ', en: '← Community' })}</a>
        {data.viewer.moderator && (
          <>
            {' '}
            ／ <a href={`/staff/${lgCode}/rooms`}>{t({ ja: 'ルームの管理', en: 'Manage rooms' })}</a>
          </>
        )}
      </p>
      <h1>{data.room.name}</h1>
      {data.room.project && (
        <p class="muted">
          {t({ ja: `事業「${data.room.project.title}」のルーム`, en: `Room of "${data.room.project.title}"` })}
        </p>
      )}
      {data.room.description && <p class="room-description">{data.room.description}</p>}
      {c.req.query('notice') === 'profile' && (
        <Notice kind="success">{t({ ja: '表示名を保存しました。', en: 'Saved.' })}</Notice>
      )}
      <RoomNotices page={page} viewer={data.viewer} archived={data.room.status === 'archived'} />
      {options.error && <ErrorSummary page={page} error={options.error} labelOf={labelOf(page)} />}

      <section aria-labelledby="threads-heading">
        <h2 id="threads-heading">{t({ ja: 'スレッド', en: 'Threads' })}</h2>
        {data.threads.length === 0 ? (
          <p>{t({ ja: 'まだスレッドはありません。', en: 'No threads yet.' })}</p>
        ) : (
          <ul class="result-list">
            {data.threads.map((thread) => (
              <li>
                <a href={`${here}/threads/${thread.id}`}>{thread.title}</a>
                {thread.locked && <span class="badge">{t({ ja: 'ロック中', en: 'Locked' })}</span>}
                {thread.hidden && <span class="badge">{t({ ja: '非表示', en: 'Hidden' })}</span>}
                <br />
                <span class="muted">
                  {thread.author.displayName}・{t({ ja: `${thread.postCount}件`, en: `${thread.postCount} posts` })}・
                  {dateTimeText(page, thread.lastPostedAt)}
                </span>
              </li>
            ))}
          </ul>
        )}
        {data.nextCursor && (
          <p class="pager">
            <a href={`${here}?cursor=${encodeURIComponent(data.nextCursor)}`}>
              {t({ ja: '前のスレッド', en: 'Older threads' })}
            </a>
          </p>
        )}
      </section>

      {data.viewer.mayWrite && (
        <section aria-labelledby="new-thread-heading">
          <h2 id="new-thread-heading">{t({ ja: 'スレッドを立てる', en: 'Start a thread' })}</h2>
          {data.viewer.member ? (
            <PostForm page={page} action={`${here}/threads`} class="form-stack">
              <p class="muted">
                {t({
                  ja: `「${data.viewer.member.displayName}（@${data.viewer.member.handle}）」として投稿します。@IDで呼びかけると、その人にお知らせが届きます。`,
                  en: `Posting as ${data.viewer.member.displayName} (@${data.viewer.member.handle}). Mention someone with @handle to notify them.`,
                })}
              </p>
              <div class="field">
                <label for="title">{t(fieldLabels.title!)}</label>
                <input
                  type="text"
                  id="title"
                  name="title"
                  maxlength={120}
                  value={options.values?.title ?? ''}
                  required
                />
              </div>
              <div class="field">
                <label for="body">{t(fieldLabels.body!)}</label>
                <textarea id="body" name="body" rows={5} maxlength={4000} required>
                  {options.values?.body ?? ''}
                </textarea>
              </div>
              <div>
                <button class="button" type="submit">
                  {t({ ja: 'スレッドを立てる', en: 'Start the thread' })}
                </button>
              </div>
            </PostForm>
          ) : (
            <ProfileForm
              page={page}
              lgCode={lgCode}
              next={here}
              current={null}
              {...(options.profile ? { values: options.profile } : {})}
            />
          )}
        </section>
      )}
      {data.viewer.member && (
        <details class="room-profile">
          <summary>{t({ ja: '表示名を変える', en: 'Change your name here' })}</summary>
          <ProfileForm page={page} lgCode={lgCode} next={here} current={data.viewer.member} />
        </details>
      )}
    </Layout>,
    options.error ? (options.error.status as ContentfulStatusCode) : 200,
  );
}

// ───────────────────────── a thread ─────────────────────────

function ModerationButton(props: {
  page: PageContext;
  action: string;
  label: Localized;
  targetId: string;
  back: string;
  withReason?: boolean;
  danger?: boolean;
}) {
  const { page } = props;
  const { t } = page;
  if (!props.withReason) {
    return (
      <PostForm page={page} action={props.action} class="inline-form">
        <input type="hidden" name="targetId" value={props.targetId} />
        <input type="hidden" name="back" value={props.back} />
        <button type="submit" class="link-button">
          {t(props.label)}
        </button>
      </PostForm>
    );
  }
  const id = `reason-${props.action.split('/').pop()}-${props.targetId}`;
  return (
    <details class="room-action">
      <summary>{t(props.label)}</summary>
      <PostForm page={page} action={props.action} class="form-stack">
        <input type="hidden" name="targetId" value={props.targetId} />
        <input type="hidden" name="back" value={props.back} />
        <div class="field">
          <label for={id}>{t({ ja: '理由（本人に伝えます）', en: 'Reason (the person is told)' })}</label>
          <input type="text" id={id} name="reason" maxlength={1000} required />
        </div>
        <div>
          <button type="submit" class={`button${props.danger ? ' button--danger' : ' button--secondary'}`}>
            {t(props.label)}
          </button>
        </div>
      </PostForm>
    </details>
  );
}

function PostItem(props: {
  page: PageContext;
  post: PostView;
  number: number;
  here: string;
  base: string;
  viewer: Viewer;
  threadId: string;
}) {
  const { page, post, viewer } = props;
  const { t } = page;
  const moderation = `${props.base}/moderation`;
  return (
    <li id={`post-${post.id}`} class={`room-post room-post--${post.status}`}>
      <p class="room-post__meta">
        <Author page={page} author={post.author} /> <span class="muted">{dateTimeText(page, post.createdAt)}</span>
      </p>
      {post.status === 'deleted' ? (
        <p class="muted">{t({ ja: 'この投稿は投稿者により削除されました。', en: 'Deleted by its author.' })}</p>
      ) : post.status === 'hidden' && post.body === null ? (
        <p class="muted">{t({ ja: 'この投稿は管理者により非表示になりました。', en: 'Hidden by staff.' })}</p>
      ) : (
        <>
          {post.status === 'hidden' && (
            <p class="room-post__hidden">
              {t({ ja: '非表示（管理者と投稿者だけに見えています）', en: 'Hidden (only staff and the author see it)' })}
              {post.hiddenReason && t({ ja: `：理由 ${post.hiddenReason}`, en: `: ${post.hiddenReason}` })}
            </p>
          )}
          <PostBody text={post.body ?? ''} />
        </>
      )}
      {post.status === 'visible' && (
        <div class="room-post__actions">
          {post.reactions.map((reaction) => {
            const label = reactionLabels[reaction.kind];
            return viewer.mayWrite && viewer.member ? (
              <PostForm
                page={page}
                action={`${props.base}/posts/${post.id}/reactions/${reaction.kind}`}
                class="inline-form"
              >
                <input type="hidden" name="on" value={reaction.mine ? 'false' : 'true'} />
                <input type="hidden" name="back" value={props.here} />
                <button
                  type="submit"
                  class="reaction"
                  aria-pressed={reaction.mine ? 'true' : 'false'}
                  aria-label={t({
                    ja: `${label.ja}（${reaction.count}）`,
                    en: `${label.en} (${reaction.count})`,
                  })}
                >
                  <span aria-hidden="true">{label.symbol}</span> {reaction.count}
                </button>
              </PostForm>
            ) : (
              <span
                class="reaction"
                aria-label={t({ ja: `${label.ja}（${reaction.count}）`, en: `${label.en} (${reaction.count})` })}
              >
                <span aria-hidden="true">{label.symbol}</span> {reaction.count}
              </span>
            );
          })}
          {viewer.mayWrite && viewer.member && !post.mine && (
            <details class="room-action">
              <summary>{t({ ja: '報告する', en: 'Report' })}</summary>
              <PostForm page={page} action={`${props.base}/posts/${post.id}/report`} class="form-stack">
                <input type="hidden" name="back" value={props.here} />
                <div class="field">
                  <label for={`report-reason-${post.id}`}>{t({ ja: '報告の理由', en: 'Why' })}</label>
                  <select id={`report-reason-${post.id}`} name="reason">
                    {reportReasons.map((reason) => (
                      <option value={reason}>{t(reportReasonLabels[reason])}</option>
                    ))}
                  </select>
                </div>
                <div class="field">
                  <label for={`report-note-${post.id}`}>{t({ ja: '補足（任意）', en: 'Note (optional)' })}</label>
                  <input type="text" id={`report-note-${post.id}`} name="note" maxlength={1000} />
                </div>
                <div>
                  <button type="submit" class="button button--secondary">
                    {t({ ja: '管理者に報告する', en: 'Report to staff' })}
                  </button>
                </div>
              </PostForm>
            </details>
          )}
          {post.mine && (
            <PostForm page={page} action={`${props.base}/posts/${post.id}/delete`} class="inline-form">
              <input type="hidden" name="back" value={props.here} />
              <button type="submit" class="link-button">
                {t({ ja: '自分の投稿を削除', en: 'Delete my post' })}
              </button>
            </PostForm>
          )}
        </div>
      )}
      {viewer.moderator && post.status !== 'deleted' && (
        <div class="room-post__moderation">
          {post.status === 'visible' ? (
            <ModerationButton
              page={page}
              action={`${moderation}/hide_post`}
              label={{ ja: `投稿${props.number}を非表示にする`, en: `Hide post ${props.number}` }}
              targetId={post.id}
              back={props.here}
              withReason
              danger
            />
          ) : (
            <ModerationButton
              page={page}
              action={`${moderation}/unhide_post`}
              label={{ ja: `投稿${props.number}を再表示する`, en: `Show post ${props.number} again` }}
              targetId={post.id}
              back={props.here}
            />
          )}
          {!post.author.staff && (
            <ModerationButton
              page={page}
              action={`${moderation}/ban_member`}
              label={{
                ja: `${post.author.displayName}さんのこのルームへの参加を停止する`,
                en: `Ban ${post.author.displayName} from this room`,
              }}
              targetId={post.author.memberId}
              back={props.here}
              withReason
              danger
            />
          )}
        </div>
      )}
    </li>
  );
}

async function threadPage(
  c: Context<AppEnv>,
  actor: Actor,
  options: { error?: AppError; body?: string; notice?: Localized } = {},
) {
  const page = pageContext(c);
  const { t } = page;
  const lgCode = c.req.param('lgCode') ?? '';
  const data = await getThread({
    db: deps(c).db,
    actor,
    lgCode,
    roomId: c.req.param('roomId') ?? '',
    threadId: c.req.param('threadId') ?? '',
  });
  const base = `/rooms/${lgCode}/${data.room.id}`;
  const here = `${base}/threads/${data.thread.id}`;
  const notices: Record<string, Localized> = {
    posted: { ja: '投稿しました。', en: 'Posted.' },
    reported: {
      ja: '管理者に報告しました。確認の結果はお知らせします。',
      en: 'Reported. You will be told the outcome.',
    },
    deleted: { ja: '投稿を削除しました。', en: 'Your post was deleted.' },
    moderated: { ja: '対応を記録しました。', en: 'Done and recorded.' },
  };
  const notice = options.notice ?? notices[c.req.query('notice') ?? ''];
  return render(
    c,
    <Layout page={page} title={{ ja: data.thread.title, en: data.thread.title }}>
      <p>
        <a href={base}>{t({ ja: `← ${data.room.name}`, en: `← ${data.room.name}` })}</a>
      </p>
      <h1>
        {data.thread.title}
        {data.thread.locked && <span class="badge">{t({ ja: 'ロック中', en: 'Locked' })}</span>}
        {data.thread.hidden && <span class="badge">{t({ ja: '非表示', en: 'Hidden' })}</span>}
      </h1>
      {notice && <Notice kind="success">{t(notice)}</Notice>}
      <RoomNotices page={page} viewer={data.viewer} archived={data.room.status === 'archived'} />
      {data.thread.hidden && data.hiddenReason && (
        <Notice kind="info">
          {t({
            ja: `このスレッドは非表示です。理由: ${data.hiddenReason}`,
            en: `This thread is hidden: ${data.hiddenReason}`,
          })}
        </Notice>
      )}
      {options.error && <ErrorSummary page={page} error={options.error} labelOf={labelOf(page)} />}
      {data.viewer.moderator && (
        <div class="room-thread__moderation">
          {data.thread.locked ? (
            <ModerationButton
              page={page}
              action={`${base}/moderation/unlock_thread`}
              label={{ ja: 'ロックを解除する', en: 'Unlock' }}
              targetId={data.thread.id}
              back={here}
            />
          ) : (
            <ModerationButton
              page={page}
              action={`${base}/moderation/lock_thread`}
              label={{ ja: 'スレッドをロックする', en: 'Lock the thread' }}
              targetId={data.thread.id}
              back={here}
            />
          )}{' '}
          {data.thread.hidden ? (
            <ModerationButton
              page={page}
              action={`${base}/moderation/unhide_thread`}
              label={{ ja: 'スレッドを再表示する', en: 'Show the thread again' }}
              targetId={data.thread.id}
              back={here}
            />
          ) : (
            <ModerationButton
              page={page}
              action={`${base}/moderation/hide_thread`}
              label={{ ja: 'スレッドを非表示にする', en: 'Hide the thread' }}
              targetId={data.thread.id}
              back={here}
              withReason
              danger
            />
          )}
        </div>
      )}
      <ol class="room-posts">
        {data.posts.map((post, index) => (
          <PostItem
            page={page}
            post={post}
            number={index + 1}
            here={here}
            base={base}
            viewer={data.viewer}
            threadId={data.thread.id}
          />
        ))}
      </ol>
      {data.truncated && (
        <p class="muted">{t({ ja: '最初の500件を表示しています。', en: 'Showing the first 500 posts.' })}</p>
      )}
      {data.thread.locked ? (
        <p>
          {t({ ja: 'このスレッドはロックされているため、返信できません。', en: 'This thread is locked: no replies.' })}
        </p>
      ) : (
        data.viewer.mayWrite && (
          <section aria-labelledby="reply-heading">
            <h2 id="reply-heading">{t({ ja: '返信する', en: 'Reply' })}</h2>
            {data.viewer.member ? (
              <PostForm page={page} action={`${here}/posts`} class="form-stack">
                <div class="field">
                  <label for="body">{t({ ja: '返信の本文', en: 'Your reply' })}</label>
                  <span class="hint" id="body-hint">
                    {t({
                      ja: `「${data.viewer.member.displayName}（@${data.viewer.member.handle}）」として投稿します。@IDで呼びかけられます。`,
                      en: `Posting as ${data.viewer.member.displayName} (@${data.viewer.member.handle}). Mention with @handle.`,
                    })}
                  </span>
                  <textarea id="body" name="body" rows={4} maxlength={4000} required aria-describedby="body-hint">
                    {options.body ?? ''}
                  </textarea>
                </div>
                <div>
                  <button class="button" type="submit">
                    {t({ ja: '返信する', en: 'Send the reply' })}
                  </button>
                </div>
              </PostForm>
            ) : (
              <ProfileForm page={page} lgCode={lgCode} next={here} current={null} />
            )}
          </section>
        )
      )}
    </Layout>,
    options.error ? (options.error.status as ContentfulStatusCode) : 200,
  );
}

/** A path on this site to go back to after a form (never another host). */
function safeBack(value: string, fallback: string): string {
  return /^\/rooms\/\d{6}\/[0-9a-f-]{36}(\/threads\/[0-9a-f-]{36})?$/.test(value) ? value : fallback;
}

// ───────────────────────── staff area ─────────────────────────

async function staffRoomsPage(c: Context<AppEnv>, area: StaffArea, options: { error?: AppError } = {}) {
  const page = pageContext(c);
  const { t } = page;
  const lgCode = area.tenant.lgCode;
  const base = `/staff/${lgCode}/rooms`;
  const data = await listRoomsForStaff({ db: deps(c).db, actor: area.actor, lgCode });
  const notice = c.req.query('notice');
  const notices: Record<string, Localized> = {
    created: { ja: 'ルームを作りました。', en: 'Room created.' },
    resolved: { ja: '報告への対応を記録し、報告者に伝えました。', en: 'Recorded, and the reporters were told.' },
    saved: { ja: '保存しました。', en: 'Saved.' },
    moderated: { ja: '対応を記録しました。', en: 'Done and recorded.' },
  };
  return render(
    c,
    <Layout page={page} title={titles.staff}>
      <StaffNav page={page} area={area} current={base} />
      <h1>{t(titles.staff)}</h1>
      {notice && notices[notice] && <Notice kind="success">{t(notices[notice]!)}</Notice>}
      {options.error && <ErrorSummary page={page} error={options.error} labelOf={labelOf(page)} />}

      <section aria-labelledby="reports-heading">
        <h2 id="reports-heading">
          {t({ ja: `報告された投稿（${data.reports.length}件）`, en: `Reported posts (${data.reports.length})` })}
        </h2>
        {data.reports.length === 0 ? (
          <p>{t({ ja: '対応を待っている報告はありません。', en: 'No reports waiting.' })}</p>
        ) : (
          <ul class="result-list">
            {data.reports.map((report) => (
              <li>
                <p>
                  <strong>{t(reportReasonLabels[report.reason])}</strong>{' '}
                  <span class="muted">
                    {report.roomName}・{dateTimeText(page, report.reportedAt)}
                  </span>
                </p>
                {report.note && <p>{t({ ja: `補足: ${report.note}`, en: `Note: ${report.note}` })}</p>}
                <blockquote class="room-report__post">
                  <Author page={page} author={{ ...report.author, staff: false }} />
                  <PostBody text={report.post.body} />
                </blockquote>
                <p>
                  <a href={`/rooms/${lgCode}/${report.roomId}/threads/${report.threadId}#post-${report.postId}`}>
                    {t({ ja: 'スレッドで見る', en: 'See it in the thread' })}
                  </a>
                </p>
                <PostForm page={page} action={`/staff/${lgCode}/room-reports/${report.id}`} class="form-stack">
                  <fieldset class="field">
                    <legend>{t({ ja: '対応', en: 'Decision' })}</legend>
                    <label class="checkbox">
                      <input type="radio" name="outcome" value="hidden" checked />
                      {t({ ja: '投稿を非表示にする', en: 'Hide the post' })}
                    </label>
                    <label class="checkbox">
                      <input type="radio" name="outcome" value="banned" />
                      {t({
                        ja: '非表示にし、投稿者のこのルームへの参加を停止する',
                        en: 'Hide it and ban its author from the room',
                      })}
                    </label>
                    <label class="checkbox">
                      <input type="radio" name="outcome" value="no_action" />
                      {t({ ja: '問題なし（そのままにする）', en: 'No problem (leave it)' })}
                    </label>
                  </fieldset>
                  <div class="field">
                    <label for={`resolve-reason-${report.id}`}>
                      {t({
                        ja: '理由（非表示・停止のとき。投稿者に伝えます）',
                        en: 'Reason (when hiding or banning; the author is told)',
                      })}
                    </label>
                    <input type="text" id={`resolve-reason-${report.id}`} name="reason" maxlength={1000} />
                  </div>
                  <div>
                    <button type="submit" class="button">
                      {t({ ja: '対応を決める', en: 'Decide' })}
                    </button>
                  </div>
                </PostForm>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="rooms-heading">
        <h2 id="rooms-heading">{t({ ja: 'ルーム', en: 'Rooms' })}</h2>
        {data.rooms.length === 0 ? (
          <p>{t({ ja: 'ルームはまだありません。', en: 'No rooms yet.' })}</p>
        ) : (
          <table class="data">
            <caption class="visually-hidden">{t({ ja: 'ルーム', en: 'Rooms' })}</caption>
            <thead>
              <tr>
                <th scope="col">{t({ ja: '名前', en: 'Name' })}</th>
                <th scope="col">{t({ ja: '種類', en: 'Kind' })}</th>
                <th scope="col">{t({ ja: 'スレッド', en: 'Threads' })}</th>
                <th scope="col">{t({ ja: '未対応の報告', en: 'Open reports' })}</th>
                <th scope="col">{t({ ja: '状態', en: 'Status' })}</th>
              </tr>
            </thead>
            <tbody>
              {data.rooms.map((room) => (
                <tr>
                  <td>
                    <a href={`/rooms/${lgCode}/${room.id}`}>{room.name}</a>
                  </td>
                  <td>
                    {room.project
                      ? t({ ja: `事業「${room.project.title}」`, en: `Project "${room.project.title}"` })
                      : t({ ja: '自治体', en: 'Government' })}
                  </td>
                  <td>{room.threadCount}</td>
                  <td>{room.openReports}</td>
                  <td>
                    {room.status === 'archived'
                      ? t({ ja: '閉鎖（閲覧のみ）', en: 'Archived' })
                      : t({ ja: '公開中', en: 'Open' })}{' '}
                    <PostForm
                      page={page}
                      action={`${base}/${room.id}/${room.status === 'archived' ? 'reopen' : 'archive'}`}
                      class="inline-form"
                    >
                      <button type="submit" class="link-button">
                        {room.status === 'archived'
                          ? t({ ja: `「${room.name}」を再開する`, en: `Reopen "${room.name}"` })
                          : t({ ja: `「${room.name}」を閉じる`, en: `Archive "${room.name}"` })}
                      </button>
                    </PostForm>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {data.bans.length > 0 && (
        <section aria-labelledby="bans-heading">
          <h2 id="bans-heading">{t({ ja: '参加を停止している人', en: 'Banned members' })}</h2>
          <ul class="result-list">
            {data.bans.map((ban) => (
              <li>
                <strong>{ban.member.displayName}</strong> <span class="muted">@{ban.member.handle}</span>{' '}
                <span class="muted">
                  {data.rooms.find((room) => room.id === ban.roomId)?.name}・{dateTimeText(page, ban.bannedAt)}・
                  {ban.reason}
                </span>{' '}
                <PostForm page={page} action={`/rooms/${lgCode}/${ban.roomId}/moderation/lift_ban`} class="inline-form">
                  <input type="hidden" name="targetId" value={ban.id} />
                  <input type="hidden" name="back" value={base} />
                  <button type="submit" class="link-button">
                    {t({
                      ja: `${ban.member.displayName}さんの停止を解除する`,
                      en: `Lift the ban of ${ban.member.displayName}`,
                    })}
                  </button>
                </PostForm>
              </li>
            ))}
          </ul>
        </section>
      )}

      <section aria-labelledby="new-room-heading">
        <h2 id="new-room-heading">{t({ ja: 'ルームを作る', en: 'Open a room' })}</h2>
        {!data.mayCreateGovernmentRoom && data.projectsWithoutRoom.length === 0 ? (
          <p>
            {t({
              ja: 'ルームを作れる公開中の事業はありません。',
              en: 'No published project of yours is waiting for a room.',
            })}
          </p>
        ) : (
          <PostForm page={page} action={base} class="form-stack">
            <div class="field">
              <label for="name">{t(fieldLabels.name!)}</label>
              <input type="text" id="name" name="name" maxlength={100} required />
            </div>
            <div class="field">
              <label for="description">{t({ ja: '説明・ルームのきまり', en: 'Description and rules' })}</label>
              <textarea id="description" name="description" rows={4} maxlength={2000} />
            </div>
            <div class="field">
              <label for="projectId">{t({ ja: '対象', en: 'For' })}</label>
              <select id="projectId" name="projectId">
                {data.mayCreateGovernmentRoom && (
                  <option value="">{t({ ja: '自治体のルーム', en: 'The government' })}</option>
                )}
                {data.projectsWithoutRoom.map((project) => (
                  <option value={project.id}>
                    {t({ ja: `事業「${project.title}」`, en: `Project "${project.title}"` })}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <button class="button" type="submit">
                {t({ ja: 'ルームを作る', en: 'Open the room' })}
              </button>
            </div>
          </PostForm>
        )}
      </section>
    </Layout>,
    options.error ? (options.error.status as ContentfulStatusCode) : 200,
  );
}

function lgCodeOf(c: Context<AppEnv>): string {
  const lgCode = c.req.param('lgCode') ?? '';
  if (!isValidLgCode(lgCode)) throw new AppError('not_found');
  return lgCode;
}

export function roomPages(): AppRouter {
  const router = createRouter();

  router.get('/my/rooms', (c) => myRoomsPage(c));

  router.post('/rooms/:lgCode/profile', (c) =>
    withRoomActor(c, async (actor) => {
      const lgCode = lgCodeOf(c);
      const body = await parseForm(c);
      const values = { handle: formString(body, 'handle'), displayName: formString(body, 'displayName') };
      const next = formString(body, 'next');
      try {
        await saveRoomProfile({ db: deps(c).db, actor, lgCode, input: values });
      } catch (error) {
        if (isShownInForm(error)) {
          const page = pageContext(c);
          const current = await getRoomProfile({ db: deps(c).db, actor, lgCode });
          return render(
            c,
            <Layout page={page} title={{ ja: 'コミュニティでの表示名', en: 'Your name in the rooms' }}>
              <h1>{page.t({ ja: 'コミュニティでの表示名', en: 'Your name in the rooms' })}</h1>
              <ErrorSummary page={page} error={error} labelOf={labelOf(page)} />
              <ProfileForm
                page={page}
                lgCode={lgCode}
                next={safeBack(next, '/my/rooms')}
                current={current}
                values={values}
              />
            </Layout>,
            error.status as ContentfulStatusCode,
          );
        }
        throw error;
      }
      return c.redirect(`${safeBack(next, '/my/rooms')}?notice=profile`, 303);
    }),
  );

  router.get('/rooms/:lgCode/:roomId', (c) => withRoomActor(c, (actor) => roomPage(c, actor)));

  router.post('/rooms/:lgCode/:roomId/threads', (c) =>
    withRoomActor(c, async (actor) => {
      const lgCode = lgCodeOf(c);
      const roomId = c.req.param('roomId');
      const body = await parseForm(c);
      const values = { title: formString(body, 'title'), body: formString(body, 'body') };
      try {
        const { threadId } = await createThread({ db: deps(c).db, actor, lgCode, roomId, input: values });
        return c.redirect(`/rooms/${lgCode}/${roomId}/threads/${threadId}?notice=posted`, 303);
      } catch (error) {
        if (isShownInForm(error)) return roomPage(c, actor, { error, values });
        throw error;
      }
    }),
  );

  router.get('/rooms/:lgCode/:roomId/threads/:threadId', (c) => withRoomActor(c, (actor) => threadPage(c, actor)));

  router.post('/rooms/:lgCode/:roomId/threads/:threadId/posts', (c) =>
    withRoomActor(c, async (actor) => {
      const lgCode = lgCodeOf(c);
      const { roomId, threadId } = { roomId: c.req.param('roomId'), threadId: c.req.param('threadId') };
      const body = await parseForm(c);
      const text = formString(body, 'body');
      try {
        const { postId } = await replyToThread({
          db: deps(c).db,
          actor,
          lgCode,
          roomId,
          threadId,
          input: { body: text },
        });
        return c.redirect(`/rooms/${lgCode}/${roomId}/threads/${threadId}?notice=posted#post-${postId}`, 303);
      } catch (error) {
        if (isShownInForm(error)) return threadPage(c, actor, { error, body: text });
        throw error;
      }
    }),
  );

  /**
   * A small form (a report, a deletion, moderation), then back to the page it came from; a refusal is shown
   * on a page of its own with the way back.
   */
  const formAction =
    (
      run: (
        c: Context<AppEnv>,
        actor: Actor,
        lgCode: string,
        body: Awaited<ReturnType<typeof parseForm>>,
      ) => Promise<unknown>,
      notice: string,
      fallback: (c: Context<AppEnv>, lgCode: string) => string,
    ) =>
    (c: Context<AppEnv>) =>
      withRoomActor(c, async (actor) => {
        const lgCode = lgCodeOf(c);
        const body = await parseForm(c);
        const backField = formString(body, 'back');
        const back = backField.startsWith(`/staff/${lgCode}/rooms`)
          ? `/staff/${lgCode}/rooms`
          : safeBack(backField, fallback(c, lgCode));
        try {
          await run(c, actor, lgCode, body);
        } catch (error) {
          if (isShownInForm(error)) {
            const page = pageContext(c);
            return render(
              c,
              <Layout page={page} title={{ ja: 'この操作はできませんでした', en: 'This could not be done' }}>
                <h1>{page.t({ ja: 'この操作はできませんでした', en: 'This could not be done' })}</h1>
                <ErrorSummary page={page} error={error} labelOf={labelOf(page)} />
                <p>
                  <a href={back}>{page.t({ ja: '戻る', en: 'Back' })}</a>
                </p>
              </Layout>,
              error.status as ContentfulStatusCode,
            );
          }
          throw error;
        }
        const postId = c.req.param('postId');
        return c.redirect(`${back}?notice=${notice}${postId ? `#post-${postId}` : ''}`, 303);
      });
  const roomHome = (c: Context<AppEnv>, lgCode: string) => `/rooms/${lgCode}/${c.req.param('roomId') ?? ''}`;

  router.post('/rooms/:lgCode/:roomId/posts/:postId/reactions/:kind', (c) =>
    withRoomActor(c, async (actor) => {
      const lgCode = lgCodeOf(c);
      const roomId = c.req.param('roomId');
      const postId = c.req.param('postId');
      const kind = reactionKinds.find((each) => each === c.req.param('kind'));
      if (!kind) throw new AppError('not_found');
      const body = await parseForm(c);
      const back = safeBack(formString(body, 'back'), `/rooms/${lgCode}/${roomId}`);
      try {
        await setReaction({
          db: deps(c).db,
          actor,
          lgCode,
          roomId,
          postId,
          kind,
          on: formString(body, 'on') !== 'false',
        });
      } catch (error) {
        if (isShownInForm(error)) return c.redirect(back, 303);
        throw error;
      }
      return c.redirect(`${back}#post-${postId}`, 303);
    }),
  );

  router.post(
    '/rooms/:lgCode/:roomId/posts/:postId/report',
    formAction(
      (c, actor, lgCode, body) =>
        reportPost({
          db: deps(c).db,
          actor,
          lgCode,
          roomId: c.req.param('roomId') ?? '',
          postId: c.req.param('postId') ?? '',
          input: {
            reason: formString(body, 'reason') as (typeof reportReasons)[number],
            note: formString(body, 'note'),
          },
        }),
      'reported',
      roomHome,
    ),
  );

  router.post(
    '/rooms/:lgCode/:roomId/posts/:postId/delete',
    formAction(
      (c, actor, lgCode) =>
        deleteOwnPost({
          db: deps(c).db,
          actor,
          lgCode,
          roomId: c.req.param('roomId') ?? '',
          postId: c.req.param('postId') ?? '',
        }),
      'deleted',
      roomHome,
    ),
  );

  router.post(
    '/rooms/:lgCode/:roomId/moderation/:action',
    formAction(
      (c, actor, lgCode, body) =>
        moderateRoom({
          db: deps(c).db,
          actor,
          lgCode,
          roomId: c.req.param('roomId') ?? '',
          input: {
            action: (c.req.param('action') ?? '') as ModerationAction,
            targetId: formString(body, 'targetId'),
            reason: formString(body, 'reason'),
          },
        }),
      'moderated',
      roomHome,
    ),
  );

  router.get('/staff/:lgCode/rooms', (c) => withStaffArea(c, (area) => staffRoomsPage(c, area)));

  router.post('/staff/:lgCode/rooms', (c) =>
    withStaffArea(c, async (area) => {
      const body = await parseForm(c);
      const projectId = formString(body, 'projectId');
      try {
        await createRoom({
          db: deps(c).db,
          actor: area.actor,
          lgCode: area.tenant.lgCode,
          input: {
            name: formString(body, 'name'),
            description: formString(body, 'description'),
            ...(projectId ? { projectId } : {}),
          },
        });
      } catch (error) {
        if (isShownInForm(error)) return staffRoomsPage(c, area, { error });
        throw error;
      }
      return c.redirect(`/staff/${area.tenant.lgCode}/rooms?notice=created`, 303);
    }),
  );

  for (const action of ['archive', 'reopen'] as const) {
    router.post(`/staff/:lgCode/rooms/:roomId/${action}`, (c) =>
      withStaffArea(c, async (area) => {
        await setRoomArchived({
          db: deps(c).db,
          actor: area.actor,
          lgCode: area.tenant.lgCode,
          roomId: c.req.param('roomId'),
          archived: action === 'archive',
        });
        return c.redirect(`/staff/${area.tenant.lgCode}/rooms?notice=saved`, 303);
      }),
    );
  }

  router.post('/staff/:lgCode/room-reports/:reportId', (c) =>
    withStaffArea(c, async (area) => {
      const body = await parseForm(c);
      try {
        await resolveReport({
          db: deps(c).db,
          actor: area.actor,
          lgCode: area.tenant.lgCode,
          reportId: c.req.param('reportId'),
          input: {
            outcome: formString(body, 'outcome') as 'hidden' | 'banned' | 'no_action',
            reason: formString(body, 'reason'),
          },
        });
      } catch (error) {
        if (isShownInForm(error)) return staffRoomsPage(c, area, { error });
        throw error;
      }
      return c.redirect(`/staff/${area.tenant.lgCode}/rooms?notice=resolved`, 303);
    }),
  );

  return router;
}
