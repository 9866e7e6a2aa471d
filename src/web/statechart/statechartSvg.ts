import Handlebars from 'handlebars';
import type { StatechartLayout } from './statechartLayout.js';

const { escapeExpression: esc } = Handlebars;
const n = (v: number) => Math.round(v * 10) / 10;

/**
 * The statechart as SVG, drawn on the server from its layout: a box per state
 * (`data-state` is its id), an arrow per transition (`data-transition`), and the
 * states the case is in now marked `app-sc-state--current`. Styled from app.css,
 * so no inline style is needed under the Content-Security-Policy.
 */
export function statechartSvg(layout: StatechartLayout, current: ReadonlySet<string>, title: string): string {
  const states = layout.states
    .map((s) => {
      const classes = ['app-sc-state', `app-sc-state--${s.kind}`, ...(current.has(s.id) ? ['app-sc-state--current'] : [])].join(' ');
      const inner = s.kind === 'final' ? `<rect class="app-sc-final" x="${n(s.x + 3)}" y="${n(s.y + 3)}" width="${n(s.width - 6)}" height="${n(s.height - 6)}" rx="4"/>` : '';
      const labelY = s.kind === 'compound' || s.kind === 'parallel' ? s.y + 18 : s.y + s.height / 2 + 4;
      const labelX = s.kind === 'compound' || s.kind === 'parallel' ? s.x + 10 : s.x + s.width / 2;
      const anchor = s.kind === 'compound' || s.kind === 'parallel' ? 'start' : 'middle';
      return `<g class="${classes}" data-state="${esc(s.id)}"><title>${esc(s.id.replace(/^case\./, ''))}${current.has(s.id) ? ' (the case is here)' : ''}</title><rect x="${n(s.x)}" y="${n(s.y)}" width="${n(s.width)}" height="${n(s.height)}" rx="6"/>${inner}<text x="${n(labelX)}" y="${n(labelY)}" text-anchor="${anchor}">${esc(s.label)}</text></g>`;
    })
    .join('\n');
  const transitions = layout.transitions
    .map((t) => {
      const d = t.points.map((p, i) => `${i ? 'L' : 'M'}${n(p.x)} ${n(p.y)}`).join(' ');
      const l = t.labelBox;
      return `<g class="app-sc-transition" data-transition="${esc(t.id)}" data-event="${esc(t.event)}" data-source="${esc(t.source)}" data-target="${esc(t.target)}"><title>${esc(t.label)}${t.guard ? ` when ${esc(t.guard)}` : ''}</title><path d="${d}" marker-end="url(#app-sc-arrow)"/><text x="${n(l.x + l.width / 2)}" y="${n(l.y + l.height / 2 + 4)}" text-anchor="middle">${esc(t.label)}</text></g>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" class="app-statechart" viewBox="0 0 ${n(layout.width)} ${n(layout.height)}" width="${n(layout.width)}" height="${n(layout.height)}" role="img" aria-labelledby="app-sc-title">
<title id="app-sc-title">${esc(title)}</title>
<defs><marker id="app-sc-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" class="app-sc-arrowhead"/></marker></defs>
${states}
${transitions}
</svg>`;
}
