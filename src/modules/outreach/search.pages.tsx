import type { Context } from 'hono';
import { postKinds, projectCategories } from '../../platform/db/schema.js';
import { AppError, problemCatalog } from '../../platform/errors.js';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { requireSession } from '../../platform/http/session.js';
import type { Localized } from '../../platform/i18n.js';
import { Notice, PostForm } from '../../platform/ui/forms.js';
import { Layout, pageContext, renderPage, type PageContext } from '../../platform/ui/layout.js';
import { listPrefectures } from '../municipalities/index.js';
import { categoryLabels, postKindLabels } from './posts.service.js';
import {
  deleteSavedSearch,
  getPublicPost,
  getPublicPostImage,
  listSavedSearches,
  myFeed,
  saveSearch,
  searchParameterNames,
  searchPath,
  searchPosts,
  updateSavedSearch,
  type PostCard,
  type SearchResult,
} from './search.service.js';

const titles = {
  search: { ja: '活動・お知らせをさがす', en: 'Find activities and news' },
  feed: { ja: '登録している自治体の新着', en: 'News from your places' },
  saved: { ja: '保存した検索', en: 'Saved searches' },
} satisfies Record<string, Localized>;

const sortLabels: Record<SearchResult['sort'], Localized> = {
  relevance: { ja: '関連の高い順', en: 'Best match' },
  newest: { ja: '新しい順', en: 'Newest' },
  upcoming: { ja: '開催日の近い順', en: 'Happening soonest' },
};

function db(c: Context<AppEnv>) {
  return c.get('deps').database.db;
}

function errorText(page: PageContext, error: AppError): string {
  const entry = problemCatalog[error.code];
  const detail = page.t(error.detail ?? { ja: entry.ja.detail, en: entry.en.detail });
  const fields = error.fieldErrors.map((field) => field.field);
  return fields.length > 0 && !error.detail ? `${detail} (${fields.join(', ')})` : detail;
}

function dateText(page: PageContext, date: Date, withTime = false): string {
  return new Intl.DateTimeFormat(page.locale === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'medium',
    ...(withTime ? { timeStyle: 'short' as const } : {}),
    timeZone: 'Asia/Tokyo',
  }).format(date);
}

function whenText(page: PageContext, post: Pick<PostCard, 'startsAt' | 'endsAt'>): string | undefined {
  if (!post.startsAt) return undefined;
  const start = dateText(page, post.startsAt, true);
  return post.endsAt ? `${start} – ${dateText(page, post.endsAt, true)}` : start;
}

/** The query without empty values and the language switch: the form's 「すべて」 means no filter. */
function filledQuery(c: Context<AppEnv>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(c.req.query()).filter(([key, value]) => value !== '' && key !== 'lang' && key !== 'notice'),
  );
}

export function PostCardView(props: { page: PageContext; post: PostCard }) {
  const { page, post } = props;
  const { t } = page;
  const when = whenText(page, post);
  return (
    <li class="post-card">
      {post.thumbnail && (
        <img class="post-card__thumb" src={post.thumbnail.path} alt={post.thumbnail.alt} loading="lazy" />
      )}
      <div>
        <p class="post-card__meta">
          <span class="badge">{t(postKindLabels[post.kind])}</span>{' '}
          {post.designated && (
            <span class="badge badge--premium">{t({ ja: 'プレミアム要件の対象', en: 'Counts for premium' })}</span>
          )}{' '}
          {post.kind === 'recruitment' && post.openCapacity && (
            <span class="badge badge--participating">{t({ ja: '受付中', en: 'Open' })}</span>
          )}{' '}
          {post.audience === 'registrants' && (
            <span class="badge">{t({ ja: '登録者限定', en: 'Registrants only' })}</span>
          )}{' '}
          <span>{post.governmentName}</span>
          {post.organisationName && <span>{` ・ ${post.organisationName}`}</span>}
        </p>
        <h3 class="post-card__title">
          <a href={`/posts/${post.lgCode}/${post.id}`}>{post.title}</a>
        </h3>
        {post.summary && <p class="post-card__summary">{post.summary}</p>}
        <p class="muted">
          {when && <span>{`${t({ ja: '日時: ', en: 'When: ' })}${when}　`}</span>}
          {post.placeName && <span>{`${t({ ja: '場所: ', en: 'Where: ' })}${post.placeName}　`}</span>}
          <span>{`${t({ ja: '掲載: ', en: 'Posted: ' })}${dateText(page, post.publishedAt)}`}</span>
        </p>
      </div>
    </li>
  );
}

