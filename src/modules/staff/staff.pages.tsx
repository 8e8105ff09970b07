import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import type { Actor } from '../../platform/audit.js';
import { staffRoleLabels, staffRoles, type StaffRole } from '../../platform/auth/tenant-roles.js';
import { AppError, problemCatalog } from '../../platform/errors.js';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { requireSession } from '../../platform/http/session.js';
import type { Localized } from '../../platform/i18n.js';
import { Notice, PostForm } from '../../platform/ui/forms.js';
import { Layout, pageContext, type PageContext } from '../../platform/ui/layout.js';
import { PasskeySecondFactor, safeNextPath } from '../identity/index.js';
import { getTenant, TenantSettings, updateTenantSettings } from '../municipalities/index.js';
import {
  confirmTotpEnrolment,
  hasConfirmedTotp,
  removeTotp,
  startTotpEnrolment,
  verifyTotp,
} from './second-factor.service.js';
import {
  acceptInvitation,
  changeStaffRole,
  enterTenantStaffArea,
  invitationDays,
  inviteStaff,
  listMyStaffTenants,
  listOpenInvitations,
  listStaffMembers,
  listTenantAuditEvents,
  previewInvitation,
  removeStaffMember,
  resolveSessionActor,
  revokeInvitation,
  secondFactorHours,
} from './staff.service.js';

export type StaffArea = Awaited<ReturnType<typeof enterTenantStaffArea>>;

/**
 * A page another module adds to a government's staff area (registrants, the premium queue, …): shown in
 * the staff menu and on the dashboard to the actors its module's policy allows. Modules push here, so
 * the staff module does not import them (they import it).
 */
export interface StaffAreaLink {
  /** Path under `/staff/{lgCode}`, e.g. `/registrations`. */
  path: string;
  label: Localized;
  show: (actor: Actor, lgCode: string) => boolean;
}

export const staffAreaLinks: StaffAreaLink[] = [];

const titles = {
  home: { ja: '職員用ページ', en: 'Staff area' },
  secondFactor: { ja: '二段階認証', en: 'Second factor' },
  enrol: { ja: '認証アプリの設定', en: 'Set up an authenticator app' },
  invitation: { ja: '職員への招待', en: 'Staff invitation' },
  members: { ja: '職員の管理', en: 'Staff members' },
  audit: { ja: '操作の記録（監査ログ）', en: 'Audit trail' },
  settings: { ja: '自治体の設定', en: 'Settings' },
} satisfies Record<string, Localized>;

/** Pages of the staff area answer with the status the situation has (a refused code is a 429 or a 400). */
async function render(c: Context<AppEnv>, element: unknown, status: ContentfulStatusCode = 200) {
  const html = String(await (element as Promise<string> | string));
  return c.html(`<!DOCTYPE html>${html}`, status);
}

function errorText(page: PageContext, error: AppError): string {
  const entry = problemCatalog[error.code];
  return page.t(error.detail ?? { ja: entry.ja.detail, en: entry.en.detail });
}

function statusOf(error: AppError): ContentfulStatusCode {
  return error.status as ContentfulStatusCode;
}

function formString(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value.trim() : '';
}

function roleFrom(value: string): StaffRole | undefined {
  return staffRoles.find((role) => role === value);
}

function deps(c: Context<AppEnv>) {
  const { database, config } = c.get('deps');
  return { db: database.db, config, requestId: c.get('requestId') };
}

function dateTimeFormat(page: PageContext) {
  return new Intl.DateTimeFormat(page.locale === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'Asia/Tokyo',
  });
}

function secondFactorHref(next: string): string {
  return `/staff/second-factor?next=${encodeURIComponent(next)}`;
}

/**
 * Opens the tenant's staff area for a page. Outsiders get the 404 page (thrown on), members without a
 * second factor are sent to prove one and brought back (a form post comes back to the dashboard).
 */
export async function withArea(c: Context<AppEnv>, handler: (area: StaffArea) => Promise<Response>): Promise<Response> {
  let area: StaffArea;
  try {
    area = await enterTenantStaffArea({ ...deps(c), session: requireSession(c), lgCode: c.req.param('lgCode') ?? '' });
  } catch (error) {
    if (error instanceof AppError && error.code === 'second_factor_required') {
      const url = new URL(c.req.url);
      const back = c.req.method === 'GET' ? url.pathname + url.search : `/staff/${c.req.param('lgCode') ?? ''}`;
      return c.redirect(secondFactorHref(back), 303);
    }
    throw error;
  }
  return handler(area);
}

/** The module pages of `staffAreaLinks` this actor may open here. */
function moduleLinks(area: StaffArea): Array<{ href: string; label: Localized; show: boolean }> {
  const base = `/staff/${area.tenant.lgCode}`;
  return staffAreaLinks.map((link) => ({
    href: `${base}${link.path}`,
    label: link.label,
    show: link.show(area.actor, area.tenant.lgCode),
  }));
}

