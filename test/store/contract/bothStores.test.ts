import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The contract suite holds both stores to one behaviour only if every suite in it runs against both:
 * a suite written for one store alone fails here, before it can pass for that store only.
 */
describe('the store contract suite', () => {
  const dir = import.meta.dirname;
  const suites = readdirSync(dir).filter((f) => f.endsWith('.test.ts') && f !== 'bothStores.test.ts');

  it('has suites', () => expect(suites.length).toBeGreaterThan(0));

  it.each(suites)('%s runs every suite through forEachStore, against both stores', (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    expect(text, `${file} must run its suites with forEachStore (./stores.ts)`).toMatch(/^forEachStore\(/m);
    expect(text, `${file} has a suite of its own outside forEachStore: wrap it, so it runs against both stores`).not.toMatch(/^(describe|it|test)(\.\w+)*\(/m);
    expect(text, `${file} picks a store itself: let forEachStore give it each`).not.toMatch(/kind === '(sqlite|postgres)'/);
  });
});
