import { parse, toSeconds } from 'iso8601-duration';

/** ISO 8601 durations for the named delays the chart uses (INVITATION_REMINDER_AFTER etc.). */
export interface Delays {
  invitationReminder: string;
  invitationExpiry: string;
  reofferDefault: string;
}

export const defaultDelays: Delays = { invitationReminder: 'P7D', invitationExpiry: 'P21D', reofferDefault: 'P90D' };

export function addDuration(fromIso: string, duration: string): string {
  const from = new Date(fromIso);
  return new Date(from.getTime() + toSeconds(parse(duration), from) * 1000).toISOString();
}

/** A date without a time means the start of that day (UTC), so a due date fires once it has begun. */
export function toInstant(dateOrDateTime: string): string {
  return new Date(/^\d{4}-\d{2}-\d{2}$/.test(dateOrDateTime) ? `${dateOrDateTime}T00:00:00Z` : dateOrDateTime).toISOString();
}

export function isValidDuration(value: string): boolean {
  try {
    return toSeconds(parse(value)) > 0;
  } catch {
    return false;
  }
}
