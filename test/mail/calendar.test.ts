import ICAL from 'ical.js';
import { afterEach, describe, expect, it } from 'vitest';
import { conferenceCalendar, type ConferenceCalendar } from '../../src/mail/calendar.js';

const invitation: ConferenceCalendar = {
  uid: 'conference-5f0c@rj.example',
  sequence: 4,
  method: 'REQUEST',
  startsAt: '2026-12-01T10:00:00Z',
  venue: 'Northshire Community Centre, Room 2',
  summary: 'Restorative justice meeting',
  organizer: { name: 'Northshire Restorative Justice Service', email: 'rj@northshire.example' },
};

function parse(ics: string) {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  const vevent = calendar.getFirstSubcomponent('vevent')!;
  const vtimezone = calendar.getFirstSubcomponent('vtimezone');
  const dtstart = vevent.getFirstProperty('dtstart')!;
  // Read the local time against the file's own VTIMEZONE, so a wrong one shows up as a wrong instant.
  const zone = vtimezone ? new ICAL.Timezone(vtimezone) : undefined;
  const event = new ICAL.Event(vevent);
  const tzid = dtstart.getParameter('tzid');
  const instant = (t: ICAL.Time) => {
    const time = t.clone();
    if (zone && tzid === 'Europe/London') time.zone = zone;
    return time.toJSDate().toISOString();
  };
  return {
    method: calendar.getFirstPropertyValue('method'),
    uid: event.uid,
    sequence: event.sequence,
    status: vevent.getFirstPropertyValue('status'),
    location: event.location,
    summary: event.summary,
    organizer: event.organizer,
    organizerName: vevent.getFirstProperty('organizer')!.getParameter('cn'),
    attendees: event.attendees,
    tzid,
    timezoneId: vtimezone?.getFirstPropertyValue('tzid'),
    localStart: { hour: event.startDate.hour, minute: event.startDate.minute },
    start: instant(event.startDate),
    end: instant(event.endDate),
  };
}

describe('conferenceCalendar', () => {
  const serverZone = process.env.TZ;
  afterEach(() => {
    if (serverZone === undefined) delete process.env.TZ;
    else process.env.TZ = serverZone;
  });

  it('invites with METHOD:REQUEST, the given UID and SEQUENCE, and the venue and organizer', () => {
    expect(parse(conferenceCalendar(invitation))).toMatchObject({
      method: 'REQUEST',
      uid: invitation.uid,
      sequence: 4,
      status: 'CONFIRMED',
      location: invitation.venue,
      summary: invitation.summary,
      organizer: 'mailto:rj@northshire.example',
      organizerName: invitation.organizer.name,
    });
  });

  it('names no attendees, so one party’s file does not reveal who else is coming', () => {
    const ics = conferenceCalendar(invitation);
    expect(parse(ics).attendees).toEqual([]);
    expect(ics).not.toMatch(/ATTENDEE/);
  });

  it('gives the start in London time with a Europe/London VTIMEZONE, in winter and in summer', () => {
    const winter = parse(conferenceCalendar(invitation));
    expect(winter).toMatchObject({ tzid: 'Europe/London', timezoneId: 'Europe/London', localStart: { hour: 10, minute: 0 } });
    expect(winter.start).toBe('2026-12-01T10:00:00.000Z');

    const summer = parse(conferenceCalendar({ ...invitation, startsAt: '2026-07-01T09:00:00Z' }));
    expect(summer).toMatchObject({ tzid: 'Europe/London', localStart: { hour: 10, minute: 0 } });
    expect(summer.start).toBe('2026-07-01T09:00:00.000Z');
  });

  it('lasts two hours unless told otherwise', () => {
    expect(parse(conferenceCalendar(invitation)).end).toBe('2026-12-01T12:00:00.000Z');
    expect(parse(conferenceCalendar({ ...invitation, durationMinutes: 90 })).end).toBe('2026-12-01T11:30:00.000Z');
  });

  it('reschedules the same event with a higher SEQUENCE, and cancels it with METHOD:CANCEL and STATUS:CANCELLED', () => {
    const first = parse(conferenceCalendar(invitation));
    const moved = parse(conferenceCalendar({ ...invitation, sequence: 7, startsAt: '2026-12-03T14:30:00Z' }));
    const cancelled = parse(conferenceCalendar({ ...invitation, sequence: 9, startsAt: '2026-12-03T14:30:00Z', method: 'CANCEL' }));

    expect(moved.uid).toBe(first.uid);
    expect(moved.sequence).toBeGreaterThan(first.sequence);
    expect(moved).toMatchObject({ method: 'REQUEST', status: 'CONFIRMED', start: '2026-12-03T14:30:00.000Z' });

    expect(cancelled.uid).toBe(first.uid);
    expect(cancelled.sequence).toBeGreaterThan(moved.sequence);
    expect(cancelled).toMatchObject({ method: 'CANCEL', status: 'CANCELLED' });
  });

  it('writes the same London time whatever time zone the server runs in', () => {
    for (const zone of ['UTC', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney']) {
      process.env.TZ = zone;
      const summer = parse(conferenceCalendar({ ...invitation, startsAt: '2026-07-01T09:00:00Z' }));
      expect(summer, zone).toMatchObject({ tzid: 'Europe/London', localStart: { hour: 10, minute: 0 }, start: '2026-07-01T09:00:00.000Z' });
      const winter = parse(conferenceCalendar(invitation));
      expect(winter, zone).toMatchObject({ tzid: 'Europe/London', localStart: { hour: 10, minute: 0 }, start: '2026-12-01T10:00:00.000Z' });
    }
  });

  it('falls back to UTC for a London time the server’s own clocks skip', () => {
    // New York's clocks jump from 02:00 to 03:00 on 14 March 2027, when London (on GMT) shows 02:30.
    process.env.TZ = 'America/New_York';
    const parsed = parse(conferenceCalendar({ ...invitation, startsAt: '2027-03-14T02:30:00Z' }));
    expect(parsed.tzid).toBeUndefined();
    expect(parsed.start).toBe('2027-03-14T02:30:00.000Z');
    expect(parsed.end).toBe('2027-03-14T04:30:00.000Z');
  });

  it('refuses a start that is not an instant', () => {
    expect(() => conferenceCalendar({ ...invitation, startsAt: 'next Tuesday' })).toThrow(RangeError);
  });
});
