import { describe, expect, it } from 'vitest';
import { redactedText, redactor, redactValue } from '../../src/subjectAccess/redaction.js';

/** The subject access export's redaction, on its own: every occurrence of another person's identifiers, in any case. */
describe('redaction of other people’s identifiers from free text', () => {
  const others = {
    names: ['Oscar Offender', 'PC Dana Jones'],
    wholeNames: ['Sam Supervisor'],
    emails: ['oscar@example.net', 'dana.jones@police.example'],
    phones: ['01234 567890'],
  };
  const redact = redactor(others, { names: ['Vera Jones-Victim'] });

  it('replaces a whole name, in any case and however it is spaced, with one “[redacted]”', () => {
    expect(redact('Met Oscar Offender at home; OSCAR  OFFENDER agreed.')).toBe(`Met ${redactedText} at home; ${redactedText} agreed.`);
    expect(redact('oscar offender called')).toBe(`${redactedText} called`);
  });

  it('replaces each word of a name where it stands as a word, but not inside another word', () => {
    expect(redact("Oscar's letter came; the offender wrote it.")).toBe(`${redactedText}'s letter came; the ${redactedText} wrote it.`);
    expect(redact('Oscarsson and Dana')).toBe(`Oscarsson and ${redactedText}`);
  });

  it('leaves titles, one-letter words and the words the subject’s own name shares', () => {
    // "Jones" is part of the subject's own name, so it stays on its own; "PC" is a title. The whole name still goes.
    expect(redact('PC Jones spoke to PC Dana Jones')).toBe(`PC Jones spoke to ${redactedText}`);
  });

  it('replaces a staff member’s whole name only, not the words it is made of', () => {
    expect(redact('Sam Supervisor approved; the supervisor rang Sam')).toBe(`${redactedText} approved; the supervisor rang Sam`);
  });

  it('replaces an email address anywhere, inside other text too, in any case', () => {
    expect(redact('Write to OSCAR@EXAMPLE.NET or <dana.jones@police.example>.')).toBe(`Write to ${redactedText} or <${redactedText}>.`);
  });

  it('replaces a phone number by its digits, however it is spaced or punctuated, and not inside a longer number', () => {
    expect(redact('Call 01234 567890, 01234567890, (01234) 567-890 or 01234 5678901')).toBe(
      `Call ${redactedText}, ${redactedText}, (${redactedText} or 01234 5678901`,
    );
  });

  it('treats an identifier as text, not a pattern, and leaves a text without identifiers as it was', () => {
    const r = redactor({ names: ['A.B. (Smith)'], emails: ['x+y@example.org'], phones: [] });
    expect(r('x+y@example.org wrote; xxy@example.org did not')).toBe(`${redactedText} wrote; xxy@example.org did not`);
    expect(r('Smith and A.B. Smith')).toBe(`${redactedText} and ${redactedText}`);
    expect(redactor({ names: [], emails: [], phones: [] })('Nothing to hide')).toBe('Nothing to hide');
    expect(redact('Nothing to hide here')).toBe('Nothing to hide here');
  });

  it('ignores empty and erased identifiers, and a phone too short to be one', () => {
    const r = redactor({ names: ['', '  ', '[erased]'], emails: [''], phones: ['123'] });
    expect(r('[erased] 123 stays')).toBe('[erased] 123 stays');
  });

  it('redacts every string in a value, a record’s keys included, and leaves other values', () => {
    expect(redactValue({ factors: { 'Oscar at home': 'Oscar Offender has a dog' }, level: 3, ok: true, list: ['oscar@example.net', null] }, redact)).toEqual({
      factors: { [`${redactedText} at home`]: `${redactedText} has a dog` },
      level: 3,
      ok: true,
      list: [redactedText, null],
    });
  });
});
