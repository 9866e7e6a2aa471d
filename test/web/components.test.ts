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
  button: 'govukButton',
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
  panel: 'govukPanel',
  radios: 'govukRadios',
  'skip-link': 'govukSkipLink',
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