export function StaffNav(props: { page: PageContext; area: StaffArea; current: string }) {
  const { t } = props.page;
  const base = `/staff/${props.area.tenant.lgCode}`;
  const items: Array<{ href: string; label: Localized; show: boolean }> = [
    { href: base, label: { ja: 'ホーム', en: 'Home' }, show: true },
    ...moduleLinks(props.area),
    { href: `${base}/members`, label: titles.members, show: props.area.permissions.manageStaff },
    { href: `${base}/audit`, label: titles.audit, show: props.area.permissions.readAuditTrail },
    { href: `${base}/settings`, label: titles.settings, show: props.area.permissions.updateSettings },
  ];
  return (
    <nav class="staff-nav" aria-label={t({ ja: '職員用メニュー', en: 'Staff menu' })}>
      <p class="staff-nav__tenant">
        <strong>{props.area.tenant.name}</strong>{' '}
        <span class="badge">
          {props.area.role ? t(staffRoleLabels[props.area.role]) : t({ ja: '運営者（国）', en: 'National operator' })}
        </span>
      </p>
      <ul class="nav-list">
        {items
          .filter((item) => item.show)
          .map((item) => (
            <li>
              <a href={item.href} aria-current={item.href === props.current ? 'page' : undefined}>
                {t(item.label)}
              </a>
            </li>
          ))}
      </ul>
    </nav>
  );
}

function NotStaffPage(props: { page: PageContext }) {
  const { t } = props.page;
  return (
    <Layout page={props.page} title={titles.home}>
      <h1>{t(titles.home)}</h1>
      <p>
        {t({
          ja: 'このアカウントは、どの自治体の職員としても登録されていません。自治体から招待メールが届いている場合は、メールのリンクを開いてください。',
          en: 'This account is not a staff member of any local government. If a local government invited you, open the link in its mail.',
        })}
      </p>
    </Layout>
  );
}

