import type { Context } from 'hono';
import { csvResponse } from '../../platform/csv.js';
import { parseInput } from '../../platform/errors.js';
import type { AppEnv } from '../../platform/http/app.js';
import type { Localized } from '../../platform/i18n.js';
import { Notice, PostForm } from '../../platform/ui/forms.js';
import { Layout, pageContext, type PageContext } from '../../platform/ui/layout.js';
import { fiscalYearOf, japanDate } from '../../platform/time.js';
import { StaffNav, type StaffArea } from '../staff/index.js';
import { sessionTimeText, toJapanLocalInput } from './activities.format.js';
import {
  applicationStatusLabels,
  attendanceMethodLabels,
  projectCategoryLabels,
  sessionStatusLabels,
} from './activities.labels.js';
import { messageParticipants } from './applications.service.js';
import { attendanceReportCsv } from './attendance.export.js';
import {
  getAttendanceReport,
  getRoster,
  recordAttendanceByHand,
  removeAttendance,
  ReportQuery,
} from './attendance.service.js';
import { cancelSession, setSessionOpen, updateSession } from './projects.service.js';
import {
  activityTitles,
  base,
  ConfirmField,
  dateTimeFormat,
  dayText,
  deps,
  fieldErrorsOf,
  filledQuery,
  FormErrors,
  formString,
  formValues,
  InputField,
  PageError,
  pageValidationError,
  personalPage,
  SelectField,
  statusOf,
  submitForm,
  SuccessNotice,
  TextareaField,
  valueIn,
  type FormState,
} from './staff-activities.ui.js';
import { sessionFieldLabels, SessionFields, sessionInputOf } from './staff-projects.pages.js';

/** One session's roster (参加者と出欠) and the attendance report, in the staff area. */

const rosterFieldLabels: Record<string, Localized> = {
  ...sessionFieldLabels,
  person: { ja: '参加者', en: 'Person' },
  applicationId: { ja: '参加者', en: 'Person' },
  attendanceId: { ja: '参加者', en: 'Person' },
  activityDate: { ja: '出席した日', en: 'Day' },
  reason: { ja: '理由', en: 'Reason' },
  subject: { ja: '件名', en: 'Subject' },
  body: { ja: '本文', en: 'Message' },
  audience: { ja: '送る相手', en: 'Send to' },
  confirm: { ja: '確認', en: 'Confirmation' },
};

const rosterNotices: Record<string, Localized> = {
  saved: { ja: '回の内容を保存しました。', en: 'The session was saved.' },
  closed: {
    ja: '申し込みの受付を終了しました（チェックインはできます）。',
    en: 'Applications are closed (check-in still works).',
  },
  opened: { ja: '申し込みの受付を再開しました。', en: 'Applications are open again.' },
  cancelled: {
    ja: 'この回を中止しました。申し込んだ方にメールでお知らせします。',
    en: 'The session is cancelled; applicants are told by mail.',
  },
  sent: { ja: 'メッセージを送りました。', en: 'The message was sent.' },
  recorded: { ja: '出席を記録しました。', en: 'The attendance was recorded.' },
  'already-present': {
    ja: 'この方はその日すでに出席として記録されています（二重には数えません）。',
    en: 'This person was already present that day (never counted twice).',
  },
  removed: { ja: '出席を取り消しました。', en: 'The attendance was removed.' },
};

const audienceLabels: Record<'confirmed' | 'confirmed_and_waitlisted', Localized> = {
  confirmed: { ja: '参加確定の方', en: 'Confirmed participants' },
  confirmed_and_waitlisted: { ja: '参加確定とキャンセル待ちの方', en: 'Confirmed and waiting' },
};

function nameOf(page: PageContext, name: string | null): string {
  return name ?? page.t({ ja: '（氏名の共有なし）', en: '(no name shared)' });
}

