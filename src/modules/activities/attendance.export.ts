import type { Kysely } from 'kysely';
import { recordAuditEvent, type Actor } from '../../platform/audit.js';
import { csvBom, csvRow } from '../../platform/csv.js';
import type { Database } from '../../platform/db/schema.js';
import { withTenant } from '../../platform/db/tenant-scope.js';
import { projectCategoryLabels } from './activities.labels.js';
import type { getAttendanceReport } from './attendance.service.js';

type Report = Awaited<ReturnType<typeof getAttendanceReport>>;

function japanDateTime(instant: Date): string {
  return new Date(instant.getTime() + 9 * 60 * 60 * 1000).toISOString().slice(0, 16).replace('T', ' ');
}

/**
 * The attendance report as a spreadsheet, one row per session: counts only, no names. Audited like every
 * export, with the fiscal year and the number of rows.
 */
export async function attendanceReportCsv(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  report: Report;
}): Promise<{ chunks: string[]; filename: string }> {
  const { report } = options;
  const chunks = [
    csvBom,
    csvRow([
      '事業',
      '分野',
      '団体',
      '現在の指定',
      '開始',
      '終了',
      '定員',
      '申込（確定）',
      '参加者数',
      '延べ参加日数',
      'うち指定活動の日数',
    ]),
  ];
  let rows = 0;
  for (const project of report.projects) {
    for (const session of project.sessions) {
      chunks.push(
        csvRow([
          project.title,
          projectCategoryLabels[project.category as keyof typeof projectCategoryLabels]?.ja ?? project.category,
          project.organisationName ?? '（自治体）',
          project.designatedNow ? '指定' : '指定なし',
          japanDateTime(session.startsAt),
          japanDateTime(session.endsAt),
          session.capacity,
          session.confirmed,
          session.people,
          session.personDays,
          session.designatedPersonDays,
        ]),
      );
      rows += 1;
    }
  }
  await withTenant(options.db, options.lgCode, (scope) =>
    recordAuditEvent(scope, {
      actor: options.actor,
      action: 'attendance.exported',
      subjectType: 'attendance_report',
      data: { format: 'csv', fiscalYear: report.fiscalYear, rowCount: rows },
    }),
  );
  return { chunks, filename: `attendance-${options.lgCode}-FY${report.fiscalYear}.csv` };
}
