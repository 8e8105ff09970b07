import type { Context } from 'hono';
import { postKinds, projectCategories, type PostRow } from '../../platform/db/schema.js';
import { AppError, problemCatalog } from '../../platform/errors.js';
import { createRouter, uploadPathPatterns, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { csrfFieldName } from '../../platform/http/csrf.js';
import type { Localized } from '../../platform/i18n.js';
import { Notice, PostForm } from '../../platform/ui/forms.js';
import { Layout, pageContext, renderPage, type PageContext } from '../../platform/ui/layout.js';
import { auditActionLabels, staffAreaLinks, StaffNav, withStaffArea, type StaffArea } from '../staff/index.js';
import {
  addPostImage,
  archivePost,
  audienceLabels,
  categoryLabels,
  createPost,
  getStaffPost,
  getStaffPostImage,
  listRecruitableProjects,
  listStaffPosts,
  mayManagePosts,
  maxImagesPerPost,
  postKindLabels,
  postStatusLabels,
  publishPost,
  removePostImage,
  schedulePost,
  unschedulePost,
  updatePost,
  type PostInput,
} from './posts.service.js';

const titles = {
  posts: { ja: '投稿（お知らせ・募集）', en: 'Posts (news and calls for help)' },
  create: { ja: '新しい投稿', en: 'New post' },
  edit: { ja: '投稿の編集', en: 'Edit post' },
} satisfies Record<string, Localized>;

staffAreaLinks.push({ path: '/posts', label: titles.posts, show: mayManagePosts });

Object.assign(auditActionLabels, {
  'post.created': { ja: '投稿の作成', en: 'Post created' },
  'post.updated': { ja: '投稿の変更', en: 'Post changed' },
  'post.scheduled': { ja: '投稿の公開予約', en: 'Post scheduled' },
  'post.unscheduled': { ja: '公開予約の取り消し', en: 'Schedule withdrawn' },
  'post.published': { ja: '投稿の公開', en: 'Post published' },
  'post.archived': { ja: '投稿のアーカイブ', en: 'Post archived' },
  'post.image_added': { ja: '画像の追加', en: 'Image added' },
  'post.image_removed': { ja: '画像の削除', en: 'Image removed' },
} satisfies Record<string, Localized>);

uploadPathPatterns.push(/^\/staff\/\d{6}\/posts\/[^/]+\/images$/);

type FormBody = Record<string, string | File | (string | File)[]>;

function formValue(body: FormBody, name: string): string {
  const value = body[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.trim() : '';
}

function db(c: Context<AppEnv>) {
  return c.get('deps').database.db;
}

function errorText(page: PageContext, error: AppError): string {
  const entry = problemCatalog[error.code];
  const detail = page.t(error.detail ?? { ja: entry.ja.detail, en: entry.en.detail });
  // The form's own messages say what to fix (「タイトルを入力してください」), not only which field.
  const fields = error.fieldErrors.map((field) => field.message);
  return fields.length > 0 ? `${detail} ${fields.join(' ')}` : detail;
}

function dateTimeText(page: PageContext, date: Date): string {
  return new Intl.DateTimeFormat(page.locale === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'Asia/Tokyo',
  }).format(date);
}

/** A `datetime-local` value (Japan time) from an instant, and back. */
function localValue(date: Date | null): string {
  if (!date) return '';
  return new Date(date.getTime() + 9 * 60 * 60 * 1000).toISOString().slice(0, 16);
}

function fromLocal(value: string): string | null {
  if (!value) return null;
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? `${value}:00+09:00` : value;
}

function inputFromForm(body: FormBody): PostInput {
  const category = formValue(body, 'category');
  const projectId = formValue(body, 'projectId');
  return {
    kind: formValue(body, 'kind') as PostInput['kind'],
    title: formValue(body, 'title'),
    summary: formValue(body, 'summary'),
    body: formValue(body, 'body'),
    category: category ? (category as PostInput['category']) : null,
    audience: formValue(body, 'audience') === 'registrants' ? 'registrants' : 'public',
    placeName: formValue(body, 'placeName'),
    placeAddress: formValue(body, 'placeAddress'),
    startsAt: fromLocal(formValue(body, 'startsAt')),
    endsAt: fromLocal(formValue(body, 'endsAt')),
    tags: formValue(body, 'tags')
      .split(/[,、\s　#＃]+/)
      .filter(Boolean),
    projectId: projectId || null,
  };
}

interface FormValues {
  kind: string;
  title: string;
  summary: string;
  body: string;
  category: string;
  audience: string;
  placeName: string;
  placeAddress: string;
  startsAt: string;
  endsAt: string;
  tags: string;
  projectId: string;
}

function valuesOf(post: PostRow | undefined): FormValues {
  return {
    kind: post?.kind ?? 'notice',
    title: post?.title ?? '',
    summary: post?.summary ?? '',
    body: post?.body ?? '',
    category: post?.category ?? '',
    audience: post?.audience ?? 'public',
    placeName: post?.place_name ?? '',
    placeAddress: post?.place_address ?? '',
    startsAt: localValue(post?.starts_at ?? null),
    endsAt: localValue(post?.ends_at ?? null),
    tags: post?.tags.join(', ') ?? '',
    projectId: post?.project_id ?? '',
  };
}

function valuesFromBody(body: FormBody): FormValues {
  const names: Array<keyof FormValues> = [
    'kind',
    'title',
    'summary',
    'body',
    'category',
    'audience',
    'placeName',
    'placeAddress',
    'startsAt',
    'endsAt',
    'tags',
    'projectId',
  ];
  return Object.fromEntries(names.map((name) => [name, formValue(body, name)])) as unknown as FormValues;
}

function PostFields(props: { page: PageContext; values: FormValues; projects: Array<{ id: string; title: string }> }) {
  const { page, values } = props;
  const { t } = page;
  return (
    <>
      <div class="field">
        <label for="post-kind">{t({ ja: '種類', en: 'Kind' })}</label>
        <select id="post-kind" name="kind">
          {postKinds.map((kind) => (
            <option value={kind} selected={values.kind === kind}>
              {t(postKindLabels[kind])}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="post-title">{t({ ja: 'タイトル（必須）', en: 'Title (required)' })}</label>
        <input id="post-title" name="title" value={values.title} maxlength={200} required />
      </div>
      <div class="field">
        <label for="post-summary">{t({ ja: '概要（一覧に表示・300字まで）', en: 'Summary (shown in lists)' })}</label>
        <textarea id="post-summary" name="summary" maxlength={300} rows={2}>
          {values.summary}
        </textarea>
      </div>
      <div class="field">
        <label for="post-body">{t({ ja: '本文', en: 'Text' })}</label>
        <textarea id="post-body" name="body" maxlength={20000} rows={10}>
          {values.body}
        </textarea>
      </div>
      <div class="field">
        <label for="post-project">
          {t({ ja: '募集する事業（担い手募集では必須）', en: 'Project recruited for (required for a call for help)' })}
        </label>
        <select id="post-project" name="projectId">
          <option value="">{t({ ja: 'なし', en: 'None' })}</option>
          {props.projects.map((project) => (
            <option value={project.id} selected={values.projectId === project.id}>
              {project.title}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="post-category">{t({ ja: '分野', en: 'Category' })}</label>
        <select id="post-category" name="category">
          <option value="">{t({ ja: '（事業の分野・なし）', en: '(the project’s, or none)' })}</option>
          {projectCategories.map((category) => (
            <option value={category} selected={values.category === category}>
              {t(categoryLabels[category])}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="post-audience">{t({ ja: '公開の範囲', en: 'Audience' })}</label>
        <select id="post-audience" name="audience">
          {(['public', 'registrants'] as const).map((audience) => (
            <option value={audience} selected={values.audience === audience}>
              {t(audienceLabels[audience])}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="post-starts">{t({ ja: '開始日時（日本時間）', en: 'Starts (Japan time)' })}</label>
        <input id="post-starts" type="datetime-local" name="startsAt" value={values.startsAt} />
      </div>
      <div class="field">
        <label for="post-ends">{t({ ja: '終了日時（日本時間）', en: 'Ends (Japan time)' })}</label>
        <input id="post-ends" type="datetime-local" name="endsAt" value={values.endsAt} />
      </div>
      <div class="field">
        <label for="post-place">{t({ ja: '場所', en: 'Place' })}</label>
        <input id="post-place" name="placeName" value={values.placeName} maxlength={200} />
      </div>
      <div class="field">
        <label for="post-address">{t({ ja: '住所', en: 'Address' })}</label>
        <input id="post-address" name="placeAddress" value={values.placeAddress} maxlength={300} />
      </div>
      <div class="field">
        <label for="post-tags">
          {t({ ja: 'タグ（「,」や空白で区切る・10個まで）', en: 'Tags (comma separated, up to 10)' })}
        </label>
        <input id="post-tags" name="tags" value={values.tags} />
      </div>
    </>
  );
}

async function listPage(c: Context<AppEnv>, area: StaffArea) {
  const page = pageContext(c);
  const { t } = page;
  const base = `/staff/${area.tenant.lgCode}/posts`;
  const statusQuery = c.req.query('status');
  const status = (['draft', 'scheduled', 'published', 'archived'] as const).find((value) => value === statusQuery);
  const current = Math.max(Number(c.req.query('page') ?? '1') || 1, 1);
  const result = await listStaffPosts({
    db: db(c),
    actor: area.actor,
    lgCode: area.tenant.lgCode,
    page: current,
    ...(status ? { status } : {}),
  });
  return renderPage(
    c,
    <Layout page={page} title={titles.posts}>
      <StaffNav page={page} area={area} current={base} />
      <h1>{t(titles.posts)}</h1>
      <p>
        <a class="button" href={`${base}/new`}>
          {t(titles.create)}
        </a>
      </p>
      <form method="get" action={base} class="search-form">
        <div class="field">
          <label for="posts-status">{t({ ja: '状態', en: 'Status' })}</label>
          <select id="posts-status" name="status">
            <option value="">{t({ ja: 'すべて', en: 'All' })}</option>
            {(['draft', 'scheduled', 'published', 'archived'] as const).map((value) => (
              <option value={value} selected={status === value}>
                {t(postStatusLabels[value])}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="button button--secondary">
          {t({ ja: '絞り込む', en: 'Filter' })}
        </button>
      </form>
      <p role="status">{t({ ja: `${result.total}件`, en: `${result.total} posts` })}</p>
      <ul class="result-list">
        {result.items.map((item) => (
          <li>
            <span class="badge">{t(postStatusLabels[item.status])}</span>{' '}
            <span class="badge">{t(postKindLabels[item.kind])}</span> <a href={`${base}/${item.id}`}>{item.title}</a>{' '}
            <span class="muted">
              {item.status === 'scheduled' && item.publishAt
                ? `${t({ ja: '公開予定: ', en: 'Publishes: ' })}${dateTimeText(page, item.publishAt)}`
                : `${t({ ja: '更新: ', en: 'Changed: ' })}${dateTimeText(page, item.updatedAt)}`}
            </span>
          </li>
        ))}
      </ul>
      {result.total > result.perPage * current && (
        <p class="pager">
          <a href={`${base}?${new URLSearchParams({ ...(status ? { status } : {}), page: String(current + 1) })}`}>
            {t({ ja: '次のページ', en: 'Next page' })}
          </a>
        </p>
      )}
    </Layout>,
  );
}

async function newPage(c: Context<AppEnv>, area: StaffArea, state: { error?: AppError; values?: FormValues } = {}) {
  const page = pageContext(c);
  const { t } = page;
  const base = `/staff/${area.tenant.lgCode}/posts`;
  const projects = await listRecruitableProjects({ db: db(c), actor: area.actor, lgCode: area.tenant.lgCode });
  return renderPage(
    c,
    <Layout page={page} title={titles.create}>
      <StaffNav page={page} area={area} current={base} />
      <h1>{t(titles.create)}</h1>
      {state.error && <Notice kind="error">{errorText(page, state.error)}</Notice>}
      <PostForm page={page} action={base} class="form-stack">
        <PostFields page={page} values={state.values ?? valuesOf(undefined)} projects={projects} />
        <p>
          <button type="submit" class="button">
            {t({ ja: '下書きを保存', en: 'Save draft' })}
          </button>
        </p>
      </PostForm>
    </Layout>,
    state.error ? (state.error.status as 400) : 200,
  );
}

async function editPage(c: Context<AppEnv>, area: StaffArea, state: { error?: AppError; values?: FormValues } = {}) {
  const page = pageContext(c);
  const { t } = page;
  const lgCode = area.tenant.lgCode;
  const { post, images, organisationName, projectTitle } = await getStaffPost({
    db: db(c),
    actor: area.actor,
    lgCode,
    postId: c.req.param('postId') ?? '',
  });
  const base = `/staff/${lgCode}/posts/${post.id}`;
  const projects = await listRecruitableProjects({ db: db(c), actor: area.actor, lgCode });
  if (projectTitle && post.project_id && !projects.some((project) => project.id === post.project_id)) {
    projects.push({ id: post.project_id, title: projectTitle, category: 'other' });
  }
  const notice = c.req.query('notice');
  const archived = post.status === 'archived';
  return renderPage(
    c,
    <Layout page={page} title={titles.edit}>
      <StaffNav page={page} area={area} current={`/staff/${lgCode}/posts`} />
      <h1>{t(titles.edit)}</h1>
      {state.error && <Notice kind="error">{errorText(page, state.error)}</Notice>}
      {notice && (
        <Notice kind="success">
          {t(
            {
              created: { ja: '下書きを保存しました。', en: 'Draft saved.' },
              saved: { ja: '保存しました。', en: 'Saved.' },
              published: {
                ja: '公開しました。登録者にお知らせします。',
                en: 'Published. Registrants will be told.',
              },
              scheduled: { ja: '公開を予約しました。', en: 'Publication scheduled.' },
              unscheduled: { ja: '予約を取り消し、下書きに戻しました。', en: 'Back to draft.' },
              archived: { ja: 'アーカイブしました。公開ページと検索から外れました。', en: 'Archived.' },
              image_added: { ja: '画像を追加しました（位置情報などは取り除きました）。', en: 'Image added.' },
              image_removed: { ja: '画像を削除しました。', en: 'Image removed.' },
            }[notice] ?? { ja: '', en: '' },
          )}
        </Notice>
      )}
      <p>
        <span class="badge">{t(postStatusLabels[post.status])}</span>{' '}
        {post.status === 'scheduled' && post.publish_at && (
          <span>{`${t({ ja: '公開予定: ', en: 'Publishes: ' })}${dateTimeText(page, post.publish_at)}`}</span>
        )}
        {post.published_at && (
          <span>{` ${t({ ja: '公開日: ', en: 'Published: ' })}${dateTimeText(page, post.published_at)}`}</span>
        )}
        {organisationName && <span>{` ・ ${organisationName}`}</span>}
        {post.status === 'published' && (
          <>
            {' ・ '}
            <a href={`/posts/${lgCode}/${post.id}`}>{t({ ja: '公開ページを見る', en: 'View public page' })}</a>
          </>
        )}
      </p>
      <section aria-labelledby="actions-heading">
        <h2 id="actions-heading">{t({ ja: '公開', en: 'Publication' })}</h2>
        {post.status !== 'published' && (
          <PostForm page={page} action={`${base}/publish`} class="inline-form">
            <button type="submit" class="button">
              {archived
                ? t({ ja: 'もう一度公開する', en: 'Publish again' })
                : t({ ja: '今すぐ公開する', en: 'Publish now' })}
            </button>
          </PostForm>
        )}{' '}
        {(post.status === 'draft' || post.status === 'scheduled') && (
          <PostForm page={page} action={`${base}/schedule`} class="inline-form">
            <label for="publish-at">{t({ ja: '公開日時（日本時間）', en: 'Publish at (Japan time)' })}</label>{' '}
            <input
              id="publish-at"
              type="datetime-local"
              name="publishAt"
              value={localValue(post.publish_at)}
              required
            />{' '}
            <button type="submit" class="button button--secondary">
              {t({ ja: '公開を予約する', en: 'Schedule' })}
            </button>
          </PostForm>
        )}{' '}
        {post.status === 'scheduled' && (
          <PostForm page={page} action={`${base}/unschedule`} class="inline-form">
            <button type="submit" class="button button--secondary">
              {t({ ja: '予約を取り消す', en: 'Unschedule' })}
            </button>
          </PostForm>
        )}
        {post.status === 'published' && (
          <PostForm page={page} action={`${base}/archive`} class="inline-form">
            <button type="submit" class="button button--danger">
              {t({ ja: 'アーカイブする（非公開にする）', en: 'Archive (unpublish)' })}
            </button>
          </PostForm>
        )}
      </section>
      <section aria-labelledby="content-heading">
        <h2 id="content-heading">{t({ ja: '内容', en: 'Content' })}</h2>
        {archived ? (
          <p>
            {t({
              ja: 'アーカイブした投稿は変更できません。変更するには、もう一度公開してください。',
              en: 'An archived post cannot be changed. Publish it again first.',
            })}
          </p>
        ) : (
          <PostForm page={page} action={base} class="form-stack">
            <PostFields page={page} values={state.values ?? valuesOf(post)} projects={projects} />
            <p>
              <button type="submit" class="button">
                {t({ ja: '保存する', en: 'Save' })}
              </button>
            </p>
          </PostForm>
        )}
      </section>
      <section aria-labelledby="images-heading">
        <h2 id="images-heading">{t({ ja: '画像', en: 'Images' })}</h2>
        <p class="muted">
          {t({
            ja: `${maxImagesPerPost}枚まで。写真の位置情報（GPS）や撮影情報は、アップロードのときに取り除きます。`,
            en: `Up to ${maxImagesPerPost}. Location (GPS) and camera data are removed on upload.`,
          })}
        </p>
        <ul class="image-list">
          {images.map((image) => (
            <li>
              <img
                src={`${base}/images/${image.id}`}
                alt={image.alt_text}
                width={Math.min(image.width, 240)}
                loading="lazy"
              />
              {!archived && (
                <PostForm page={page} action={`${base}/images/${image.id}/remove`} class="inline-form">
                  <button type="submit" class="link-button">
                    {t({ ja: '削除', en: 'Remove' })}
                  </button>
                </PostForm>
              )}
            </li>
          ))}
        </ul>
        {!archived && images.length < maxImagesPerPost && (
          <form method="post" action={`${base}/images`} enctype="multipart/form-data" class="form-stack">
            <input type="hidden" name={csrfFieldName} value={page.csrfToken} />
            <div class="field">
              <label for="image-file">{t({ ja: '画像ファイル（12MBまで）', en: 'Image file (up to 12 MB)' })}</label>
              <input
                id="image-file"
                type="file"
                name="file"
                accept="image/jpeg,image/png,image/webp,image/gif,image/avif"
                required
              />
            </div>
            <div class="field">
              <label for="image-alt">
                {t({ ja: '画像の説明（読み上げ用）', en: 'Description (for screen readers)' })}
              </label>
              <input id="image-alt" name="altText" maxlength={300} />
            </div>
            <button type="submit" class="button button--secondary">
              {t({ ja: '画像を追加', en: 'Add image' })}
            </button>
          </form>
        )}
      </section>
    </Layout>,
    state.error ? (state.error.status as 400) : 200,
  );
}

/** Runs a form action; a refusal the person can fix shows the edit page with the reason. */
async function postAction(
  c: Context<AppEnv>,
  area: StaffArea,
  action: () => Promise<unknown>,
  notice: string,
): Promise<Response> {
  try {
    await action();
  } catch (error) {
    if (error instanceof AppError && error.status < 500 && error.status !== 404) return editPage(c, area, { error });
    throw error;
  }
  return c.redirect(`/staff/${area.tenant.lgCode}/posts/${c.req.param('postId')}?notice=${notice}`, 303);
}

export function postPages(): AppRouter {
  const router = createRouter();
  const scope = (area: StaffArea) => ({ actor: area.actor, lgCode: area.tenant.lgCode });

  router.get('/staff/:lgCode/posts', (c) => withStaffArea(c, (area) => listPage(c, area)));
  router.get('/staff/:lgCode/posts/new', (c) => withStaffArea(c, (area) => newPage(c, area)));

  router.post('/staff/:lgCode/posts', (c) =>
    withStaffArea(c, async (area) => {
      const body = (await c.req.parseBody()) as FormBody;
      try {
        const post = await createPost({ ...scope(area), db: db(c), input: inputFromForm(body) });
        return c.redirect(`/staff/${area.tenant.lgCode}/posts/${post.id}?notice=created`, 303);
      } catch (error) {
        if (error instanceof AppError && error.status < 500 && error.status !== 404) {
          return newPage(c, area, { error, values: valuesFromBody(body) });
        }
        throw error;
      }
    }),
  );

  router.get('/staff/:lgCode/posts/:postId', (c) => withStaffArea(c, (area) => editPage(c, area)));

  router.post('/staff/:lgCode/posts/:postId', (c) =>
    withStaffArea(c, async (area) => {
      const body = (await c.req.parseBody()) as FormBody;
      try {
        await updatePost({ ...scope(area), db: db(c), postId: c.req.param('postId'), input: inputFromForm(body) });
      } catch (error) {
        if (error instanceof AppError && error.status < 500 && error.status !== 404) {
          return editPage(c, area, { error, values: valuesFromBody(body) });
        }
        throw error;
      }
      return c.redirect(`/staff/${area.tenant.lgCode}/posts/${c.req.param('postId')}?notice=saved`, 303);
    }),
  );

  router.post('/staff/:lgCode/posts/:postId/publish', (c) =>
    withStaffArea(c, (area) =>
      postAction(c, area, () => publishPost({ ...scope(area), db: db(c), postId: c.req.param('postId') }), 'published'),
    ),
  );
  router.post('/staff/:lgCode/posts/:postId/schedule', (c) =>
    withStaffArea(c, async (area) => {
      const body = (await c.req.parseBody()) as FormBody;
      const value = fromLocal(formValue(body, 'publishAt'));
      return postAction(
        c,
        area,
        () => {
          const publishAt = value ? new Date(value) : new Date(Number.NaN);
          return schedulePost({ ...scope(area), db: db(c), postId: c.req.param('postId'), publishAt });
        },
        'scheduled',
      );
    }),
  );
  router.post('/staff/:lgCode/posts/:postId/unschedule', (c) =>
    withStaffArea(c, (area) =>
      postAction(
        c,
        area,
        () => unschedulePost({ ...scope(area), db: db(c), postId: c.req.param('postId') }),
        'unscheduled',
      ),
    ),
  );
  router.post('/staff/:lgCode/posts/:postId/archive', (c) =>
    withStaffArea(c, (area) =>
      postAction(c, area, () => archivePost({ ...scope(area), db: db(c), postId: c.req.param('postId') }), 'archived'),
    ),
  );

  router.post('/staff/:lgCode/posts/:postId/images', (c) =>
    withStaffArea(c, async (area) => {
      const body = (await c.req.parseBody()) as FormBody;
      const file = body.file;
      return postAction(
        c,
        area,
        async () => {
          if (!(file instanceof File) || file.size === 0) throw new AppError('post_image_invalid');
          return addPostImage({
            ...scope(area),
            db: db(c),
            postId: c.req.param('postId'),
            file: new Uint8Array(await file.arrayBuffer()),
            altText: formValue(body, 'altText'),
          });
        },
        'image_added',
      );
    }),
  );
  router.post('/staff/:lgCode/posts/:postId/images/:imageId/remove', (c) =>
    withStaffArea(c, (area) =>
      postAction(
        c,
        area,
        () =>
          removePostImage({
            ...scope(area),
            db: db(c),
            postId: c.req.param('postId'),
            imageId: c.req.param('imageId'),
          }),
        'image_removed',
      ),
    ),
  );
  router.get('/staff/:lgCode/posts/:postId/images/:imageId', (c) =>
    withStaffArea(c, async (area) => {
      const image = await getStaffPostImage({
        ...scope(area),
        db: db(c),
        postId: c.req.param('postId'),
        imageId: c.req.param('imageId'),
      });
      return c.body(new Uint8Array(image.bytes), 200, {
        'Content-Type': image.content_type,
        'Cache-Control': 'private, no-store',
        'X-Content-Type-Options': 'nosniff',
      });
    }),
  );

  return router;
}