export async function rosterPage(c: Context<AppEnv>, area: StaffArea, state?: FormState) {
  const page = pageContext(c);
  const { t } = page;
  const lgCode = area.tenant.lgCode;
  const roster = await getRoster({
    db: deps(c).db,
    actor: area.actor,
    lgCode,
    sessionId: c.req.param('sessionId') ?? '',
  });
  const { session, project } = roster;
  const format = dateTimeFormat(page);
  const here = `${base(area)}/sessions/${session.id}`;
  const when = sessionTimeText(session.starts_at, session.ends_at, page.locale);
  const errorsOf = (form: string) => fieldErrorsOf(page, state, form);
  const now = new Date();
  const today = japanDate(now);
  const daysSoFar = roster.days.filter((day) => day <= today);
  const confirmed = roster.applications.filter((row) => row.status === 'confirmed');
  const waiting = roster.applications.filter((row) => row.status === 'waitlisted');
  const ended = roster.applications.filter((row) => row.status === 'cancelled' || row.status === 'withdrawn');
  const presenceRows = [
    ...roster.applications
      .filter((row) => row.status === 'confirmed' || row.presentDays.length > 0)
      .map((row) => ({ key: row.id, name: row.sharedName, days: row.presentDays, applied: true, status: row.status })),
    ...roster.walkIns.map((row) => ({
      key: row.attendanceId,
      name: row.sharedName,
      days: row.presentDays,
      applied: false,
      status: undefined,
    })),
  ];
  const presentOn = (day: string) => presenceRows.filter((row) => row.days.includes(day)).length;
  const manualPersonError =
    errorsOf('manual').person ?? errorsOf('manual').applicationId ?? errorsOf('manual').attendanceId;
  const cancelled = session.status === 'cancelled';
  const over = session.ends_at <= now;
  return personalPage(
    c,
    <Layout page={page} title={{ ja: `参加者と出欠: ${project.title}`, en: `Roster: ${project.title}` }}>
      <StaffNav page={page} area={area} current={`${base(area)}/projects`} />
      <p>
        <a href={`${base(area)}/projects/${project.id}`}>
          {t({ ja: `事業「${project.title}」へ戻る`, en: `Back to the project “${project.title}”` })}
        </a>
      </p>
      <h1>
        {t(activityTitles.session)}
        <span class="subtitle">
          {project.title} — {when}
        </span>
      </h1>
      <SuccessNotice page={page} notices={rosterNotices} notice={c.req.query('notice')} />
      <PageError page={page} state={state} />
      {!cancelled && (
        <p class="checkin-link">
          <a class="button" href={`${here}/check-in`}>
            {t({ ja: 'チェックイン画面を開く', en: 'Open the check-in page' })}
          </a>
          <span class="hint">
            {t({
              ja: '会場で、30秒ごとに変わるQRコードを表示したり、参加者の登録証のQRコードを読み取ったりします（電波が届かなくても使えます）。',
              en: "At the venue: show the code that changes every 30 seconds, or scan participants' registration cards (works offline).",
            })}
          </span>
        </p>
      )}

      <section aria-labelledby="session-heading">
        <h2 id="session-heading">{t({ ja: 'この回', en: 'This session' })}</h2>
        <dl class="facts">
          <dt>{t({ ja: '日時', en: 'When' })}</dt>
          <dd>{when}</dd>
          <dt>{t({ ja: '状態', en: 'Status' })}</dt>
          <dd>
            {t(sessionStatusLabels[session.status])}
            {over && !cancelled && ` (${t({ ja: '終了', en: 'over' })})`}
          </dd>
          <dt>{t(sessionFieldLabels.capacity!)}</dt>
          <dd>{session.capacity ?? t({ ja: '制限なし', en: 'No limit' })}</dd>
          <dt>{t({ ja: '申し込み', en: 'Applications' })}</dt>
          <dd>
            {t({
              ja: `参加確定 ${confirmed.length}人・キャンセル待ち ${waiting.length}人`,
              en: `${confirmed.length} confirmed, ${waiting.length} waiting`,
            })}
          </dd>
          <dt>{t({ ja: 'プレミアム登録の要件', en: 'Counts for premium' })}</dt>
          <dd>
            {project.effectively_designated
              ? t({ ja: '数える（指定された事業）', en: 'Yes (designated project)' })
              : t({ ja: '数えない（指定なし）', en: 'No (not designated)' })}
          </dd>
          {session.note && (
            <>
              <dt>{t(sessionFieldLabels.note!)}</dt>
              <dd class="multiline">{session.note}</dd>
            </>
          )}
        </dl>
      </section>

      <section aria-labelledby="presence-heading">
        <h2 id="presence-heading">{t({ ja: '日ごとの出席', en: 'Presence by day' })}</h2>
        {presenceRows.length === 0 ? (
          <p>{t({ ja: '参加確定の方も出席者もまだいません。', en: 'No confirmed participants or attendance yet.' })}</p>
        ) : (
          <div class="table-scroll">
            <table class="data presence">
              <caption>
                {t({
                  ja: '参加確定の方と出席した方の、開催日ごとの出欠',
                  en: 'Confirmed and present people, by day of the session',
                })}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t({ ja: '氏名', en: 'Name' })}</th>
                  {roster.days.map((day) => (
                    <th scope="col">{dayText(page, day)}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {presenceRows.map((row) => (
                  <tr>
                    <th scope="row">
                      {nameOf(page, row.name)}
                      {!row.applied && <span class="badge">{t({ ja: '申し込みなし', en: 'Did not apply' })}</span>}
                      {row.status && row.status !== 'confirmed' && (
                        <span class="badge">{t(applicationStatusLabels[row.status])}</span>
                      )}
                    </th>
                    {roster.days.map((day) => (
                      <td>{row.days.includes(day) ? t({ ja: '出席', en: 'Present' }) : '—'}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">{t({ ja: '出席者数', en: 'Present' })}</th>
                  {roster.days.map((day) => (
                    <td>{t({ ja: `${presentOn(day)}人`, en: `${presentOn(day)}` })}</td>
                  ))}
                </tr>
              </tfoot>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="applications-heading">
        <h2 id="applications-heading">{t({ ja: '申し込み', en: 'Applications' })}</h2>
        <h3>{t({ ja: `参加確定（${confirmed.length}人）`, en: `Confirmed (${confirmed.length})` })}</h3>
        {confirmed.length === 0 ? (
          <p>{t({ ja: 'いません。', en: 'None.' })}</p>
        ) : (
          <table class="data">
            <caption class="visually-hidden">{t({ ja: '参加確定の方', en: 'Confirmed' })}</caption>
            <thead>
              <tr>
                <th scope="col">{t({ ja: '氏名', en: 'Name' })}</th>
                <th scope="col">{t({ ja: 'メールアドレス', en: 'E-mail' })}</th>
                <th scope="col">{t({ ja: 'ひとこと', en: 'Comment' })}</th>
                <th scope="col">{t({ ja: '申込日時', en: 'Applied' })}</th>
                <th scope="col">{t({ ja: '出席した日', en: 'Present on' })}</th>
              </tr>
            </thead>
            <tbody>
              {confirmed.map((row) => (
                <tr>
                  <th scope="row">{nameOf(page, row.sharedName)}</th>
                  <td>{row.contactEmail ?? '—'}</td>
                  <td>{row.comment || '—'}</td>
                  <td>{format.format(row.appliedAt)}</td>
                  <td>{row.presentDays.map((day) => dayText(page, day)).join('、') || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <h3>{t({ ja: `キャンセル待ち（${waiting.length}人）`, en: `Waiting list (${waiting.length})` })}</h3>
        {waiting.length === 0 ? (
          <p>{t({ ja: 'いません。', en: 'None.' })}</p>
        ) : (
          <>
            <p class="muted">
              {t({
                ja: '空きが出ると、申し込み順に自動で繰り上がり、本人にメールでお知らせします。',
                en: 'When a place frees, the first in line moves up automatically and is told by mail.',
              })}
            </p>
            <table class="data">
              <caption class="visually-hidden">
                {t({ ja: 'キャンセル待ちの順番', en: 'Waiting list in order' })}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t({ ja: '順番', en: 'Place' })}</th>
                  <th scope="col">{t({ ja: '氏名', en: 'Name' })}</th>
                  <th scope="col">{t({ ja: 'メールアドレス', en: 'E-mail' })}</th>
                  <th scope="col">{t({ ja: 'ひとこと', en: 'Comment' })}</th>
                  <th scope="col">{t({ ja: '申込日時', en: 'Applied' })}</th>
                </tr>
              </thead>
              <tbody>
                {waiting.map((row) => (
                  <tr>
                    <td>{t({ ja: `${row.waitlistPosition}番目`, en: `${row.waitlistPosition}` })}</td>
                    <th scope="row">{nameOf(page, row.sharedName)}</th>
                    <td>{row.contactEmail ?? '—'}</td>
                    <td>{row.comment || '—'}</td>
                    <td>{format.format(row.appliedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
        <h3>{t({ ja: `キャンセル・取り消し（${ended.length}人）`, en: `Cancelled (${ended.length})` })}</h3>
        {ended.length === 0 ? (
          <p>{t({ ja: 'いません。', en: 'None.' })}</p>
        ) : (
          <table class="data">
            <caption class="visually-hidden">{t({ ja: 'キャンセル・取り消し', en: 'Cancelled' })}</caption>
            <thead>
              <tr>
                <th scope="col">{t({ ja: '氏名', en: 'Name' })}</th>
                <th scope="col">{t({ ja: '状態', en: 'Status' })}</th>
                <th scope="col">{t({ ja: '申込日時', en: 'Applied' })}</th>
              </tr>
            </thead>
            <tbody>
              {ended.map((row) => (
                <tr>
                  <th scope="row">{nameOf(page, row.sharedName)}</th>
                  <td>{t(applicationStatusLabels[row.status])}</td>
                  <td>{format.format(row.appliedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <h3>
          {t({
            ja: `申し込みなしで出席した方（${roster.walkIns.length}人）`,
            en: `Present without applying (${roster.walkIns.length})`,
          })}
        </h3>
        {roster.walkIns.length === 0 ? (
          <p>{t({ ja: 'いません。', en: 'None.' })}</p>
        ) : (
          <ul>
            {roster.walkIns.map((row) => (
              <li>
                {nameOf(page, row.sharedName)}: {row.presentDays.map((day) => dayText(page, day)).join('、')}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="attendance-heading">
        <h2 id="attendance-heading">
          {t({
            ja: `出席の記録（${roster.attendance.length}件）`,
            en: `Attendance records (${roster.attendance.length})`,
          })}
        </h2>
        <FormErrors
          page={page}
          state={state}
          form="remove"
          labels={rosterFieldLabels}
          ids={{ reason: `remove-reason-${state?.values.attendanceId ?? ''}` }}
        />
        {roster.attendance.length === 0 ? (
          <p>{t({ ja: 'まだ出席の記録はありません。', en: 'No attendance recorded yet.' })}</p>
        ) : (
          <table class="data">
            <caption class="visually-hidden">{t({ ja: '出席の記録', en: 'Attendance records' })}</caption>
            <thead>
              <tr>
                <th scope="col">{t({ ja: '氏名', en: 'Name' })}</th>
                <th scope="col">{t({ ja: '日', en: 'Day' })}</th>
                <th scope="col">{t({ ja: '記録の方法', en: 'How' })}</th>
                <th scope="col">{t({ ja: '指定', en: 'Designated' })}</th>
                <th scope="col">{t({ ja: '読み取り日時', en: 'Scanned' })}</th>
                <th scope="col">{t({ ja: '状態', en: 'Status' })}</th>
                <th scope="col">{t({ ja: '取り消し', en: 'Remove' })}</th>
              </tr>
            </thead>
            <tbody>
              {roster.attendance.map((row) => {
                const failed = state?.form === 'remove' && state.values.attendanceId === row.id;
                return (
                  <tr>
                    <th scope="row">{nameOf(page, row.sharedName)}</th>
                    <td>{dayText(page, row.activityDate)}</td>
                    <td>{t(attendanceMethodLabels[row.method])}</td>
                    <td>{row.designated ? t({ ja: '数える', en: 'Counts' }) : t({ ja: '数えない', en: 'No' })}</td>
                    <td>{format.format(new Date(row.scannedAt))}</td>
                    <td>
                      {row.status === 'present'
                        ? t({ ja: '出席', en: 'Present' })
                        : `${t({ ja: '取り消し済み', en: 'Removed' })}${row.removalReason ? `（${row.removalReason}）` : ''}`}
                    </td>
                    <td>
                      {row.status === 'present' && (
                        <PostForm page={page} action={`${here}/attendance/${row.id}/removal`} class="inline-fields">
                          <input type="hidden" name="attendanceId" value={row.id} />
                          <label for={`remove-reason-${row.id}`} class="visually-hidden">
                            {t({
                              ja: `${nameOf(page, row.sharedName)}さんの${dayText(page, row.activityDate)}の出席を取り消す理由`,
                              en: `Reason to remove ${nameOf(page, row.sharedName)} on ${dayText(page, row.activityDate)}`,
                            })}
                          </label>
                          <input
                            type="text"
                            id={`remove-reason-${row.id}`}
                            name="reason"
                            required
                            maxlength={500}
                            placeholder={t({ ja: '取り消す理由', en: 'Reason' })}
                            value={failed ? (state.values.reason ?? '') : ''}
                            aria-invalid={failed ? 'true' : undefined}
                          />
                          <button type="submit" class="button button--secondary">
                            {t({ ja: '取り消す', en: 'Remove' })}
                          </button>
                        </PostForm>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>

      {!cancelled && (
        <section aria-labelledby="manual-heading">
          <h2 id="manual-heading">{t({ ja: '手入力で出席を記録', en: 'Record attendance by hand' })}</h2>
          <p>
            {t({
              ja: 'スマートフォンの電池切れや登録証の忘れ物などで読み取れなかった方の出席を記録します。理由とともに操作の記録（監査ログ）に残ります。同じ日に二重には数えません。',
              en: 'For someone whose phone was flat or who forgot the card. Kept with the reason in the audit trail; never counted twice for a day.',
            })}
          </p>
          <FormErrors
            page={page}
            state={state}
            form="manual"
            labels={rosterFieldLabels}
            ids={{
              person: 'manualPerson',
              applicationId: 'manualPerson',
              attendanceId: 'manualPerson',
              activityDate: 'manualDay',
              reason: 'manualReason',
            }}
          />
          {daysSoFar.length === 0 ? (
            <p class="muted">
              {t({ ja: 'まだ開催日が来ていないため、記録できません。', en: 'No day of this session has come yet.' })}
            </p>
          ) : roster.applications.length === 0 && roster.walkIns.length === 0 ? (
            <p class="muted">
              {t({ ja: '記録できる申込者・出席者がいません。', en: 'Nobody has applied or been present yet.' })}
            </p>
          ) : (
            <PostForm page={page} action={`${here}/attendance`} class="form-stack">
              <div class="field">
                <label for="manualPerson">
                  {t(rosterFieldLabels.person!)}
                  <span class="required">{t({ ja: '（必須）', en: ' (required)' })}</span>
                </label>
                {manualPersonError && (
                  <span class="field-error" id="manualPerson-error">
                    {manualPersonError}
                  </span>
                )}
                <select
                  id="manualPerson"
                  name="person"
                  required
                  aria-invalid={manualPersonError ? 'true' : undefined}
                  aria-describedby={manualPersonError ? 'manualPerson-error' : undefined}
                >
                  <option value="">{t({ ja: '選んでください', en: 'Choose one' })}</option>
                  <optgroup label={t({ ja: '申し込んだ方', en: 'Applicants' })}>
                    {[...confirmed, ...waiting, ...ended].map((row) => (
                      <option
                        value={`application:${row.id}`}
                        selected={valueIn(state, 'manual', 'person', '') === `application:${row.id}`}
                      >
                        {`${nameOf(page, row.sharedName)}（${t(applicationStatusLabels[row.status])}）`}
                      </option>
                    ))}
                  </optgroup>
                  {roster.walkIns.length > 0 && (
                    <optgroup label={t({ ja: 'ほかの日に出席した方', en: 'Present on another day' })}>
                      {roster.walkIns.map((row) => (
                        <option
                          value={`attendance:${row.attendanceId}`}
                          selected={valueIn(state, 'manual', 'person', '') === `attendance:${row.attendanceId}`}
                        >
                          {nameOf(page, row.sharedName)}
                        </option>
                      ))}
                    </optgroup>
                  )}
                </select>
              </div>
              <SelectField
                page={page}
                id="manualDay"
                name="activityDate"
                label={rosterFieldLabels.activityDate!}
                required
                value={valueIn(state, 'manual', 'activityDate', daysSoFar[daysSoFar.length - 1] ?? '')}
                error={errorsOf('manual').activityDate}
                options={daysSoFar.map((day) => ({ value: day, label: dayText(page, day) }))}
              />
              <InputField
                page={page}
                id="manualReason"
                name="reason"
                label={rosterFieldLabels.reason!}
                required
                maxlength={500}
                hint={{
                  ja: '例: スマートフォンの電池切れのため受付で確認',
                  en: 'For example: phone battery flat, checked at the desk',
                }}
                value={valueIn(state, 'manual', 'reason', '')}
                error={errorsOf('manual').reason}
              />
              <div>
                <button type="submit" class="button">
                  {t({ ja: '出席を記録する', en: 'Record attendance' })}
                </button>
              </div>
            </PostForm>
          )}
        </section>
      )}

      {!cancelled && (
        <section aria-labelledby="message-heading">
          <h2 id="message-heading">{t({ ja: '参加者にメッセージを送る', en: 'Write to the participants' })}</h2>
          <p>
            {t({
              ja: '一人ひとりに別々のメールで届きます（ほかの方のアドレスは見えません）。送った内容はこの画面に残ります。',
              en: 'Each person gets their own mail (addresses are never shown to others). Sent messages are kept here.',
            })}
          </p>
          <FormErrors
            page={page}
            state={state}
            form="message"
            labels={rosterFieldLabels}
            ids={{ body: 'messageBody' }}
          />
          <PostForm page={page} action={`${here}/messages`} class="form-stack">
            <InputField
              page={page}
              id="subject"
              name="subject"
              label={rosterFieldLabels.subject!}
              required
              maxlength={200}
              value={valueIn(state, 'message', 'subject', '')}
              error={errorsOf('message').subject}
            />
            <TextareaField
              page={page}
              id="messageBody"
              name="body"
              label={rosterFieldLabels.body!}
              required
              rows={6}
              maxlength={5000}
              value={valueIn(state, 'message', 'body', '')}
              error={errorsOf('message').body}
            />
            <fieldset class="field">
              <legend>{t(rosterFieldLabels.audience!)}</legend>
              {(['confirmed', 'confirmed_and_waitlisted'] as const).map((audience) => (
                <label class="checkbox">
                  <input
                    type="radio"
                    name="audience"
                    value={audience}
                    checked={valueIn(state, 'message', 'audience', 'confirmed') === audience}
                  />
                  {t(audienceLabels[audience])}
                  {` (${audience === 'confirmed' ? confirmed.length : confirmed.length + waiting.length}${t({ ja: '人', en: '' })})`}
                </label>
              ))}
            </fieldset>
            <div>
              <button type="submit" class="button">
                {t({ ja: 'メッセージを送る', en: 'Send' })}
              </button>
            </div>
          </PostForm>
        </section>
      )}

      <section aria-labelledby="messages-heading">
        <h2 id="messages-heading">
          {t({
            ja: `送ったメッセージ（${roster.messages.length}件）`,
            en: `Messages sent (${roster.messages.length})`,
          })}
        </h2>
        {roster.messages.length === 0 ? (
          <p>{t({ ja: 'まだありません。', en: 'None yet.' })}</p>
        ) : (
          roster.messages.map((message) => (
            <article class="sent-message" aria-labelledby={`message-${message.id}`}>
              <h3 id={`message-${message.id}`}>{message.subject}</h3>
              <p class="muted">
                {format.format(message.sent_at)} — {t(audienceLabels[message.audience])}{' '}
                {t({ ja: `${message.recipients}人に送信`, en: `sent to ${message.recipients}` })}
              </p>
              <p class="multiline">{message.body}</p>
            </article>
          ))
        )}
      </section>

      {!cancelled && (
        <section aria-labelledby="edit-heading">
          <h2 id="edit-heading">{t({ ja: 'この回の変更', en: 'Change this session' })}</h2>
          <FormErrors page={page} state={state} form="edit" labels={rosterFieldLabels} />
          <PostForm page={page} action={here} class="form-stack">
            <SessionFields
              page={page}
              state={state}
              form="edit"
              stored={{
                startsAt: toJapanLocalInput(session.starts_at),
                endsAt: toJapanLocalInput(session.ends_at),
                capacity: session.capacity === null ? '' : String(session.capacity),
                note: session.note,
              }}
            />
            <p class="muted">
              {t({
                ja: '定員を増やすと、キャンセル待ちの方が順に繰り上がります。参加確定の人数より少なくはできません。',
                en: 'A larger capacity moves the waiting list up. It cannot go below the confirmed applications.',
              })}
            </p>
            <div>
              <button type="submit" class="button">
                {t({ ja: '保存する', en: 'Save' })}
              </button>
            </div>
          </PostForm>

          <h3>{t({ ja: '申し込みの受付', en: 'Applications' })}</h3>
          <FormErrors page={page} state={state} form="open" labels={rosterFieldLabels} />
          <PostForm page={page} action={`${here}/applications-open`}>
            <input type="hidden" name="open" value={session.status === 'open' ? 'false' : 'true'} />
            <p>
              {session.status === 'open'
                ? t({
                    ja: '受付を終了しても、当日のチェックインはできます。',
                    en: 'Check-in still works after applications close.',
                  })
                : t({ ja: '現在、申し込みの受付を終了しています。', en: 'Applications are closed now.' })}
            </p>
            <button type="submit" class="button button--secondary">
              {session.status === 'open'
                ? t({ ja: '申し込みの受付を終了する', en: 'Close applications' })
                : t({ ja: '申し込みの受付を再開する', en: 'Open applications again' })}
            </button>
          </PostForm>

          {!over && (
            <>
              <h3>{t({ ja: 'この回を中止する', en: 'Cancel this session' })}</h3>
              <FormErrors
                page={page}
                state={state}
                form="cancel"
                labels={rosterFieldLabels}
                ids={{ reason: 'cancelReason', confirm: 'cancelConfirm' }}
              />
              <PostForm page={page} action={`${here}/cancellation`} class="form-stack">
                <TextareaField
                  page={page}
                  id="cancelReason"
                  name="reason"
                  label={{
                    ja: '中止の理由（申し込んだ方へのメールに書き添えます）',
                    en: 'Reason (added to the mail to applicants)',
                  }}
                  rows={2}
                  maxlength={1000}
                  hint={{ ja: '例: 台風の接近のため', en: 'For example: a typhoon is coming' }}
                  value={valueIn(state, 'cancel', 'reason', '')}
                  error={errorsOf('cancel').reason}
                />
                <ConfirmField
                  page={page}
                  id="cancelConfirm"
                  label={{
                    ja: '中止すると元に戻せません。申し込んだ方全員の申し込みが取り消され、メールでお知らせします。',
                    en: 'This cannot be undone. Every application ends and every applicant is told by mail.',
                  }}
                  error={errorsOf('cancel').confirm}
                />
                <div>
                  <button type="submit" class="button button--danger">
                    {t({ ja: 'この回を中止する', en: 'Cancel this session' })}
                  </button>
                </div>
              </PostForm>
            </>
          )}
        </section>
      )}
      {cancelled && (
        <Notice kind="info">{t({ ja: 'この回は中止されました。', en: 'This session was cancelled.' })}</Notice>
      )}
    </Layout>,
    statusOf(state),
  );
}

// Posted forms of the roster.

function sessionIdOf(c: Context<AppEnv>): string {
  return c.req.param('sessionId') ?? '';
}

export async function updateSessionAction(c: Context<AppEnv>, area: StaffArea) {
  const values = formValues(await c.req.parseBody());
  const sessionId = sessionIdOf(c);
  return submitForm(c, {
    form: 'edit',
    values,
    action: () =>
      updateSession({
        db: deps(c).db,
        actor: area.actor,
        lgCode: area.tenant.lgCode,
        sessionId,
        input: sessionInputOf(values),
      }),
    success: `${base(area)}/sessions/${sessionId}?notice=saved`,
    rerender: (state) => rosterPage(c, area, state),
  });
}

export async function sessionOpenAction(c: Context<AppEnv>, area: StaffArea) {
  const body = await c.req.parseBody();
  const sessionId = sessionIdOf(c);
  const open = formString(body, 'open') === 'true';
  return submitForm(c, {
    form: 'open',
    values: formValues(body),
    action: () => setSessionOpen({ db: deps(c).db, actor: area.actor, lgCode: area.tenant.lgCode, sessionId, open }),
    success: `${base(area)}/sessions/${sessionId}?notice=${open ? 'opened' : 'closed'}`,
    rerender: (state) => rosterPage(c, area, state),
  });
}

export async function cancelSessionAction(c: Context<AppEnv>, area: StaffArea) {
  const values = formValues(await c.req.parseBody());
  const sessionId = sessionIdOf(c);
  return submitForm(c, {
    form: 'cancel',
    values,
    action: async () => {
      if (values.confirm !== 'yes') {
        throw pageValidationError('confirm', {
          ja: '中止してよいか確認のチェックを入れてください',
          en: 'Tick the box to confirm the cancellation',
        });
      }
      await cancelSession({
        db: deps(c).db,
        actor: area.actor,
        lgCode: area.tenant.lgCode,
        sessionId,
        ...(values.reason ? { reason: values.reason } : {}),
      });
    },
    success: `${base(area)}/sessions/${sessionId}?notice=cancelled`,
    rerender: (state) => rosterPage(c, area, state),
  });
}

export async function messageAction(c: Context<AppEnv>, area: StaffArea) {
  const values = formValues(await c.req.parseBody());
  const sessionId = sessionIdOf(c);
  return submitForm(c, {
    form: 'message',
    values,
    action: () =>
      messageParticipants({
        db: deps(c).db,
        actor: area.actor,
        lgCode: area.tenant.lgCode,
        sessionId,
        input: {
          subject: values.subject ?? '',
          body: values.body ?? '',
          audience: values.audience === 'confirmed_and_waitlisted' ? 'confirmed_and_waitlisted' : 'confirmed',
        },
      }),
    success: `${base(area)}/sessions/${sessionId}?notice=sent`,
    rerender: (state) => rosterPage(c, area, state),
  });
}

export async function manualAttendanceAction(c: Context<AppEnv>, area: StaffArea) {
  const values = formValues(await c.req.parseBody());
  const sessionId = sessionIdOf(c);
  const [kind, id] = (values.person ?? '').split(':');
  let result = 'recorded';
  return submitForm(c, {
    form: 'manual',
    values,
    action: async () => {
      if (!id || (kind !== 'application' && kind !== 'attendance')) {
        throw pageValidationError('person', { ja: '参加者を選んでください', en: 'Choose a person' });
      }
      const recorded = await recordAttendanceByHand({
        db: deps(c).db,
        actor: area.actor,
        lgCode: area.tenant.lgCode,
        sessionId,
        input: {
          ...(kind === 'application' ? { applicationId: id } : { attendanceId: id }),
          activityDate: values.activityDate ?? '',
          reason: values.reason ?? '',
        },
      });
      result = recorded.result === 'recorded' ? 'recorded' : 'already-present';
    },
    success: () => `${base(area)}/sessions/${sessionId}?notice=${result}`,
    rerender: (state) => rosterPage(c, area, state),
  });
}

export async function removeAttendanceAction(c: Context<AppEnv>, area: StaffArea) {
  const values = formValues(await c.req.parseBody());
  const sessionId = sessionIdOf(c);
  const attendanceId = c.req.param('attendanceId') ?? '';
  return submitForm(c, {
    form: 'remove',
    values: { ...values, attendanceId },
    action: () =>
      removeAttendance({
        db: deps(c).db,
        actor: area.actor,
        lgCode: area.tenant.lgCode,
        attendanceId,
        input: { reason: values.reason ?? '' },
      }),
    success: `${base(area)}/sessions/${sessionId}?notice=removed`,
    rerender: (state) => rosterPage(c, area, state),
  });
}

// The attendance report.

function fiscalYearText(page: PageContext, year: number): string {
  return page.t({
    ja: `${year}年度（${year}年4月〜${year + 1}年3月）`,
    en: `FY${year} (April ${year} – March ${year + 1})`,
  });
}

export async function attendanceReportPage(c: Context<AppEnv>, area: StaffArea) {
  const page = pageContext(c);
  const { t } = page;
  const lgCode = area.tenant.lgCode;
  const here = `${base(area)}/attendance`;
  const current = fiscalYearOf(new Date());
  const raw = filledQuery(c);
  const parsed = ReportQuery.safeParse(raw);
  const fiscalYear = parsed.success ? (parsed.data.fiscalYear ?? current) : current;
  const report = await getAttendanceReport({ db: deps(c).db, actor: area.actor, lgCode, fiscalYear });
  const years = [...new Set([current + 1, ...Array.from({ length: 6 }, (_, index) => current - index), fiscalYear])]
    .filter((year) => year >= 2020 && year <= 2100)
    .sort((a, b) => b - a);
  const format = dateTimeFormat(page);
  return personalPage(
    c,
    <Layout page={page} title={activityTitles.attendance}>
      <StaffNav page={page} area={area} current={here} />
      <h1>{t(activityTitles.attendance)}</h1>
      <p>
        {t({
          ja: '事業と回ごとの、年度の出席の集計です。「延べ参加日数」は、人ごとに出席した日を数えたものです（3日間の回に3日とも出席した方は3日）。「うち指定活動の日数」は、プレミアム登録の要件に数える日数です。',
          en: 'Attendance per project and session in a fiscal year. Person-days count each day each person was present (3 for someone present on all 3 days of a session); designated days are those counted for premium.',
        })}
      </p>
      <form class="search-form" method="get" action={here} aria-label={t({ ja: '年度の選択', en: 'Choose the year' })}>
        <div class="field">
          <label for="fiscalYear">{t({ ja: '年度', en: 'Fiscal year' })}</label>
          <select id="fiscalYear" name="fiscalYear">
            {years.map((year) => (
              <option value={String(year)} selected={year === fiscalYear}>
                {fiscalYearText(page, year)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <button class="button" type="submit">
            {t({ ja: '表示する', en: 'Show' })}
          </button>
        </div>
      </form>
      {!parsed.success && (
        <div class="error-summary" role="alert">
          <p class="error-summary__title">
            {t({
              ja: '年度の指定が正しくないため、今年度を表示しています。',
              en: 'The year was not valid: showing this year.',
            })}
          </p>
        </div>
      )}

      <section aria-labelledby="totals-heading">
        <h2 id="totals-heading">{fiscalYearText(page, report.fiscalYear)}</h2>
        <dl class="facts totals">
          <dt>{t({ ja: '事業', en: 'Projects' })}</dt>
          <dd>{t({ ja: `${report.projects.length}件`, en: `${report.projects.length}` })}</dd>
          <dt>{t({ ja: '回', en: 'Sessions' })}</dt>
          <dd>{t({ ja: `${report.totals.sessions}回`, en: `${report.totals.sessions}` })}</dd>
          <dt>{t({ ja: '延べ参加日数', en: 'Person-days' })}</dt>
          <dd>{t({ ja: `${report.totals.personDays}日`, en: `${report.totals.personDays}` })}</dd>
          <dt>{t({ ja: 'うち指定活動の日数', en: 'Of which designated' })}</dt>
          <dd>{t({ ja: `${report.totals.designatedPersonDays}日`, en: `${report.totals.designatedPersonDays}` })}</dd>
        </dl>
        <p>
          <a href={`${base(area)}/attendance.csv?fiscalYear=${report.fiscalYear}`}>
            {t({ ja: 'この年度の集計をCSVでダウンロード（Excel用）', en: 'Download this year as CSV (for Excel)' })}
          </a>{' '}
          <span class="muted">
            {t({
              ja: '氏名は含みません。ダウンロードは操作の記録（監査ログ）に残ります。',
              en: 'No names. Downloads are recorded in the audit trail.',
            })}
          </span>
        </p>
      </section>

      <section aria-labelledby="projects-heading">
        <h2 id="projects-heading">{t({ ja: '事業ごとの集計', en: 'By project' })}</h2>
        {report.projects.length === 0 && (
          <p>{t({ ja: 'この年度の回はありません。', en: 'No sessions in this year.' })}</p>
        )}
        {report.projects.map((project) => (
          <article aria-labelledby={`project-${project.projectId}`}>
            <h3 id={`project-${project.projectId}`}>
              <a href={`${base(area)}/projects/${project.projectId}`}>{project.title}</a>
            </h3>
            <p class="muted">
              {project.organisationName ?? t({ ja: '自治体', en: 'The government' })}
              {' / '}
              {t(
                projectCategoryLabels[project.category as keyof typeof projectCategoryLabels] ?? {
                  ja: project.category,
                  en: project.category,
                },
              )}
              {' / '}
              {project.designatedNow
                ? t({ ja: '現在: 指定', en: 'Now: designated' })
                : t({ ja: '現在: 指定なし', en: 'Now: not designated' })}
            </p>
            <table class="data">
              <caption class="visually-hidden">
                {t({ ja: `「${project.title}」の回ごとの出席`, en: `Attendance per session of “${project.title}”` })}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t({ ja: '日時', en: 'When' })}</th>
                  <th scope="col">{t({ ja: '定員', en: 'Capacity' })}</th>
                  <th scope="col">{t({ ja: '申込（確定）', en: 'Confirmed' })}</th>
                  <th scope="col">{t({ ja: '参加者数', en: 'People' })}</th>
                  <th scope="col">{t({ ja: '延べ参加日数', en: 'Person-days' })}</th>
                  <th scope="col">{t({ ja: 'うち指定活動の日数', en: 'Designated days' })}</th>
                </tr>
              </thead>
              <tbody>
                {project.sessions.map((session) => (
                  <tr>
                    <th scope="row">
                      <a href={`${base(area)}/sessions/${session.sessionId}`}>
                        {sessionTimeText(session.startsAt, session.endsAt, page.locale)}
                      </a>
                    </th>
                    <td>{session.capacity ?? t({ ja: '制限なし', en: 'No limit' })}</td>
                    <td>{session.confirmed}</td>
                    <td>{session.people}</td>
                    <td>{session.personDays}</td>
                    <td>{session.designatedPersonDays}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </article>
        ))}
      </section>
      <p class="muted">
        {t({ ja: `集計日時: ${format.format(new Date())}`, en: `As of ${format.format(new Date())}` })}
      </p>
    </Layout>,
    parsed.success ? 200 : 400,
  );
}

export async function attendanceReportCsvResponse(c: Context<AppEnv>, area: StaffArea) {
  const { db } = deps(c);
  const lgCode = area.tenant.lgCode;
  const { fiscalYear } = parseInput(ReportQuery, filledQuery(c));
  const report = await getAttendanceReport({ db, actor: area.actor, lgCode, ...(fiscalYear ? { fiscalYear } : {}) });
  return csvResponse(await attendanceReportCsv({ db, actor: area.actor, lgCode, report }));
}
