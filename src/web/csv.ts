/**
 * A table as CSV (RFC 4180): a header row, then a row per record, quoted where a
 * value needs it. Text that a spreadsheet would run as a formula (starting with
 * = + - @ or a tab) is sent with a leading apostrophe, so opening an export never
 * runs what someone typed into a note.
 */
export function toCsv(header: string[], rows: (string | number | null)[][]): string {
  const cell = (v: string | number | null) => {
    const text = v === null ? '' : typeof v === 'number' ? String(v) : /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
