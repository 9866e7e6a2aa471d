import fc from 'fast-check';
import { expect } from 'vitest';
import { looksLikeStackTrace } from '../api/apiSteps.js';

/**
 * Malformed urlencoded forms, shared by the page fuzzers (not a test file itself). A form is a
 * list of pairs, sent in order, so a field can be repeated (`a=1&a=2`), renamed as an array
 * (`a[]=x`) or followed by bytes no browser sends (`%ZZ`, a lone surrogate's UTF-8).
 */

export type Pair = { key: string; value: string } | { raw: string };

/** Percent-encodes the UTF-8 bytes of `s` (a lone surrogate becomes U+FFFD's bytes): never throws, unlike encodeURIComponent. */
export function encodeComponent(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export const encodeForm = (pairs: Pair[]): string => pairs.map((p) => ('raw' in p ? p.raw : `${encodeComponent(p.key)}=${encodeComponent(p.value)}`)).join('&');

export const pair = (key: string, value: string): Pair => ({ key, value });

export const prototypeWords = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__', '__lookupGetter__', 'propertyIsEnumerable', 'toLocaleString'];
const pollutionKeys = [...prototypeWords, '__proto__[polluted]', 'constructor[prototype][polluted]', '__proto__.polluted', 'a[__proto__][polluted]', '[__proto__]', 'constructor.prototype.polluted'];

const controlChars = [...Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)), '\u007f', '\u0085', '\u2028', '\u2029', '\u200b', '\u202e', '\ufeff', '\ufffe', '\uffff'];
export const controlString = fc.string({ unit: fc.constantFrom(...controlChars), minLength: 1, maxLength: 20 }).chain((c) => fc.constantFrom(c, `a${c}b`, ` ${c} `));
export const unicodeString = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
  fc.constantFrom('\ud800', '\udfff', 'a\ud83d', '\ude00b', 'e\u0301', '\u{1F600}', 'ﬀ', 'Ⅸ', '１２', 'İ', 'ß', '\u0130\u0131', 'Ω', 'Å'),
);
/** Longer than any text a form takes (the longest, a summary, is 10,000 characters), some over the 64 kB body limit. */
export const hugeString = fc
  .tuple(fc.integer({ min: 10_001, max: 70_000 }), fc.constantFrom('x', ' x', 'é', '\u{1F600}', '\u0000', '<', '%'))
  .map(([n, c]) => c.repeat(Math.ceil(n / [...c].length)));
/** Longer than any text field takes (10,000 characters, counted in code points) yet inside the 64 kB body limit, so the form reads it. */
export const tooLong = fc.oneof(
  fc.tuple(fc.integer({ min: 10_001, max: 30_000 }), fc.constantFrom('x', '<', '\u0000')).map(([n, c]) => c.repeat(n)),
  fc.integer({ min: 5_001, max: 9_000 }).map((n) => ' x'.repeat(n)),
  fc.integer({ min: 10_001, max: 10_300 }).map((n) => 'é'.repeat(n)),
);
export const blank = fc.constantFrom('', ' ', '   ', '\t', '\n', ' \r\n ', '\u00a0', '\u2003', '\ufeff');
const odd = fc.constantFrom(
  'null', 'undefined', 'true', 'NaN', '-1', '0', '1e400', '0x10', '[]', '{}', '[object Object]', '{"a":1}',
  '<script>alert(1)</script>', "' OR '1'='1", '"; DROP TABLE cases; --', '../../etc/passwd', '%00', '%', '${7*7}', '{{7*7}}',
  '2026-02-30', '31/12/2026', '2026-13-01', '99999-01-01', 'tomorrow',
);

export const junkValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: controlString },
  { weight: 2, arbitrary: unicodeString },
  { weight: 2, arbitrary: odd },
  { weight: 1, arbitrary: blank },
  { weight: 1, arbitrary: fc.constantFrom(...prototypeWords) },
  { weight: 1, arbitrary: hugeString },
);
export const junkKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...pollutionKeys),
  fc.string({ maxLength: 20 }),
  unicodeString,
  controlString,
  fc.constantFrom('', 'a[]', 'a[0]', 'a[b]', 'a.b', 'listAction', 'step', 'session', 'type', 'id'),
);
/** Fragments no form would send: broken percent-escapes, invalid UTF-8, stray separators. */
export const rawFragment = fc.constantFrom('%ZZ=x', 'a=%ZZ', 'a=%E0%A4%A', 'a=%ED%A0%80', '%C0%AF=x', 'a=%C0%80', '=', '&', '==', 'a', 'a==b', '%00=%00', '+=+', '%26=%3D', ';a=b', 'a=%', 'a[=1', ']=1', 'a]=[');

export interface Noisy {
  pairs: Pair[];
  how: string[];
}