async function homePage(c: Context<AppEnv>) {
  const session = requireSession(c);
  const page = pageContext(c);
  const { t } = page;
  const { db, requestId } = deps(c);
  const actor = await resolveSessionActor({ db, session, requestId });
  if (actor.kind === 'person') return render(c, <NotStaffPage page={page} />);
  if (!actor.secondFactor) return c.redirect(secondFactorHref('/staff'), 303);
  const tenants = await listMyStaffTenants({ db, actor });
  const only = tenants[0];
  if (tenants.length === 1 && only && actor.kind !== 'operator' && !c.req.query('notice')) {
    return c.redirect(`/staff/${only.lgCode}`, 303);
  }
  return render(
    c,
    <Layout page={page} title={titles.home}>
      <h1>{t(titles.home)}</h1>
      {c.req.query('notice') === 'second-factor' && (
        <Notice kind="success">{t({ ja: '確認できました。', en: 'Confirmed.' })}</Notice>
      )}
      {tenants.length > 0 && (
        <section aria-labelledby="tenants-heading">
          <h2 id="tenants-heading">{t({ ja: 'どの自治体で作業しますか', en: 'Where do you want to work?' })}</h2>
          <ul class="result-list">
            {tenants.map((tenant) => (
              <li>
                <a href={`/staff/${tenant.lgCode}`}>{tenant.name}</a>{' '}
                <span class="badge">{t(staffRoleLabels[tenant.role])}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
      {actor.kind === 'operator' && (
        <section aria-labelledby="operator-heading">
          <h2 id="operator-heading">{t({ ja: '運営者（国）', en: 'National operator' })}</h2>
          <p>
            <a href="/operator/insights">{t({ ja: '関係人口の集計（全国）', en: 'Related population (national)' })}</a>
          </p>
          <form method="get" action="/staff/open" class="form-stack">
            <div class="field">
              <label for="lgCode">
                {t({ ja: '全国地方公共団体コード（6桁）', en: 'Local government code (6 digits)' })}
              </label>
              <input
                type="text"
                inputmode="numeric"
                pattern="[0-9]{6}"
                maxlength={6}
                id="lgCode"
                name="lgCode"
                required
              />
            </div>
            <div>
              <button class="button" type="submit">
                {t({ ja: '開く', en: 'Open' })}
              </button>
            </div>
          </form>
        </section>
      )}
      <section aria-labelledby="factor-heading">
        <h2 id="factor-heading">{t({ ja: '認証アプリ', en: 'Authenticator app' })}</h2>
        <p>
          {t({
            ja: '機種変更などで認証アプリを設定し直すときは、いまの設定を削除してから、もう一度設定してください。',
            en: 'To move to a new phone, remove the current set-up and set up the app again.',
          })}
        </p>
        <PostForm page={page} action="/staff/second-factor/remove" class="inline-form">
          <button type="submit" class="button button--secondary">
            {t({ ja: '認証アプリの設定を削除する', en: 'Remove the authenticator app' })}
          </button>
        </PostForm>
      </section>
    </Layout>,
  );
}

function CodeField(props: { page: PageContext; error?: string }) {
  const { t } = props.page;
  return (
    <div class="field">
      <label for="code">{t({ ja: '確認コード（6桁）', en: 'Code (6 digits)' })}</label>
      <span class="hint" id="code-hint">
        {t({
          ja: '認証アプリ（Google Authenticator、Microsoft Authenticator など）に表示されている数字です。',
          en: 'The number shown in your authenticator app (Google Authenticator, Microsoft Authenticator, …).',
        })}
      </span>
      <input
        type="text"
        inputmode="numeric"
        autocomplete="one-time-code"
        pattern="[0-9]{6}"
        maxlength={6}
        id="code"
        name="code"
        required
        aria-describedby="code-hint"
        aria-invalid={props.error ? 'true' : undefined}
      />
    </div>
  );
}

/** A registered passkey proves the second factor too (identity's passkeys; shown only where usable). */
function PasskeyAlternative(props: { page: PageContext; next: string }) {
  return <PasskeySecondFactor page={props.page} next={props.next} />;
}

/**
 * 二段階認証: a code from the enrolled app, or (first time) the enrolment with QR code, secret and a
 * confirming code. Only staff and operators get here; everyone else sees that they are not staff.
 */
async function secondFactorPage(c: Context<AppEnv>, options: { error?: AppError } = {}) {
  const session = requireSession(c);
  const page = pageContext(c);
  const { t } = page;
  const { db, config, requestId } = deps(c);
  const actor = await resolveSessionActor({ db, session, requestId });
  if (actor.kind === 'person') return render(c, <NotStaffPage page={page} />);
  const next = safeNextPath(c.req.query('next')) ?? '/staff';
  const error = options.error ? errorText(page, options.error) : undefined;
  const status = options.error ? statusOf(options.error) : 200;
  const enrolment = await startTotpEnrolment({ db, config, session });
  const nextQuery = `?next=${encodeURIComponent(next)}`;
  if (enrolment.enrolled) {
    return render(
      c,
      <Layout page={page} title={titles.secondFactor}>
        <h1>{t(titles.secondFactor)}</h1>
        <p>
          {t({
            ja: `職員用の機能を使うには、認証アプリの確認コードを入力してください（${secondFactorHours}時間有効です）。`,
            en: `Staff functions need a code from your authenticator app (valid for ${secondFactorHours} hours).`,
          })}
        </p>
        <PostForm page={page} action={`/staff/second-factor${nextQuery}`} class="form-stack">
          {error && <Notice kind="error">{error}</Notice>}
          <CodeField page={page} {...(error ? { error } : {})} />
          <div>
            <button class="button" type="submit">
              {t({ ja: '確認する', en: 'Confirm' })}
            </button>
          </div>
        </PostForm>
        <PasskeyAlternative page={page} next={next} />
        <p class="muted">
          {t({
            ja: '認証アプリを使えなくなったときは、運営者に設定の削除を依頼してください。',
            en: 'If you lost access to the app, ask the operator to reset it.',
          })}
        </p>
      </Layout>,
      status,
    );
  }
  return render(
    c,
    <Layout page={page} title={titles.enrol}>
      <h1>{t(titles.enrol)}</h1>
      <p>
        {t({
          ja: '職員用の機能を使うには、ログインのたびにメールに加えて認証アプリの確認コードが必要です。スマートフォンの認証アプリで次のQRコードを読み取ってください。',
          en: 'Staff functions need, besides your e-mail sign-in, a code from an authenticator app. Scan this QR code with the app on your phone.',
        })}
      </p>
      <p class="qr-code">
        <img
          src={enrolment.qrCodeDataUri}
          width={220}
          height={220}
          alt={t({ ja: '認証アプリ設定用のQRコード', en: 'QR code for the authenticator app' })}
        />
      </p>
      <p>
        {t({ ja: '読み取れないときは、次のキーを手で入力してください。', en: 'If you cannot scan it, type this key:' })}
        <br />
        <code class="secret-code">{enrolment.secret}</code>
      </p>
      <details>
        <summary>{t({ ja: '設定用URI', en: 'Set-up URI' })}</summary>
        <code class="secret-code">{enrolment.uri}</code>
      </details>
      <PostForm page={page} action={`/staff/second-factor/enrol${nextQuery}`} class="form-stack">
        {error && <Notice kind="error">{error}</Notice>}
        <CodeField page={page} {...(error ? { error } : {})} />
        <div>
          <button class="button" type="submit">
            {t({ ja: '設定を完了する', en: 'Finish set-up' })}
          </button>
        </div>
      </PostForm>
      <PasskeyAlternative page={page} next={next} />
    </Layout>,
    status,
  );
}

/** Wrong, reused and too many codes are shown on the same page; anything else is an error page. */
async function submitCode(c: Context<AppEnv>, check: typeof verifyTotp) {
  const session = requireSession(c);
  const body = await c.req.parseBody();
  const next = safeNextPath(c.req.query('next')) ?? '/staff';
  try {
    await check({ ...deps(c), session, code: formString(body, 'code') });
  } catch (error) {
    if (error instanceof AppError && (error.code === 'validation_failed' || error.code === 'rate_limited')) {
      return secondFactorPage(c, { error });
    }
    throw error;
  }
  return c.redirect(next === '/staff' ? '/staff?notice=second-factor' : next, 303);
}

async function invitationPage(c: Context<AppEnv>, options: { error?: AppError } = {}) {
  const page = pageContext(c);
  const { t } = page;
  const token = c.req.query('token') ?? '';
  const session = c.get('session');
  const here = `/staff/invitations/accept?token=${encodeURIComponent(token)}`;
  let preview: Awaited<ReturnType<typeof previewInvitation>> | undefined;
  let problem = options.error;
  if (!problem) {
    try {
      preview = await previewInvitation({ db: deps(c).db, token });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      problem = error;
    }
  }
  if (problem || !preview) {
    return render(
      c,
      <Layout page={page} title={titles.invitation}>
        <h1>{t(titles.invitation)}</h1>
        <Notice kind="error">{problem ? errorText(page, problem) : ''}</Notice>
        {session && (
          <p>
            <a href="/staff">{t({ ja: '職員用ページへ', en: 'Go to the staff area' })}</a>
          </p>
        )}
      </Layout>,
      problem ? statusOf(problem) : 400,
    );
  }
  return render(
    c,
    <Layout page={page} title={titles.invitation}>
      <h1>{t(titles.invitation)}</h1>
      <p>
        {t({
          ja: `${preview.governmentName}から、「${staffRoleLabels[preview.role].ja}」として招待されています。`,
          en: `${preview.governmentName} invites you as “${staffRoleLabels[preview.role].en}”.`,
        })}
      </p>
      <p class="muted">
        {t({ ja: '有効期限', en: 'Valid until' })}: {dateTimeFormat(page).format(preview.expiresAt)}
      </p>
      {session ? (
        <PostForm page={page} action="/staff/invitations/accept" class="form-stack">
          <input type="hidden" name="token" value={token} />
          <p>
            {t({ ja: 'ログイン中のメールアドレス', en: 'Signed in as' })}: <strong>{session.email}</strong>
          </p>
          <div>
            <button class="button" type="submit">
              {t({ ja: '招待を受ける', en: 'Accept the invitation' })}
            </button>
          </div>
        </PostForm>
      ) : (
        <>
          <p>
            {t({
              ja: '招待を受けるには、招待メールを受け取ったメールアドレスでログイン（はじめての方は登録）してください。ログインのあと、この画面に戻ります。',
              en: 'To accept, sign in (or sign up) with the address that received the invitation. You come back here afterwards.',
            })}
          </p>
          <p>
            <a class="button" href={`/signin?next=${encodeURIComponent(here)}`}>
              {t({ ja: 'ログインして招待を受ける', en: 'Sign in to accept' })}
            </a>
          </p>
        </>
      )}
    </Layout>,
  );
}

async function dashboardPage(c: Context<AppEnv>, area: StaffArea) {
  const page = pageContext(c);
  const { t } = page;
  const base = `/staff/${area.tenant.lgCode}`;
  return render(
    c,
    <Layout page={page} title={titles.home}>
      <StaffNav page={page} area={area} current={base} />
      <h1>{area.tenant.name}</h1>
      <p>
        {t({
          ja: 'ふるさと住民登録の職員用ページです。お使いの役割でできることを、下の一覧から選んでください。',
          en: 'The staff area of Furusato Resident Registration. Choose what to do from the list below.',
        })}
      </p>
      <ul class="result-list">
        {moduleLinks(area)
          .filter((link) => link.show)
          .map((link) => (
            <li>
              <a href={link.href}>{t(link.label)}</a>
            </li>
          ))}
        {area.permissions.manageStaff && (
          <li>
            <a href={`${base}/members`}>{t(titles.members)}</a>
          </li>
        )}
        {area.permissions.readAuditTrail && (
          <li>
            <a href={`${base}/audit`}>{t(titles.audit)}</a>
          </li>
        )}
        {area.permissions.updateSettings && (
          <li>
            <a href={`${base}/settings`}>{t(titles.settings)}</a>
          </li>
        )}
        <li>
          <a href={`/municipalities/${area.tenant.lgCode}`}>
            {t({ ja: '公開ページを見る', en: 'See the public page' })}
          </a>
        </li>
      </ul>
    </Layout>,
  );
}

function RoleSelect(props: { page: PageContext; id: string; selected?: StaffRole }) {
  return (
    <select id={props.id} name="role">
      {staffRoles.map((role) => (
        <option value={role} selected={role === props.selected}>
          {props.page.t(staffRoleLabels[role])}
        </option>
      ))}
    </select>
  );
}

const memberNotices: Record<string, Localized> = {
  invited: { ja: '招待メールを送りました。', en: 'The invitation was sent.' },
  role: { ja: '役割を変更しました。', en: 'The role was changed.' },
  removed: { ja: '職員から外しました。', en: 'The member was removed.' },
  revoked: { ja: '招待を取り消しました。', en: 'The invitation was withdrawn.' },
};

async function membersPage(
  c: Context<AppEnv>,
  area: StaffArea,
  options: { error?: AppError; email?: string; role?: StaffRole } = {},
) {
  const page = pageContext(c);
  const { t } = page;
  const { db } = deps(c);
  const lgCode = area.tenant.lgCode;
  const base = `/staff/${lgCode}`;
  const [members, invitations] = await Promise.all([
    listStaffMembers({ db, actor: area.actor, lgCode }),
    listOpenInvitations({ db, actor: area.actor, lgCode }),
  ]);
  const format = dateTimeFormat(page);
  const notice = memberNotices[c.req.query('notice') ?? ''];
  return render(
    c,
    <Layout page={page} title={titles.members}>
      <StaffNav page={page} area={area} current={`${base}/members`} />
      <h1>{t(titles.members)}</h1>
      {notice && <Notice kind="success">{t(notice)}</Notice>}
      {options.error && <Notice kind="error">{errorText(page, options.error)}</Notice>}

      <section aria-labelledby="members-heading">
        <h2 id="members-heading">{t({ ja: '職員', en: 'Members' })}</h2>
        <table class="data">
          <thead>
            <tr>
              <th scope="col">{t({ ja: 'メールアドレス', en: 'E-mail' })}</th>
              <th scope="col">{t({ ja: '役割', en: 'Role' })}</th>
              <th scope="col">{t({ ja: '登録日', en: 'Joined' })}</th>
              <th scope="col">{t({ ja: '操作', en: 'Actions' })}</th>
            </tr>
          </thead>
          <tbody>
            {members.map((member) => (
              <tr>
                <td>{member.email}</td>
                <td>
                  <PostForm page={page} action={`${base}/members/${member.id}/role`} class="inline-form">
                    <label class="visually-hidden" for={`role-${member.id}`}>
                      {t({ ja: `${member.email} の役割`, en: `Role of ${member.email}` })}
                    </label>
                    <RoleSelect page={page} id={`role-${member.id}`} selected={member.role} />{' '}
                    <button type="submit" class="button button--secondary">
                      {t({ ja: '変更', en: 'Change' })}
                    </button>
                  </PostForm>
                </td>
                <td>{format.format(member.joinedAt)}</td>
                <td>
                  <PostForm page={page} action={`${base}/members/${member.id}/remove`} class="inline-form">
                    <button type="submit" class="button button--danger">
                      {t({ ja: '外す', en: 'Remove' })}
                    </button>
                  </PostForm>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="invite-heading">
        <h2 id="invite-heading">{t({ ja: '職員を招待する', en: 'Invite a member' })}</h2>
        <PostForm page={page} action={`${base}/members/invite`} class="form-stack">
          <div class="field">
            <label for="email">{t({ ja: 'メールアドレス', en: 'E-mail address' })}</label>
            <span class="hint" id="email-hint">
              {t({
                ja: `招待のリンクをこのアドレスに送ります（${invitationDays}日間有効）。`,
                en: `We mail the invitation link to this address (valid for ${invitationDays} days).`,
              })}
            </span>
            <input
              type="email"
              id="email"
              name="email"
              required
              maxlength={254}
              value={options.email ?? ''}
              aria-describedby="email-hint"
            />
          </div>
          <div class="field">
            <label for="role">{t({ ja: '役割', en: 'Role' })}</label>
            <RoleSelect page={page} id="role" selected={options.role ?? 'tenant_staff'} />
          </div>
          <div>
            <button class="button" type="submit">
              {t({ ja: '招待メールを送る', en: 'Send the invitation' })}
            </button>
          </div>
        </PostForm>
      </section>

      <section aria-labelledby="invitations-heading">
        <h2 id="invitations-heading">{t({ ja: '返事を待っている招待', en: 'Open invitations' })}</h2>
        {invitations.length === 0 ? (
          <p>{t({ ja: 'ありません。', en: 'None.' })}</p>
        ) : (
          <table class="data">
            <thead>
              <tr>
                <th scope="col">{t({ ja: 'メールアドレス', en: 'E-mail' })}</th>
                <th scope="col">{t({ ja: '役割', en: 'Role' })}</th>
                <th scope="col">{t({ ja: '有効期限', en: 'Valid until' })}</th>
                <th scope="col">{t({ ja: '操作', en: 'Actions' })}</th>
              </tr>
            </thead>
            <tbody>
              {invitations.map((invitation) => (
                <tr>
                  <td>{invitation.email}</td>
                  <td>{t(staffRoleLabels[invitation.role])}</td>
                  <td>
                    {invitation.expired ? t({ ja: '期限切れ', en: 'Expired' }) : format.format(invitation.expiresAt)}
                  </td>
                  <td>
                    <PostForm page={page} action={`${base}/invitations/${invitation.id}/revoke`} class="inline-form">
                      <button type="submit" class="button button--secondary">
                        {t({ ja: '取り消す', en: 'Withdraw' })}
                      </button>
                    </PostForm>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </Layout>,
    options.error ? statusOf(options.error) : 200,
  );
}

/** Refusals a person can fix on the members page itself are shown there; others go to the error page. */
const memberPageErrors = new Set(['validation_failed', 'conflict', 'staff_already_member']);

async function memberAction(c: Context<AppEnv>, area: StaffArea, action: () => Promise<unknown>, notice: string) {
  try {
    await action();
  } catch (error) {
    const appError = error instanceof ZodError ? new AppError('validation_failed', { cause: error }) : error;
    if (appError instanceof AppError && memberPageErrors.has(appError.code)) {
      return membersPage(c, area, { error: appError });
    }
    throw error;
  }
  return c.redirect(`/staff/${area.tenant.lgCode}/members?notice=${notice}`, 303);
}

/** Names of audit actions on the audit trail page; modules add theirs (unknown actions show their code). */
export const auditActionLabels: Record<string, Localized> = {
  'tenant.joined': { ja: '参加', en: 'Joined the platform' },
  'tenant.settings_updated': { ja: '設定の変更', en: 'Settings changed' },
  'staff.invited': { ja: '職員の招待', en: 'Staff invited' },
  'staff.invitation_revoked': { ja: '招待の取り消し', en: 'Invitation withdrawn' },
  'staff.joined': { ja: '職員の参加', en: 'Staff joined' },
  'staff.role_changed': { ja: '役割の変更', en: 'Role changed' },
  'staff.removed': { ja: '職員の削除', en: 'Staff removed' },
};

const actorKindLabels: Record<string, Localized> = {
  person: { ja: '利用者', en: 'Person' },
  staff: { ja: '職員', en: 'Staff' },
  operator: { ja: '運営者', en: 'Operator' },
  system: { ja: 'システム', en: 'System' },
};

async function auditPage(c: Context<AppEnv>, area: StaffArea) {
  const page = pageContext(c);
  const { t } = page;
  const lgCode = area.tenant.lgCode;
  const before = c.req.query('before');
  const result = await listTenantAuditEvents({
    db: deps(c).db,
    actor: area.actor,
    lgCode,
    limit: 50,
    ...(before ? { before } : {}),
  });
  const format = dateTimeFormat(page);
  return render(
    c,
    <Layout page={page} title={titles.audit}>
      <StaffNav page={page} area={area} current={`/staff/${lgCode}/audit`} />
      <h1>{t(titles.audit)}</h1>
      <p>
        {t({
          ja: 'この自治体で行われた操作の記録です（新しい順）。実行者と対象は内部の識別番号で示します。',
          en: 'What was done in this local government, newest first. Actors and subjects are shown by internal identifiers.',
        })}
      </p>
      {result.items.length === 0 ? (
        <p>{t({ ja: '記録はありません。', en: 'No events.' })}</p>
      ) : (
        <table class="data">
          <thead>
            <tr>
              <th scope="col">{t({ ja: '日時', en: 'Time' })}</th>
              <th scope="col">{t({ ja: '操作', en: 'Action' })}</th>
              <th scope="col">{t({ ja: '実行者', en: 'Actor' })}</th>
              <th scope="col">{t({ ja: '対象', en: 'Subject' })}</th>
            </tr>
          </thead>
          <tbody>
            {result.items.map((item) => {
              const label = auditActionLabels[item.action];
              const kind = actorKindLabels[item.actor.kind];
              return (
                <tr>
                  <td>{format.format(item.occurredAt)}</td>
                  <td>
                    {label ? t(label) : item.action}
                    <br />
                    <code class="muted">{item.action}</code>
                  </td>
                  <td>
                    {kind ? t(kind) : item.actor.kind}
                    {item.actor.id && (
                      <>
                        <br />
                        <code class="muted">{item.actor.id}</code>
                      </>
                    )}
                  </td>
                  <td>
                    {item.subject.type}
                    {item.subject.id && (
                      <>
                        <br />
                        <code class="muted">{item.subject.id}</code>
                      </>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <p class="pager">
        {before && <a href={`/staff/${lgCode}/audit`}>{t({ ja: '最新へ', en: 'Newest' })}</a>}{' '}
        {result.nextBefore && (
          <a href={`/staff/${lgCode}/audit?before=${result.nextBefore}`}>{t({ ja: 'さらに前へ', en: 'Older' })}</a>
        )}
      </p>
    </Layout>,
  );
}

interface SettingsForm {
  contactEmail: string;
  contactPhone: string;
  welcomeJa: string;
  welcomeEn: string;
}

const settingsFieldLabels: Record<string, Localized> = {
  contactEmail: { ja: 'お問い合わせ用メールアドレス', en: 'Contact e-mail' },
  contactPhone: { ja: 'お問い合わせ用電話番号', en: 'Contact phone' },
  welcomeMessage: { ja: '登録者へのあいさつ', en: 'Welcome message' },
};

async function settingsPage(
  c: Context<AppEnv>,
  area: StaffArea,
  options: { form?: SettingsForm; errors?: string[]; saved?: boolean } = {},
) {
  const page = pageContext(c);
  const { t } = page;
  const lgCode = area.tenant.lgCode;
  const tenant = await getTenant({ db: deps(c).db, lgCode });
  const form: SettingsForm = options.form ?? {
    contactEmail: tenant.settings.contactEmail ?? '',
    contactPhone: tenant.settings.contactPhone ?? '',
    welcomeJa: tenant.settings.welcomeMessage?.ja ?? '',
    welcomeEn: tenant.settings.welcomeMessage?.en ?? '',
  };
  const errors = options.errors ?? [];
  return render(
    c,
    <Layout page={page} title={titles.settings}>
      <StaffNav page={page} area={area} current={`/staff/${lgCode}/settings`} />
      <h1>{t(titles.settings)}</h1>
      {c.req.query('notice') === 'saved' && <Notice kind="success">{t({ ja: '保存しました。', en: 'Saved.' })}</Notice>}
      {errors.length > 0 && (
        <Notice kind="error">
          {t({ ja: '次の項目を確認してください: ', en: 'Please check: ' })}
          {errors.join('、')}
        </Notice>
      )}
      <PostForm page={page} action={`/staff/${lgCode}/settings`} class="form-stack">
        <div class="field">
          <label for="contactEmail">{t(settingsFieldLabels.contactEmail!)}</label>
          <input type="email" id="contactEmail" name="contactEmail" value={form.contactEmail} maxlength={254} />
        </div>
        <div class="field">
          <label for="contactPhone">{t(settingsFieldLabels.contactPhone!)}</label>
          <span class="hint" id="contactPhone-hint">
            {t({ ja: '例: 0226-22-6600', en: 'e.g. 0226-22-6600' })}
          </span>
          <input
            type="tel"
            id="contactPhone"
            name="contactPhone"
            value={form.contactPhone}
            maxlength={20}
            aria-describedby="contactPhone-hint"
          />
        </div>
        <div class="field">
          <label for="welcomeJa">{t({ ja: '登録者へのあいさつ（日本語）', en: 'Welcome message (Japanese)' })}</label>
          <textarea id="welcomeJa" name="welcomeJa" rows={4} maxlength={2000}>
            {form.welcomeJa}
          </textarea>
        </div>
        <div class="field">
          <label for="welcomeEn">{t({ ja: '登録者へのあいさつ（英語）', en: 'Welcome message (English)' })}</label>
          <textarea id="welcomeEn" name="welcomeEn" rows={4} maxlength={2000}>
            {form.welcomeEn}
          </textarea>
        </div>
        <div>
          <button class="button" type="submit">
            {t({ ja: '保存する', en: 'Save' })}
          </button>
        </div>
      </PostForm>
    </Layout>,
    errors.length > 0 ? 400 : 200,
  );
}

/** The form's fields over the current settings: keys of other sections are kept, emptied fields dropped. */
function settingsFrom(current: TenantSettings, form: SettingsForm): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current };
  const assign = (key: string, value: unknown) => {
    if (value === undefined || value === '') delete next[key];
    else next[key] = value;
  };
  assign('contactEmail', form.contactEmail);
  assign('contactPhone', form.contactPhone);
  assign(
    'welcomeMessage',
    form.welcomeJa || form.welcomeEn
      ? { ja: form.welcomeJa, ...(form.welcomeEn ? { en: form.welcomeEn } : {}) }
      : undefined,
  );
  return next;
}

async function saveSettings(c: Context<AppEnv>, area: StaffArea) {
  const page = pageContext(c);
  const body = await c.req.parseBody();
  const form: SettingsForm = {
    contactEmail: formString(body, 'contactEmail'),
    contactPhone: formString(body, 'contactPhone'),
    welcomeJa: formString(body, 'welcomeJa'),
    welcomeEn: formString(body, 'welcomeEn'),
  };
  const { db } = deps(c);
  const lgCode = area.tenant.lgCode;
  const current = await getTenant({ db, lgCode });
  const parsed = TenantSettings.safeParse(settingsFrom(current.settings, form));
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? '')))];
    const errors = fields.map((field) => page.t(settingsFieldLabels[field] ?? { ja: field, en: field }));
    return settingsPage(c, area, { form, errors });
  }
  await updateTenantSettings({ db, actor: area.actor, lgCode, settings: parsed.data });
  return c.redirect(`/staff/${lgCode}/settings?notice=saved`, 303);
}

function authorizePage(allowed: boolean): void {
  if (!allowed) throw new AppError('forbidden');
}

export function staffPages(): AppRouter {
  const router = createRouter();

  router.get('/staff', homePage);

  router.get('/staff/open', (c) => {
    requireSession(c);
    const lgCode = c.req.query('lgCode') ?? '';
    return c.redirect(/^\d{6}$/.test(lgCode) ? `/staff/${lgCode}` : '/staff', 303);
  });

  router.get('/staff/second-factor', (c) => secondFactorPage(c));
  router.post('/staff/second-factor', (c) => submitCode(c, verifyTotp));
  router.post('/staff/second-factor/enrol', (c) => submitCode(c, confirmTotpEnrolment));
  router.post('/staff/second-factor/remove', async (c) => {
    const session = requireSession(c);
    const { db, requestId } = deps(c);
    try {
      await removeTotp({ db, session, requestId });
    } catch (error) {
      if (error instanceof AppError && error.code === 'second_factor_required') {
        return c.redirect(secondFactorHref('/staff'), 303);
      }
      throw error;
    }
    return c.redirect('/staff/second-factor', 303);
  });

  router.get('/staff/invitations/accept', (c) => invitationPage(c));
  router.post('/staff/invitations/accept', async (c) => {
    const session = requireSession(c);
    const body = await c.req.parseBody();
    const token = formString(body, 'token');
    try {
      const { lgCode } = await acceptInvitation({ ...deps(c), session, token });
      const enrolled = await hasConfirmedTotp({ db: deps(c).db, personId: session.personId });
      return c.redirect(enrolled ? `/staff/${lgCode}` : secondFactorHref(`/staff/${lgCode}`), 303);
    } catch (error) {
      if (
        error instanceof AppError &&
        ['invitation_not_usable', 'forbidden', 'staff_already_member'].includes(error.code)
      ) {
        return invitationPage(c, { error });
      }
      throw error;
    }
  });

  router.get('/staff/:lgCode', (c) => withArea(c, (area) => dashboardPage(c, area)));

  router.get('/staff/:lgCode/members', (c) =>
    withArea(c, async (area) => {
      authorizePage(area.permissions.manageStaff);
      return membersPage(c, area);
    }),
  );

  router.post('/staff/:lgCode/members/invite', (c) =>
    withArea(c, async (area) => {
      authorizePage(area.permissions.manageStaff);
      const body = await c.req.parseBody();
      const email = formString(body, 'email');
      const role = roleFrom(formString(body, 'role'));
      if (!role) return membersPage(c, area, { error: new AppError('validation_failed'), email });
      try {
        await inviteStaff({ ...deps(c), actor: area.actor, lgCode: area.tenant.lgCode, input: { email, role } });
      } catch (error) {
        if (error instanceof ZodError) {
          const invalid = new AppError('validation_failed', {
            detail: { ja: 'メールアドレスの形式が正しくありません。', en: 'That is not a valid e-mail address.' },
          });
          return membersPage(c, area, { error: invalid, email, role });
        }
        if (error instanceof AppError && memberPageErrors.has(error.code)) {
          return membersPage(c, area, { error, email, role });
        }
        throw error;
      }
      return c.redirect(`/staff/${area.tenant.lgCode}/members?notice=invited`, 303);
    }),
  );

  router.post('/staff/:lgCode/members/:membershipId/role', (c) =>
    withArea(c, async (area) => {
      authorizePage(area.permissions.manageStaff);
      const role = roleFrom(formString(await c.req.parseBody(), 'role'));
      if (!role) return membersPage(c, area, { error: new AppError('validation_failed') });
      return memberAction(
        c,
        area,
        () =>
          changeStaffRole({
            db: deps(c).db,
            actor: area.actor,
            lgCode: area.tenant.lgCode,
            membershipId: c.req.param('membershipId'),
            input: { role },
          }),
        'role',
      );
    }),
  );

  router.post('/staff/:lgCode/members/:membershipId/remove', (c) =>
    withArea(c, async (area) => {
      authorizePage(area.permissions.manageStaff);
      return memberAction(
        c,
        area,
        () =>
          removeStaffMember({
            db: deps(c).db,
            actor: area.actor,
            lgCode: area.tenant.lgCode,
            membershipId: c.req.param('membershipId'),
          }),
        'removed',
      );
    }),
  );

  router.post('/staff/:lgCode/invitations/:invitationId/revoke', (c) =>
    withArea(c, async (area) => {
      authorizePage(area.permissions.manageStaff);
      return memberAction(
        c,
        area,
        () =>
          revokeInvitation({
            db: deps(c).db,
            actor: area.actor,
            lgCode: area.tenant.lgCode,
            invitationId: c.req.param('invitationId'),
          }),
        'revoked',
      );
    }),
  );

  router.get('/staff/:lgCode/audit', (c) =>
    withArea(c, async (area) => {
      authorizePage(area.permissions.readAuditTrail);
      return auditPage(c, area);
    }),
  );

  router.get('/staff/:lgCode/settings', (c) =>
    withArea(c, async (area) => {
      authorizePage(area.permissions.updateSettings);
      return settingsPage(c, area);
    }),
  );

  router.post('/staff/:lgCode/settings', (c) =>
    withArea(c, async (area) => {
      authorizePage(area.permissions.updateSettings);
      return saveSettings(c, area);
    }),
  );

  return router;
}
