/** Instants in refusal sentences, as people in the service read them: UK time, not ISO. */
const ukTimeFormat = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', dateStyle: 'long', timeStyle: 'short' });

/** `2026-12-15T10:00:00Z` → "15 December 2026 at 10:00 (UK time)". */
export const ukTime = (instant: string) => `${ukTimeFormat.format(new Date(instant))} (UK time)`;

/** "a", "a and b", "a, b and c". */
export const inWords = (list: string[]) => (list.length <= 1 ? list.join('') : `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`);
