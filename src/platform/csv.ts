/**
 * CSV for the spreadsheets of Japanese offices: RFC 4180 (CRLF, quoted where needed), UTF-8 with a
 * BOM (Excel in Japan otherwise reads Shift_JIS), and formulas defused. Every module's export uses this.
 */

// A cell that starts like a formula would run in Excel (CSV injection); a leading quote makes it text.
const formulaStart = /^[=+\-@\t\r]/;

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; formulas defused. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (formulaStart.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(values: ReadonlyArray<string | number | null | undefined>): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

/** The byte order mark that opens every export, so that Excel reads UTF-8. */
export const csvBom = '\uFEFF';

/** The CSV as a download: personal data, so never cached. */
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
