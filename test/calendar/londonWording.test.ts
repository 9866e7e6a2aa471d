import { describe, expect, it } from 'vitest';
import { londonDateTime, londonDay, londonWallClock } from '../../src/calendar/londonTime.js';

describe('dates and times in London, as the service words them', () => {
  it('words a calendar day', () => {
    expect(londonDay('2026-12-15')).toBe('Tuesday 15 December 2026');
  });

  it('words an instant in GMT and in BST, GOV.UK style', () => {
    expect(londonDateTime('2026-12-01T10:00:00Z')).toBe('Tuesday 1 December 2026 at 10am');
    expect(londonDateTime('2026-07-01T13:30:00Z')).toBe('Wednesday 1 July 2026 at 2:30pm');
    expect(londonDateTime('2026-07-01T11:00:00Z')).toBe('Wednesday 1 July 2026 at midday');
    expect(londonDateTime('2026-12-01T00:00:00Z')).toBe('Tuesday 1 December 2026 at midnight');
  });

  it("reads London's wall clock across the change to BST", () => {
    expect(londonWallClock(Date.parse('2026-03-29T00:59:59Z'))).toEqual({ year: 2026, month: 3, day: 29, hour: 0, minute: 59, second: 59 });
    expect(londonWallClock(Date.parse('2026-03-29T01:00:00Z'))).toEqual({ year: 2026, month: 3, day: 29, hour: 2, minute: 0, second: 0 });
  });
});