function Pager(props: {
  page: PageContext;
  base: Record<string, string>;
  current: number;
  pages: number;
  path: string;
}) {
  const { t } = props.page;
  if (props.pages <= 1) return null;
  const href = (target: number) => `${props.path}?${new URLSearchParams({ ...props.base, page: String(target) })}`;
  return (
    <nav class="pager" aria-label={t({ ja: 'ページ送り', en: 'Pages' })}>
      {props.current > 1 && (
        <a href={href(props.current - 1)} rel="prev">
          {t({ ja: '前のページ', en: 'Previous' })}
        </a>
      )}
      <span>{t({ ja: `${props.current} / ${props.pages}ページ`, en: `Page ${props.current} of ${props.pages}` })}</span>
      {props.current < props.pages && (
        <a href={href(props.current + 1)} rel="next">
          {t({ ja: '次のページ', en: 'Next' })}
        </a>
      )}
    </nav>
  );
}

async function searchPage(c: Context<AppEnv>) {
  const page = pageContext(c);
  const { t } = page;
  const query = filledQuery(c);
  const session = c.get('session');
  const prefectures = await listPrefectures({ db: db(c) });
  let result: SearchResult | undefined;
  let error: AppError | undefined;
  try {
    result = await searchPosts({ db: db(c), query });
  } catch (thrown) {
    if (!(thrown instanceof AppError) || thrown.status >= 500) throw thrown;
    error = thrown;
  }
  const searchQuery = Object.fromEntries(
    searchParameterNames.flatMap((name) => (query[name] ? [[name, query[name]]] : [])),
  );
  const pages = result ? Math.min(Math.ceil(result.total / result.perPage), 500) : 0;
  const notice = c.req.query('notice');
  return renderPage(
    c,
    <Layout page={page} title={titles.search}>
      <h1>{t(titles.search)}</h1>
      <p class="lead">
        {t({
          ja: '全国の自治体や団体のお知らせ・イベント・担い手募集・地域の魅力をさがせます。',
          en: 'News, events, calls for help and local attractions of local governments and organisations nationwide.',
        })}
      </p>
      {notice === 'saved' && (
        <Notice kind="success">
          {t({
            ja: '検索を保存しました。新しく合う投稿があるとお知らせします。',
            en: 'Search saved. You will be told of new matches.',
          })}{' '}
          <a href="/my/saved-searches">{t(titles.saved)}</a>
        </Notice>
      )}
      {error && <Notice kind="error">{errorText(page, error)}</Notice>}
      <form method="get" action="/search" class="search-form" role="search">
        <div class="field">
          <label for="search-q">{t({ ja: 'キーワード', en: 'Keywords' })}</label>
          <input id="search-q" type="search" name="q" value={query.q ?? ''} maxlength={200} />
        </div>
        <div class="field">
          <label for="search-prefecture">{t({ ja: '都道府県', en: 'Prefecture' })}</label>
          <select id="search-prefecture" name="prefecture">
            <option value="">{t({ ja: 'すべて', en: 'All' })}</option>
            {prefectures.map((prefecture) => (
              <option value={prefecture.code} selected={query.prefecture === prefecture.code}>
                {prefecture.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="search-kind">{t({ ja: '種類', en: 'Kind' })}</label>
          <select id="search-kind" name="kind">
            <option value="">{t({ ja: 'すべて', en: 'All' })}</option>
            {postKinds.map((kind) => (
              <option value={kind} selected={query.kind === kind}>
                {t(postKindLabels[kind])}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="search-category">{t({ ja: '分野', en: 'Category' })}</label>
          <select id="search-category" name="category">
            <option value="">{t({ ja: 'すべて', en: 'All' })}</option>
            {projectCategories.map((category) => (
              <option value={category} selected={query.category === category}>
                {t(categoryLabels[category])}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="search-from">{t({ ja: '開催日（から）', en: 'Happening from' })}</label>
          <input id="search-from" type="date" name="from" value={query.from ?? ''} />
        </div>
        <div class="field">
          <label for="search-to">{t({ ja: '開催日（まで）', en: 'Happening until' })}</label>
          <input id="search-to" type="date" name="to" value={query.to ?? ''} />
        </div>
        <label class="checkbox">
          <input type="checkbox" name="designated" value="true" checked={query.designated === 'true'} />
          {t({ ja: 'プレミアム登録の要件になる活動だけ', en: 'Only activities that count for premium' })}
        </label>
        <label class="checkbox">
          <input type="checkbox" name="openCapacity" value="true" checked={query.openCapacity === 'true'} />
          {t({ ja: '申し込みを受付中のものだけ', en: 'Only those still taking applications' })}
        </label>
        <div class="field">
          <label for="search-sort">{t({ ja: '並び順', en: 'Sort' })}</label>
          <select id="search-sort" name="sort">
            <option value="">{t({ ja: 'おすすめ', en: 'Default' })}</option>
            {(['relevance', 'newest', 'upcoming'] as const).map((sort) => (
              <option value={sort} selected={query.sort === sort}>
                {t(sortLabels[sort])}
              </option>
            ))}
          </select>
        </div>
        {query.lgCode && <input type="hidden" name="lgCode" value={query.lgCode} />}
        {query.tag && <input type="hidden" name="tag" value={query.tag} />}
        <p>
          <button type="submit" class="button">
            {t({ ja: '検索', en: 'Search' })}
          </button>
        </p>
      </form>
      {result && (
        <section aria-labelledby="results-heading">
          <h2 id="results-heading">{t({ ja: '検索結果', en: 'Results' })}</h2>
          <p role="status" class="search-status">
            {t({
              ja: `${result.total.toLocaleString('ja-JP')}件${result.totalCapped ? '以上' : ''}（${t(sortLabels[result.sort])}）`,
              en: `${result.totalCapped ? 'Over ' : ''}${result.total.toLocaleString('en-GB')} found (${t(sortLabels[result.sort])})`,
            })}
            {query.tag && ` ・ #${query.tag}`}
          </p>
          {session && Object.keys(searchQuery).length > 0 && (
            <PostForm page={page} action="/my/saved-searches" class="inline-form">
              {Object.entries(searchQuery).map(([name, value]) => (
                <input type="hidden" name={name} value={value} />
              ))}
              <button type="submit" class="button button--secondary">
                {t({ ja: 'この条件を保存して新着を受け取る', en: 'Save this search and get new matches' })}
              </button>
            </PostForm>
          )}
          {result.items.length === 0 ? (
            <p>
              {t({
                ja: '条件に合う投稿はありませんでした。キーワードを短くするか、条件を減らしてみてください。',
                en: 'Nothing matched. Try shorter keywords or fewer filters.',
              })}
            </p>
          ) : (
            <ul class="post-list">
              {result.items.map((post) => (
                <PostCardView page={page} post={post} />
              ))}
            </ul>
          )}
          <Pager page={page} base={{ ...searchQuery }} current={result.page} pages={pages} path="/search" />
        </section>
      )}
    </Layout>,
    error ? 400 : 200,
  );
}

async function postPage(c: Context<AppEnv>) {
  const page = pageContext(c);
  const { t } = page;
  const session = c.get('session');
  const post = await getPublicPost({
    db: db(c),
    lgCode: c.req.param('lgCode') ?? '',
    postId: c.req.param('postId') ?? '',
    ...(session ? { personId: session.personId } : {}),
  });
  if (post.audience === 'registrants') c.header('Cache-Control', 'private, no-store');
  const when = whenText(page, post);
  return renderPage(
    c,
    <Layout page={page} title={{ ja: post.title, en: post.title }}>
      <article class="post">
        <p class="post-card__meta">
          <span class="badge">{t(postKindLabels[post.kind])}</span>{' '}
          {post.category && <span class="badge">{t(categoryLabels[post.category])}</span>}{' '}
          {post.designated && (
            <span class="badge badge--premium">{t({ ja: 'プレミアム要件の対象', en: 'Counts for premium' })}</span>
          )}
        </p>
        <h1>{post.title}</h1>
        <p>
          <a href={searchPath({ lgCode: post.lgCode })}>{post.governmentName}</a>
          {post.organisationName && ` ・ ${post.organisationName}`}
        </p>
        <dl class="post__facts">
          {when && (
            <>
              <dt>{t({ ja: '日時', en: 'When' })}</dt>
              <dd>{when}</dd>
            </>
          )}
          {(post.placeName || post.placeAddress) && (
            <>
              <dt>{t({ ja: '場所', en: 'Where' })}</dt>
              <dd>{[post.placeName, post.placeAddress].filter(Boolean).join(' ')}</dd>
            </>
          )}
          {post.projectTitle && (
            <>
              <dt>{t({ ja: '事業', en: 'Project' })}</dt>
              <dd>
                {post.projectTitle}
                {post.kind === 'recruitment' &&
                  (post.openCapacity
                    ? t({ ja: '（申し込み受付中）', en: ' (taking applications)' })
                    : t({ ja: '（受付中の回はありません）', en: ' (no session open)' }))}
              </dd>
            </>
          )}
          <dt>{t({ ja: '掲載日', en: 'Posted' })}</dt>
          <dd>{dateText(page, post.publishedAt)}</dd>
        </dl>
        {post.summary && <p class="lead">{post.summary}</p>}
        <div class="post__body">{post.body}</div>
        {post.images.length > 0 && (
          <div class="post__images">
            {post.images.map((image) => (
              <img src={image.path} alt={image.alt} width={image.width} height={image.height} loading="lazy" />
            ))}
          </div>
        )}
        {post.tags.length > 0 && (
          <p>
            {post.tags.map((tag) => (
              <>
                <a class="tag" href={searchPath({ tag })}>{`#${tag}`}</a>{' '}
              </>
            ))}
          </p>
        )}
      </article>
      <p>
        <a href="/search">{t(titles.search)}</a>
      </p>
    </Layout>,
  );
}

async function feedPage(c: Context<AppEnv>) {
  const session = requireSession(c);
  const page = pageContext(c);
  const { t } = page;
  const current = Number(c.req.query('page') ?? '1');
  const feed = await myFeed({
    db: db(c),
    personId: session.personId,
    page: Number.isInteger(current) && current > 0 ? current : 1,
  });
  c.header('Cache-Control', 'no-store');
  return renderPage(
    c,
    <Layout page={page} title={titles.feed}>
      <h1>{t(titles.feed)}</h1>
      {feed.governments === 0 ? (
        <p>
          {t({
            ja: 'まだどの自治体にも登録していません。登録すると、その自治体のお知らせがここに届きます。',
            en: 'You are not registered anywhere yet. Register with a place to see its news here.',
          })}{' '}
          <a href="/register">{t({ ja: '登録する', en: 'Register' })}</a>
        </p>
      ) : feed.items.length === 0 ? (
        <p>{t({ ja: 'まだ新しい投稿はありません。', en: 'No posts yet.' })}</p>
      ) : (
        <ul class="post-list">
          {feed.items.map((post) => (
            <PostCardView page={page} post={post} />
          ))}
        </ul>
      )}
      <Pager page={page} base={{}} current={feed.page} pages={Math.ceil(feed.total / feed.perPage)} path="/my/feed" />
      <p>
        <a href="/search">{t(titles.search)}</a> ・ <a href="/my/saved-searches">{t(titles.saved)}</a>
      </p>
    </Layout>,
  );
}

async function savedPage(c: Context<AppEnv>) {
  const session = requireSession(c);
  const page = pageContext(c);
  const { t } = page;
  const saved = await listSavedSearches({ db: db(c), personId: session.personId });
  const notice = c.req.query('notice');
  c.header('Cache-Control', 'no-store');
  return renderPage(
    c,
    <Layout page={page} title={titles.saved}>
      <h1>{t(titles.saved)}</h1>
      {notice === 'deleted' && <Notice kind="success">{t({ ja: '削除しました。', en: 'Deleted.' })}</Notice>}
      {notice === 'updated' && <Notice kind="success">{t({ ja: '変更しました。', en: 'Changed.' })}</Notice>}
      {saved.length === 0 ? (
        <p>
          {t({
            ja: '保存した検索はありません。検索結果の「この条件を保存して新着を受け取る」で保存できます。',
            en: 'No saved searches. Save one from the search results.',
          })}
        </p>
      ) : (
        <ul class="result-list">
          {saved.map((entry) => (
            <li>
              <a href={entry.path}>{entry.name}</a>{' '}
              <span class="muted">
                {entry.notify
                  ? t({ ja: '（新着をお知らせ）', en: '(new matches notified)' })
                  : t({ ja: '（お知らせなし）', en: '(no notices)' })}
              </span>{' '}
              <PostForm page={page} action={`/my/saved-searches/${entry.id}/notify`} class="inline-form">
                <input type="hidden" name="notify" value={entry.notify ? 'false' : 'true'} />
                <button type="submit" class="link-button">
                  {entry.notify
                    ? t({ ja: 'お知らせを止める', en: 'Stop notices' })
                    : t({ ja: 'お知らせを受け取る', en: 'Get notices' })}
                </button>
              </PostForm>{' '}
              <PostForm page={page} action={`/my/saved-searches/${entry.id}/delete`} class="inline-form">
                <button type="submit" class="link-button">
                  {t({ ja: '削除', en: 'Delete' })}
                </button>
              </PostForm>
            </li>
          ))}
        </ul>
      )}
      <p>
        <a href="/search">{t(titles.search)}</a> ・{' '}
        <a href="/my/notifications/settings">{t({ ja: '通知の設定', en: 'Notification settings' })}</a>
      </p>
    </Layout>,
  );
}

export function searchPages(): AppRouter {
  const router = createRouter();

  router.get('/search', searchPage);
  router.get('/posts/:lgCode/:postId', postPage);
  router.get('/posts/:lgCode/:postId/images/:imageId', async (c) => {
    const session = c.get('session');
    const image = await getPublicPostImage({
      db: db(c),
      lgCode: c.req.param('lgCode'),
      postId: c.req.param('postId'),
      imageId: c.req.param('imageId'),
      ...(session ? { personId: session.personId } : {}),
    });
    const bytes = c.req.query('size') === 'thumb' ? image.thumbnail : image.bytes;
    return c.body(new Uint8Array(bytes), 200, {
      'Content-Type': image.content_type,
      'Cache-Control': image.audience === 'public' ? 'public, max-age=3600' : 'private, max-age=3600',
      'X-Content-Type-Options': 'nosniff',
    });
  });
  router.get('/my/feed', feedPage);
  router.get('/my/saved-searches', savedPage);

  router.post('/my/saved-searches', async (c) => {
    const session = requireSession(c);
    const body = await c.req.parseBody();
    const query = Object.fromEntries(
      searchParameterNames.flatMap((name) => {
        const value = body[name];
        return typeof value === 'string' && value.trim() ? [[name, value.trim()]] : [];
      }),
    );
    const saved = await saveSearch({ db: db(c), personId: session.personId, input: { query } });
    return c.redirect(`${saved.path}${saved.path.includes('?') ? '&' : '?'}notice=saved`, 303);
  });

  router.post('/my/saved-searches/:id/notify', async (c) => {
    const session = requireSession(c);
    const body = await c.req.parseBody();
    await updateSavedSearch({
      db: db(c),
      personId: session.personId,
      id: c.req.param('id'),
      input: { notify: body.notify === 'true' },
    });
    return c.redirect('/my/saved-searches?notice=updated', 303);
  });

  router.post('/my/saved-searches/:id/delete', async (c) => {
    const session = requireSession(c);
    await deleteSavedSearch({ db: db(c), personId: session.personId, id: c.req.param('id') });
    return c.redirect('/my/saved-searches?notice=deleted', 303);
  });

  return router;
}
