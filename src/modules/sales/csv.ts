export type CsvCell = string | number;

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break. Text that a spreadsheet would run as
 * a formula (=, +, -, @, tab, CR first: a movie title is operator input) gets a leading apostrophe (OWASP, CSV
 * injection); numbers are written as they are.
 */
export function csvCell(value: CsvCell): string {
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A header row and the rows, CRLF line ends (RFC 4180), a final line end. */
export function toCsv(header: string[], rows: CsvCell[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
