/**
 * CSV for Excel in a Japanese office, as the registrations export writes it: UTF-8 with a BOM (Excel
 * otherwise reads Shift_JIS), RFC 4180 quoting, CRLF, and cells that would start a formula defused.
 * Shared by the survey and room exports of outreach.
 */

// A cell that starts like a formula would run in Excel (CSV injection); a leading quote makes it text.
const formulaStart = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (formulaStart.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(values: ReadonlyArray<string | number | null | undefined>): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

export const byteOrderMark = '\uFEFF';

/** The file as a download: never cached (results of a government's survey are its data). */
export function csvResponse(file: { chunks: string[]; filename: string }): Response {
  return new Response(new Blob(file.chunks).stream(), {
    status: 200,
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${file.filename}"`,
      'Cache-Control': 'no-store',
    },
  });
}
