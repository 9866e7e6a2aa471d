import { load, type CheerioAPI } from 'cheerio';
import { expect } from 'vitest';
import type { TestApp } from '../support/harness.js';

/**
 * A cookie-keeping client for the staff pages over real HTTP (not a test file itself):
 * it signs in through the sign-in form, follows no redirect by itself, and fills
 * forms as a browser would, with the hidden fields the page rendered.
 */

export type FormFields = Record<string, string | string[]>;

export interface Page {
  status: number;
  location: string | null;
  html: string;
  $: CheerioAPI;
  headers: Headers;
}

export const password = 'correct horse battery staple';

export function staffBrowser(app: Pick<TestApp, 'baseUrl'>) {
  const cookies = new Map<string, string>();

  async function request(method: string, path: string, form?: FormFields): Promise<Page> {
    const body = form && new URLSearchParams(Object.entries(form).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]])));
    const res = await fetch(app.baseUrl + path, {
      method,
      redirect: 'manual',
      headers: {
        ...(cookies.size ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(body ? { body: body.toString() } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, value = ''] = pair!.split('=');
      if (/max-age=0/i.test(line)) cookies.delete(name!);
      else cookies.set(name!, value);
    }
    const html = await res.text();
    return { status: res.status, location: res.headers.get('location'), html, $: load(html), headers: res.headers };
  }

  /** The hidden inputs of the page's form (the one posting to `action`, or the first). */
  const hiddenOf = (page: Page, action?: string): FormFields => {
    const form = action ? page.$(`form[action="${action}"]`) : page.$('main form').first();
    return Object.fromEntries(form.find('input[type=hidden]').map((_, el) => [[page.$(el).attr('name')!, page.$(el).attr('value') ?? '']]).get());
  };

  const client = {
    cookies,
    get: (path: string) => request('GET', path),
    post: (path: string, form: FormFields) => request('POST', path, form),
    /** Follows a 303 to where it points. */
    follow: async (page: Page) => {
      expect(page.status, page.html.slice(0, 300)).toBe(303);
      return request('GET', new URL(page.location!, app.baseUrl).pathname + new URL(page.location!, app.baseUrl).search);
    },
    hiddenOf,
    /** Signs in through the form; returns the page signing in leads to. */
    async signIn(email: string, pass = password, returnTo?: string) {
      const page = await request('GET', `/sign-in${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}`);
      const signedIn = await request('POST', '/sign-in', { ...hiddenOf(page, '/sign-in'), email, password: pass });
      expect(signedIn.status, signedIn.html.slice(0, 500)).toBe(303);
      return client.follow(signedIn);
    },
    /** Opens a form, then posts it with its hidden fields and these answers. */
    async fill(path: string, answers: FormFields, extra: FormFields = {}) {
      const form = await request('GET', path);
      expect(form.status, `${path}: ${form.$('h1').text()}`).toBe(200);
      return request('POST', path, { ...hiddenOf(form, path), ...answers, ...extra });
    },
  };
  return client;
}

export type StaffBrowser = ReturnType<typeof staffBrowser>;

/** The error summary's messages and where each links to. */
export const errorSummary = (page: Page) =>
  page.$('.govuk-error-summary__list a').map((_, a) => ({ href: page.$(a).attr('href'), text: page.$(a).text().trim() })).get();

/** The events a case page offers, as the API names them. */
export const offered = (page: Page) => page.$('[data-offer] a[data-event]').map((_, a) => page.$(a).attr('data-event')).get().sort();
