import { createRouter, type AppRouter } from '../../platform/http/app.js';
import type { Localized } from '../../platform/i18n.js';
import { auditActionLabels, staffAreaLinks } from '../staff/index.js';
import { activityTitles, mayUseActivities, withActivities } from './staff-activities.ui.js';
import {
  decideOrganisationAction,
  designateOrganisationAction,
  inviteOrganisationStaffAction,
  withdrawOrganisationInvitationAction,
  organisationPage,
  organisationsPage,
  registerOrganisationAction,
  suspendOrganisationAction,
  updateOrganisationAction,
} from './staff-organisations.pages.js';
import {
  addSessionAction,
  createProjectAction,
  projectDesignationAction,
  projectPage,
  projectsPage,
  projectStatusAction,
  requestDesignationAction,
  updateProjectAction,
} from './staff-projects.pages.js';
import {
  attendanceReportCsvResponse,
  attendanceReportPage,
  cancelSessionAction,
  manualAttendanceAction,
  messageAction,
  removeAttendanceAction,
  rosterPage,
  sessionOpenAction,
  updateSessionAction,
} from './staff-sessions.pages.js';

/**
 * The staff pages of 担い手 activities, for the government's staff (every organisation and project of
 * its area, designation) and for 団体担当者 (their organisation and its projects). Server-rendered, every
 * change a form that posts and comes back (303 with a notice, or the page again with the refusal), so
 * all of it works without JavaScript. The organiser's check-in page lives at `/sessions/{id}/check-in`.
 */

staffAreaLinks.push(
  { path: '/projects', label: activityTitles.projects, show: mayUseActivities },
  { path: '/organisations', label: activityTitles.organisations, show: mayUseActivities },
  { path: '/attendance', label: activityTitles.attendance, show: mayUseActivities },
);

Object.assign(auditActionLabels, {
  'organisation.registered': { ja: '関係団体の登録', en: 'Organisation registered' },
  'organisation.applied': { ja: '関係団体の申請', en: 'Organisation applied' },
  'organisation.approved': { ja: '関係団体の承認', en: 'Organisation approved' },
  'organisation.rejected': { ja: '関係団体の不承認', en: 'Organisation rejected' },
  'organisation.updated': { ja: '関係団体の情報の変更', en: 'Organisation updated' },
  'organisation.designated': { ja: '関係団体の指定', en: 'Organisation designated' },
  'organisation.designation_revoked': { ja: '関係団体の指定の取り消し', en: 'Organisation designation revoked' },
  'organisation.suspended': { ja: '関係団体の活動停止', en: 'Organisation suspended' },
  'organisation.reinstated': { ja: '関係団体の活動停止の解除', en: 'Organisation reinstated' },
  'project.created': { ja: '事業の計画', en: 'Project planned' },
  'project.updated': { ja: '事業の変更', en: 'Project changed' },
  'project.published': { ja: '事業の公開', en: 'Project published' },
  'project.draft': { ja: '事業の非公開化', en: 'Project back to planning' },
  'project.cancelled': { ja: '事業の中止', en: 'Project cancelled' },
  'project.archived': { ja: '事業の終了', en: 'Project archived' },
  'project.designation_requested': { ja: '事業の指定の依頼', en: 'Designation requested' },
  'project.designation_changed': { ja: '事業の指定の変更', en: 'Project designation changed' },
  'session.created': { ja: '日程の追加', en: 'Session added' },
  'session.updated': { ja: '日程の変更', en: 'Session changed' },
  'session.closed': { ja: '申し込みの受付終了', en: 'Applications closed' },
  'session.reopened': { ja: '申し込みの受付再開', en: 'Applications reopened' },
  'session.cancelled': { ja: '回の中止', en: 'Session cancelled' },
  'session.message_sent': { ja: '参加者へのメッセージ', en: 'Message to participants' },
  'session_application.created': { ja: '活動への申し込み', en: 'Applied to a session' },
  'session_application.cancelled': { ja: '申し込みのキャンセル', en: 'Application cancelled' },
  'session_application.promoted': { ja: 'キャンセル待ちからの繰り上がり', en: 'Moved up from the waiting list' },
  'attendance.recorded': { ja: '出席の記録', en: 'Attendance recorded' },
  'attendance.corrected': { ja: '出席の手入力・取り消し', en: 'Attendance corrected by hand' },
  'attendance.exported': { ja: '出欠の集計のCSV出力', en: 'Attendance report exported (CSV)' },
} satisfies Record<string, Localized>);

