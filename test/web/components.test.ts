import { load, type CheerioAPI } from 'cheerio';
import type { AnyNode } from 'domhandler';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { views } from '../../src/web/views.js';

/**
 * Each ported GOV.UK component, rendered from every fixture GOV.UK publishes
 * for it, must give the same HTML as GOV.UK's own Nunjucks template (compared
 * after normalising whitespace and attribute order). Every fixture of every
 * ported component is checked: none is left out as unsupported.
 */

const componentsDir = join(dirname(createRequire(import.meta.url).resolve('govuk-frontend/package.json')), 'dist/govuk/components');

const ported: Record<string, string> = {
  'back-link': 'govukBackLink',
  button: 'govukButton',
  checkboxes: 'govukCheckboxes',
  'date-input': 'govukDateInput',
  details: 'govukDetails',
  'error-message': 'govukErrorMessage',
  'error-summary': 'govukErrorSummary',
  'exit-this-page': 'govukExitThisPage',
  fieldset: 'govukFieldset',
  hint: 'govukHint',
  input: 'govukInput',
  'inset-text': 'govukInsetText',
  label: 'govukLabel',
  'notification-banner': 'govukNotificationBanner',
  pagination: 'govukPagination',
  panel: 'govukPanel',
  radios: 'govukRadios',
  select: 'govukSelect',
  'service-navigation': 'govukServiceNavigation',
  'skip-link': 'govukSkipLink',
  'summary-list': 'govukSummaryList',
  table: 'govukTable',
  tag: 'govukTag',
  'task-list': 'govukTaskList',
  textarea: 'govukTextarea',
  'warning-text': 'govukWarningText',
};

interface Fixture {
  name: string;
  options: unknown;
  html: string;
}

type Canonical = string | { tag: string; attributes: [string, string][]; children: Canonical[] };

const collapse = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The HTML as a tree with whitespace collapsed, empty text dropped and attributes sorted by name. */
function canonical(html: string): Canonical[] {
  const $: CheerioAPI = load(html, null, false);
  const walk = (node: AnyNode): Canonical[] => {
    if (node.type === 'text') {
      const text = collapse(node.data);
      return text ? [text] : [];
    }
    if (node.type === 'tag' || node.type === 'script' || node.type === 'style') {
      const attributes = Object.entries(node.attribs)
        .map(([k, v]): [string, string] => [k, collapse(v)])
        .sort(([a], [b]) => a.localeCompare(b));
      return [{ tag: node.name, attributes, children: node.children.flatMap(walk) }];
    }
    return [];
  };
  return $.root().contents().toArray().flatMap(walk);
}

const fixturesOf = (component: string): Fixture[] =>
  (JSON.parse(readFileSync(join(componentsDir, component, 'fixtures.json'), 'utf8')) as { fixtures: Fixture[] }).fixtures;

describe('GOV.UK components ported to Handlebars match GOV.UK’s fixtures', () => {
  for (const [component, partial] of Object.entries(ported)) {
    describe(component, () => {
      for (const fixture of fixturesOf(component)) {
        it(fixture.name, () => {
          expect(canonical(views.component(partial, fixture.options))).toEqual(canonical(fixture.html));
        });
      }
    });
  }
});

/**
 * MoJ Frontend ships no fixtures for its timeline, so these cases are written
 * from moj/components/timeline/template.njk. Its date comes already formatted
 * in `datetime.text` (MoJ's date filters are Nunjucks only).
 */
