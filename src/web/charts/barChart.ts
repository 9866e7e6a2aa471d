import Handlebars from 'handlebars';

const { escapeExpression: esc } = Handlebars;

/**
 * A horizontal bar chart as SVG, drawn on the server: one bar per row, its value
 * written beside it. It is an image with a text name; the table beside it on the
 * page carries the same figures for anyone who cannot see it.
 */
export function barChart(title: string, rows: { label: string; value: number }[], unit = 'cases'): Handlebars.SafeString {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const [labelWidth, barWidth, rowHeight] = [260, 360, 28];
  const height = rows.length * rowHeight + 8;
  const bars = rows
    .map((r, i) => {
      const y = i * rowHeight + 4;
      const w = Math.round((r.value / max) * barWidth);
      return `<g><text x="${labelWidth - 8}" y="${y + 18}" text-anchor="end">${esc(r.label)}</text><rect x="${labelWidth}" y="${y + 4}" width="${w}" height="${rowHeight - 8}" class="app-chart-bar"/><text x="${labelWidth + w + 6}" y="${y + 18}">${r.value}</text></g>`;
    })
    .join('');
  const summary = `${title}: ${rows.map((r) => `${r.label} ${r.value} ${unit}`).join(', ')}`;
  return new Handlebars.SafeString(
    `<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" viewBox="0 0 ${labelWidth + barWidth + 60} ${height}" role="img" aria-label="${esc(summary)}"><title>${esc(summary)}</title>${bars}</svg>`,
  );
}
