import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { tzlib_get_ical_block } from 'timezones-ical-library';
import { londonWallClock } from '../calendar/londonTime.js';

export interface ConferenceCalendar {
  /** The same for the invitation, every reschedule and the cancellation, so calendars update one event. */
  uid: string;
  /** Grows with each change; a calendar ignores an update whose sequence is not higher. */
  sequence: number;
  method: 'REQUEST' | 'CANCEL';
  /** ISO 8601 instant. */
  startsAt: string;
  venue: string;
  summary: string;
  organizer: { name: string; email: string };
  durationMinutes?: number;
}

const zone = 'Europe/London';

/**
 * London's clock time at an instant, held in a Date's local fields: with a TZID set,
 * ical-generator prints a native Date's local fields. Undefined when the server's own
 * time zone skips that hour (a daylight-saving gap), where no local Date can show it.
 */
function londonClockTime(ms: number): Date | undefined {
  const p = londonWallClock(ms);
  const local = new Date(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return local.getHours() === p.hour && local.getMinutes() === p.minute ? local : undefined;
}

/** The zone's VTIMEZONE block (the library answers an unknown zone with an error string). */
function vtimezone(tz: string): string | null {
  const block = tzlib_get_ical_block(tz);
  return Array.isArray(block) ? (block[0] ?? null) : null;
}

/**
 * The conference as an iCalendar (RFC 5545) file to attach to its emails. It
 * names no attendees: each party's copy must not reveal who else is coming.
 */
export function conferenceCalendar({
  uid,
  sequence,
  method,
  startsAt,
  venue,
  summary,
  organizer,
  durationMinutes = 120,
}: ConferenceCalendar): string {
  const startMs = Date.parse(startsAt);
  if (Number.isNaN(startMs)) throw new RangeError(`startsAt must be an ISO 8601 instant, got "${startsAt}"`);
  const endMs = startMs + durationMinutes * 60_000;
  const start = londonClockTime(startMs);
  const end = londonClockTime(endMs);
  const inLondonTime = start !== undefined && end !== undefined;

  const calendar = ical({
    prodId: { company: 'rj-casework', product: 'conference', language: 'EN' },
    method: ICalCalendarMethod[method],
    // The generator adds a VTIMEZONE for the event's TZID; the calendar itself names no default zone.
    timezone: { name: null, generator: vtimezone },
  });
  calendar.createEvent({
    id: uid,
    sequence,
    // Failing London time, UTC still names the right instant.
    ...(inLondonTime ? { start, end, timezone: zone } : { start: new Date(startMs), end: new Date(endMs) }),
    summary,
    location: venue,
    organizer,
    status: method === 'CANCEL' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
  });
  return calendar.toString();
}