describe('MoJ timeline ported to Handlebars matches its template', () => {
  const referral = {
    label: { text: 'Referral received' },
    byline: { text: 'Sam Facilitator' },
    datetime: { timestamp: '2026-03-01T10:15:00.000Z', text: '1 March 2026 at 10:15am' },
    text: 'Referred by the police.',
  };
  const cases: { name: string; params: unknown; html: string }[] = [
    {
      name: 'default heading level (2), text, byline',
      params: { items: [referral] },
      html: `<div class="moj-timeline">
  <div class="moj-timeline__item">
    <div class="moj-timeline__header">
      <h2 class="moj-timeline__title">Referral received</h2>
      <p class="moj-timeline__byline">by Sam Facilitator</p>
    </div>
    <p class="moj-timeline__date">
      <time datetime="2026-03-01T10:15:00.000Z">1 March 2026 at 10:15am</time>
    </p>
    <div class="moj-timeline__description">Referred by the police.</div>
  </div>
</div>`,
    },
    {
      name: 'custom heading level, html, no byline, several items',
      params: {
        headingLevel: 3,
        items: [
          {
            label: { html: 'Victim <strong>contacted</strong>' },
            datetime: { timestamp: '2026-03-02T09:00:00.000Z', text: '2 March 2026 at 9am' },
            html: '<p class="govuk-body">By phone.</p>',
          },
          referral,
        ],
      },
      html: `<div class="moj-timeline">
  <div class="moj-timeline__item">
    <div class="moj-timeline__header">
      <h3 class="moj-timeline__title">Victim <strong>contacted</strong></h3>
    </div>
    <p class="moj-timeline__date">
      <time datetime="2026-03-02T09:00:00.000Z">2 March 2026 at 9am</time>
    </p>
    <div class="moj-timeline__description"><p class="govuk-body">By phone.</p></div>
  </div>
  <div class="moj-timeline__item">
    <div class="moj-timeline__header">
      <h3 class="moj-timeline__title">Referral received</h3>
      <p class="moj-timeline__byline">by Sam Facilitator</p>
    </div>
    <p class="moj-timeline__date">
      <time datetime="2026-03-01T10:15:00.000Z">1 March 2026 at 10:15am</time>
    </p>
    <div class="moj-timeline__description">Referred by the police.</div>
  </div>
</div>`,
    },
    {
      name: 'byline as html, the rest as text is escaped',
      params: {
        items: [
          {
            label: { text: '<b>Note</b> added' },
            byline: { html: '<a class="govuk-link" href="/staff/users/1">Sam</a>' },
            datetime: { timestamp: '2026-03-03T12:00:00.000Z', text: '3 March 2026 <noon>' },
            text: 'Said "no" & <script>alert(1)</script>',
          },
        ],
      },
      html: `<div class="moj-timeline">
  <div class="moj-timeline__item">
    <div class="moj-timeline__header">
      <h2 class="moj-timeline__title">&lt;b&gt;Note&lt;/b&gt; added</h2>
      <p class="moj-timeline__byline">by <a class="govuk-link" href="/staff/users/1">Sam</a></p>
    </div>
    <p class="moj-timeline__date">
      <time datetime="2026-03-03T12:00:00.000Z">3 March 2026 &lt;noon&gt;</time>
    </p>
    <div class="moj-timeline__description">Said &quot;no&quot; &amp; &lt;script&gt;alert(1)&lt;/script&gt;</div>
  </div>
</div>`,
    },
    {
      name: 'classes and attributes, on the timeline and on an item',
      params: {
        classes: 'app-timeline--case',
        attributes: { 'data-case': 'RJ-1"2', id: 'history' },
        items: [{ ...referral, classes: 'app-timeline__item--closed', attributes: { 'data-event': 'referral' } }],
      },
      html: `<div class="moj-timeline app-timeline--case" data-case="RJ-1&quot;2" id="history">
  <div class="moj-timeline__item app-timeline__item--closed" data-event="referral">
    <div class="moj-timeline__header">
      <h2 class="moj-timeline__title">Referral received</h2>
      <p class="moj-timeline__byline">by Sam Facilitator</p>
    </div>
    <p class="moj-timeline__date">
      <time datetime="2026-03-01T10:15:00.000Z">1 March 2026 at 10:15am</time>
    </p>
    <div class="moj-timeline__description">Referred by the police.</div>
  </div>
</div>`,
    },
    {
      name: 'no items',
      params: { items: [] },
      html: '<div class="moj-timeline"></div>',
    },
  ];
  for (const { name, params, html } of cases) {
    it(name, () => {
      expect(canonical(views.component('mojTimeline', params))).toEqual(canonical(html));
    });
  }

  it('escapes text, so no markup from a label, date or description reaches the page', () => {
    const html = views.component('mojTimeline', cases[2]!.params);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<noon>');
    expect(html).toContain('&lt;script&gt;');
  });
});
