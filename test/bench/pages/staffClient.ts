/**
 * A cookie-keeping HTTP client for the staff pages, as a browser uses them: it signs in through the
 * sign-in form (its hidden fields, then the session cookie the server sets) and fills forms with the
 * hidden fields the page rendered. It follows no redirect by itself. It parses HTML with regular
 * expressions only, so the load generator's own cost stays small next to the server's.
 */

export interface Answer {
  status: number;
  location: string | null;
  html: string;
}

const entities: Record<string, string> = { '&amp;': '&', '&quot;': '"', '&#39;': "'", '&#x27;': "'", '&lt;': '<', '&gt;': '>', '&#x3D;': '=', '&#x60;': '`' };
const decode = (s: string) => s.replace(/&(?:amp|quot|#39|#x27|lt|gt|#x3D|#x60);/g, (e) => entities[e]!);
const attr = (tag: string, name: string) => {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m ? decode(m[1]!) : undefined;
};

/** The hidden inputs of the form that posts to `action` (the page may hold others, such as sign-out's). */
export function hiddenFields(html: string, action: string): Record<string, string> {
  for (const form of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    if (attr(form[1]!, 'action') !== action) continue;
    const fields: Record<string, string> = {};
    for (const [input] of form[2]!.matchAll(/<input\b[^>]*>/g)) {
      const name = attr(input, 'name');
      if (attr(input, 'type') === 'hidden' && name !== undefined) fields[name] = attr(input, 'value') ?? '';
    }
    return fields;
  }
  throw new Error(`no form posting to ${action} on the page`);
}

/** The text of the page's h1, tags removed. */
export const heading = (html: string) => decode(/<h1\b[^>]*>([\s\S]*?)<\/h1>/.exec(html)?.[1]?.replace(/<[^>]*>/g, '').trim() ?? '');

export function staffClient(baseUrl: string) {
  const cookies = new Map<string, string>();

  async function request(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<Answer> {
    const res = await fetch(baseUrl + path, {
      method,
      redirect: 'manual',
      headers: {
        ...(cookies.size ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      if (/max-age=0/i.test(line)) cookies.delete(name);
      else cookies.set(name, pair.slice(at + 1));
    }
    return { status: res.status, location: res.headers.get('location'), html: await res.text() };
  }

  const expectStatus = (answer: Answer, status: number, what: string) => {
    if (answer.status !== status) throw new Error(`${what} answered ${answer.status}, not ${status}: ${heading(answer.html) || answer.html.slice(0, 200)}`);
    return answer;
  };

  const client = {
    cookies,
    get: (path: string) => request('GET', path),
    post: (path: string, form: Record<string, string>) => request('POST', path, form),
    expectStatus,
    /** Follows a 303 to where it points (a path on this site). */
    async follow(answer: Answer, what: string) {
      expectStatus(answer, 303, what);
      const to = new URL(answer.location!, baseUrl);
      return request('GET', to.pathname + to.search);
    },
    /** Signs in through the form, as a person would, and checks the session cookie was set and works. */
    async signIn(email: string, password: string) {
      const page = expectStatus(await request('GET', '/sign-in'), 200, 'GET /sign-in');
      const signedIn = await request('POST', '/sign-in', { ...hiddenFields(page.html, '/sign-in'), email, password });
      expectStatus(signedIn, 303, `signing in as ${email}`);
      if (![...cookies.keys()].some((name) => /rj_session$/.test(name))) throw new Error(`signing in as ${email} set no session cookie`);
      expectStatus(await client.follow(signedIn, `the page after signing in as ${email}`), 200, `the page after signing in as ${email}`);
    },
  };
  return client;
}

export type StaffClient = ReturnType<typeof staffClient>;
