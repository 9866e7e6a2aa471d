import { erasedText } from '../../machines/case/personalContent.js';

/**
 * Redaction for a subject access export: every occurrence, in any case, of the
 * identifiers of people other than the subject (the other party, their
 * supporters, the referrer, staff) replaced by "[redacted]" in free text. Pure:
 * no store, no clock.
 *
 * - A name is redacted whole (its words may be spaced differently in the text),
 *   and each word of it on its own, where it stands as a word ("Oscar said…"), so
 *   a first name or surname alone does not slip through. Words of one letter and
 *   titles ("Mr", "PC") are too common to redact alone, and so are the words the
 *   subject's own name shares (a family's surname is the subject's too).
 * - Staff names (`wholeNames`) are redacted whole only: "Sam" is redacted as a party's name, not as a member of staff's.
 * - An email address is redacted wherever it occurs, inside other text too.
 * - A phone number is redacted by its digits, however they are spaced or
 *   punctuated ("01234 567890", "01234-567-890", "(01234) 567890").
 */

export const redactedText = '[redacted]';

export interface Identifiers {
  /** Redacted whole and word by word. */
  names: readonly string[];
  /** Redacted whole only: names whose words alone would be too common to redact (staff named "Sam Supervisor"). */
  wholeNames?: readonly string[];
  emails: readonly string[];
  phones: readonly string[];
}

/** Too common to redact as a word on their own: titles and ranks that precede names. */
const titles = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'rev', 'sir', 'dame', 'pc', 'dc', 'ds', 'di', 'dci', 'sgt', 'insp', 'officer']);

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Not inside a longer word: no letter or digit either side. */
const asWord = (pattern: string) => `(?<![\\p{L}\\p{N}])${pattern}(?![\\p{L}\\p{N}])`;
const wordsOf = (name: string) => name.split(/[\s,.'’()-]+/u).filter(Boolean);
const clean = (values: readonly string[]) => [...new Set(values.map((v) => v.trim()).filter((v) => v.length > 0 && v !== erasedText && v !== redactedText))];

/** A function that redacts these identifiers from a text. `keep` names the subject: words of their own name are not redacted alone. */
export function redactor(identifiers: Identifiers, keep: { names: readonly string[] } = { names: [] }): (text: string) => string {
  const own = new Set(keep.names.flatMap(wordsOf).map((w) => w.toLowerCase()));
  const patterns: { source: string; length: number }[] = [];
  for (const name of clean(identifiers.names)) {
    const words = wordsOf(name);
    if (words.length > 1) patterns.push({ source: words.map(escape).join('[\\s,.\'’-]+'), length: name.length });
    for (const word of words) {
      const lower = word.toLowerCase();
      if (own.has(lower)) continue;
      // A name of one word is redacted whatever it is; a word of a longer name, unless it is too common alone.
      if (words.length > 1 && (word.length < 2 || titles.has(lower))) continue;
      patterns.push({ source: asWord(escape(word)), length: word.length });
    }
  }
  for (const name of clean(identifiers.wholeNames ?? [])) {
    const words = wordsOf(name);
    patterns.push({ source: words.length > 1 ? words.map(escape).join('[\\s,.\'’-]+') : asWord(escape(name)), length: name.length });
  }
  for (const email of clean(identifiers.emails)) patterns.push({ source: escape(email), length: email.length });
  for (const phone of clean(identifiers.phones)) {
    const digits = phone.replace(/\D/g, '');
    // Fewer than six digits is not a phone number to look for in prose.
    if (digits.length >= 6) patterns.push({ source: asWord([...digits].join('[\\s().+-]*')), length: phone.length });
  }
  if (patterns.length === 0) return (text) => text;
  // Longest first, so a whole name or address is one "[redacted]", not a run of them.
  const unique = [...new Map(patterns.map((p) => [p.source.toLowerCase(), p])).values()].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(unique.map((p) => `(?:${p.source})`).join('|'), 'giu');
  return (text) => text.replace(pattern, redactedText);
}

/** Every string in a value (an entry's data: texts, lists, records of texts, and their keys) redacted; other values as they are. */
export function redactValue(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, redact));
  // A record's keys may be free text too (a risk factor's name).
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k), redactValue(v, redact)]));
  return value;
}