type Op =
  | { op: 'add'; key: string; value: string }
  | { op: 'dup'; at: number; value?: string }
  | { op: 'arrayify'; at: number; suffix: string }
  | { op: 'replace'; at: number; value: string }
  | { op: 'drop'; at: number }
  | { op: 'raw'; fragment: string };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('add' as const), key: junkKey, value: junkValue }),
  fc.record({ op: fc.constant('dup' as const), at: fc.nat(), value: fc.option(junkValue, { nil: undefined }) }),
  fc.record({ op: fc.constant('arrayify' as const), at: fc.nat(), suffix: fc.constantFrom('[]', '[0]', '[1]', '[]', '[x]', '.0') }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: junkValue }),
  fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('raw' as const), fragment: rawFragment }),
);

/**
 * Up to `max` changes to a form: junk fields (prototype keys among them), a field repeated or sent
 * as an array, a value replaced by junk, a field dropped, a broken fragment. Keys in `keep` are
 * left alone and never added: they carry what makes the request refused (or its token).
 */
export function noisy(base: Pair[], keep: ReadonlySet<string>, max = 4): fc.Arbitrary<Noisy> {
  return fc.array(op, { maxLength: max }).map((ops) => {
    let pairs = [...base];
    const how: string[] = [];
    const free = () => pairs.flatMap((p, i) => ('key' in p && !keep.has(p.key) ? [i] : []));
    for (const o of ops) {
      if (o.op === 'add') {
        if (keep.has(o.key)) continue;
        pairs.push(pair(o.key, o.value));
        how.push(`+${JSON.stringify(o.key).slice(0, 40)}`);
      } else if (o.op === 'raw') {
        pairs.push({ raw: o.fragment });
        how.push(`raw ${o.fragment}`);
      } else {
        const slots = free();
        if (slots.length === 0) continue;
        const i = slots[o.at % slots.length]!;
        const p = pairs[i] as { key: string; value: string };
        if (o.op === 'dup') {
          pairs.splice(i + 1, 0, pair(p.key, o.value ?? p.value));
          how.push(`${p.key} twice`);
        } else if (o.op === 'arrayify') {
          if (keep.has(p.key + o.suffix)) continue;
          pairs[i] = pair(p.key + o.suffix, p.value);
          how.push(`${p.key}${o.suffix}`);
        } else if (o.op === 'replace') {
          pairs[i] = pair(p.key, o.value);
          how.push(`${p.key}=junk`);
        } else {
          pairs = pairs.filter((_, j) => j !== i);
          how.push(`-${p.key}`);
        }
      }
    }
    return { pairs, how };
  });
}

/** A raw body sent some way the form parser should refuse or ignore. */
export const oddBodies = (form: string): fc.Arbitrary<{ how: string; body: string; headers: Record<string, string> }> =>
  fc.oneof(
    fc
      .constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/xml', '', 'application/x-www-form-urlencoded; charset=latin1', 'application/x-www-form-urlencoded; charset=utf-16', 'application/x-www-form-urlencoded; charset=nonsense')
      .map((type) => ({ how: `content-type ${JSON.stringify(type)}`, body: form, headers: { 'content-type': type } })),
    fc.constantFrom('gzip', 'deflate', 'br', 'x-unknown', 'gzip, gzip').map((encoding) => ({
      how: `content-encoding ${encoding}`,
      body: form,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': encoding },
    })),
    fc.integer({ min: 64 * 1024 + 1, max: 150_000 }).map((n) => ({ how: `body of ${n} bytes`, body: `${form}&pad=${'x'.repeat(n)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })),
    fc.integer({ min: 2001, max: 3000 }).map((n) => ({ how: `${n} parameters`, body: `${form}&${Array.from({ length: n }, (_, i) => `p${i}=`).join('&')}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })),
    fc.constant({ how: 'JSON sent as a form', body: JSON.stringify({ _csrf: 'x', text: 'x' }), headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
  );

export interface Answer {
  status: number;
  location: string | null;
  contentType: string;
  text: string;
}

/** One request over HTTP, following no redirect; the body as text. */
export async function send(baseUrl: string, method: string, path: string, options: { body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const res = await fetch(baseUrl + path, {
    method,
    redirect: 'manual',
    headers: { ...(options.body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...options.headers },
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
  return { status: res.status, location: res.headers.get('location'), contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

/** What every answer to a malformed request must be: no 5xx, no stack trace or server path, and a status from `allowed`. */
export function expectCleanRefusal(answer: Answer, allowed: ReadonlySet<number>, label: string) {
  const said = `${label} → ${answer.status} ${answer.location ?? ''} ${answer.text.replace(/\s+/g, ' ').slice(0, 300)}`;
  expect(answer.status, said).toBeLessThan(500);
  expect(allowed.has(answer.status), said).toBe(true);
  expect(looksLikeStackTrace(answer.text), said).toBe(false);
}