export function staffActivityPages(): AppRouter {
  const router = createRouter();

  // Organisations.
  router.get('/staff/:lgCode/organisations', (c) => withActivities(c, (area) => organisationsPage(c, area)));
  router.post('/staff/:lgCode/organisations', (c) => withActivities(c, (area) => registerOrganisationAction(c, area)));
  router.get('/staff/:lgCode/organisations/:organisationId', (c) =>
    withActivities(c, (area) => organisationPage(c, area)),
  );
  router.post('/staff/:lgCode/organisations/:organisationId', (c) =>
    withActivities(c, (area) => updateOrganisationAction(c, area)),
  );
  router.post('/staff/:lgCode/organisations/:organisationId/decision', (c) =>
    withActivities(c, (area) => decideOrganisationAction(c, area)),
  );
  router.post('/staff/:lgCode/organisations/:organisationId/designation', (c) =>
    withActivities(c, (area) => designateOrganisationAction(c, area)),
  );
  router.post('/staff/:lgCode/organisations/:organisationId/suspension', (c) =>
    withActivities(c, (area) => suspendOrganisationAction(c, area)),
  );
  router.post('/staff/:lgCode/organisations/:organisationId/invitations', (c) =>
    withActivities(c, (area) => inviteOrganisationStaffAction(c, area)),
  );
  router.post('/staff/:lgCode/organisations/:organisationId/invitations/:invitationId/withdraw', (c) =>
    withActivities(c, (area) => withdrawOrganisationInvitationAction(c, area)),
  );

  // Projects and their sessions.
  router.get('/staff/:lgCode/projects', (c) => withActivities(c, (area) => projectsPage(c, area)));
  router.post('/staff/:lgCode/projects', (c) => withActivities(c, (area) => createProjectAction(c, area)));
  router.get('/staff/:lgCode/projects/:projectId', (c) => withActivities(c, (area) => projectPage(c, area)));
  router.post('/staff/:lgCode/projects/:projectId', (c) => withActivities(c, (area) => updateProjectAction(c, area)));
  router.post('/staff/:lgCode/projects/:projectId/status', (c) =>
    withActivities(c, (area) => projectStatusAction(c, area)),
  );
  router.post('/staff/:lgCode/projects/:projectId/designation', (c) =>
    withActivities(c, (area) => projectDesignationAction(c, area)),
  );
  router.post('/staff/:lgCode/projects/:projectId/designation-request', (c) =>
    withActivities(c, (area) => requestDesignationAction(c, area)),
  );
  router.post('/staff/:lgCode/projects/:projectId/sessions', (c) =>
    withActivities(c, (area) => addSessionAction(c, area)),
  );

  // One session: the roster and what the organiser does with it.
  router.get('/staff/:lgCode/sessions/:sessionId', (c) => withActivities(c, (area) => rosterPage(c, area)));
  router.post('/staff/:lgCode/sessions/:sessionId', (c) => withActivities(c, (area) => updateSessionAction(c, area)));
  router.post('/staff/:lgCode/sessions/:sessionId/applications-open', (c) =>
    withActivities(c, (area) => sessionOpenAction(c, area)),
  );
  router.post('/staff/:lgCode/sessions/:sessionId/cancellation', (c) =>
    withActivities(c, (area) => cancelSessionAction(c, area)),
  );
  router.post('/staff/:lgCode/sessions/:sessionId/messages', (c) =>
    withActivities(c, (area) => messageAction(c, area)),
  );
  router.post('/staff/:lgCode/sessions/:sessionId/attendance', (c) =>
    withActivities(c, (area) => manualAttendanceAction(c, area)),
  );
  router.post('/staff/:lgCode/sessions/:sessionId/attendance/:attendanceId/removal', (c) =>
    withActivities(c, (area) => removeAttendanceAction(c, area)),
  );

  // The attendance report.
  router.get('/staff/:lgCode/attendance', (c) => withActivities(c, (area) => attendanceReportPage(c, area)));
  router.get('/staff/:lgCode/attendance.csv', (c) => withActivities(c, (area) => attendanceReportCsvResponse(c, area)));

  return router;
}
