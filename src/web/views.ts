import { readdirSync, readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import type { Config } from '../config.js';
import { registerGovukHelpers } from './govukHelpers.js';

const templatesDir = new URL('../../templates/', import.meta.url);

export interface ErrorItem {
  text: string;
  href: string;
}

/** A page's own model. */
export interface PageContent {
  /** Names the page; the layout adds the service's name (and "Error: " when there are errors). */
  title: string;
  errorList?: ErrorItem[];
  [key: string]: unknown;
}

/** What every page gives the layout. */
export interface PageModel extends PageContent {
  service: Config['service'];
}

/**
 * The three layouts: `party` for the pages victims, offenders and supporters
 * reach from their emails (with GOV.UK's "Exit this page"), `staff` for the
 * signed-in app, `dev` for the development tools.
 */
export type Layout = 'party' | 'staff' | 'dev';

// preventIndent: Handlebars would otherwise indent a partial's every line, textarea values included.
const compileOptions = { preventIndent: true } as const;

function templatesIn(folder: string): [string, string][] {
  const dir = new URL(`${folder}/`, templatesDir);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.hbs'))
    .map((f) => [f.slice(0, -'.hbs'.length), readFileSync(new URL(f, dir), 'utf8')]);
}

/** The pages in templates/pages, in the GOV.UK layout, with the GOV.UK components ported to templates/partials. */
function createViews() {
  const hbs = Handlebars.create();
  registerGovukHelpers(hbs);
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).join(''));
  const partial = (name: string) => {
    const found = hbs.partials[name] as Handlebars.TemplateDelegate | undefined;
    if (!found) throw new Error(`no partial named ${name}`);
    return found;
  };
  /** Renders a partial into a value, for component options that take HTML (a radio's conditional reveal). */
  hbs.registerHelper('render', (name: string, params: unknown, options: Handlebars.HelperOptions) =>
    new Handlebars.SafeString(partial(name)(params, { data: options.data })),
  );
  for (const [name, source] of templatesIn('partials')) hbs.registerPartial(name, hbs.compile(source, compileOptions));
  const compiled = (folder: string, prefix = '') => templatesIn(folder).map(([name, source]) => [prefix + name, hbs.compile(source, compileOptions)] as const);
  const pages = new Map([...compiled('pages'), ...compiled('staff', 'staff/')]);
  const layouts = new Map(compiled('layouts'));
  const template = (name: string, from = pages) => {
    const found = from.get(name);
    if (!found) throw new Error(`no template named ${name}`);
    return found;
  };

  return {
    /** A whole page: the named template (`staff/…` for templates/staff) inside its layout. */
    page(name: string, model: PageModel, layout: Layout): string {
      const withNonce = { ...model, cspNonce: noncePlaceholder };
      return template(layout, layouts)({ ...withNonce, content: new Handlebars.SafeString(template(name)(withNonce)) });
    },
    /** One component (a partial) on its own, as the fixtures test renders them. */
    component(name: string, params: unknown): string {
      return partial(name)(params);
    },
  };
}

export const views = createViews();

/**
 * Where a page's script nonce goes. Pages are rendered before the response that
 * sends them (the problem pages once, at start), so the layout carries this mark
 * and sendHtml puts the response's own nonce in its place. Escaped text can never
 * contain it: Handlebars writes `<` as `&lt;`.
 */
export const noncePlaceholder = '<csp-nonce>';
