import type { EventType } from './events.js';

/**
 * Effects are data. The machine names them as actions with params; the engine
 * commits them (notices to the outbox, timers to the timers table) in the same
 * transaction as the state change, and only then does anything leave the process.
 */
export type Recipient = 'victim' | 'offender' | 'supporters' | 'facilitators' | 'supervisors';

export interface NotifyParams {
  template: string;
  to: Recipient[];
  /** Extra, non-identifying details for the template (dates, item ids). */
  data?: Record<string, unknown>;
}

/** Named delays are ISO 8601 durations from configuration; `at` is an explicit date. */
export type NamedDelay = 'invitationReminder' | 'invitationExpiry' | 'reofferDefault';

export interface TimerSpec {
  key: string;
  event: { type: EventType } & Record<string, unknown>;
  at?: string;
  delay?: NamedDelay;
  /** A paused case's clocks wait for RESUME; only a timer that ends the pause runs during it. */
  whilePaused?: boolean;
}

export interface ScheduleParams {
  timers: TimerSpec[];
}

export interface CancelTimersParams {
  /** Timer keys to cancel; `*` cancels every pending timer of the case. */
  keys: string[];
}

export interface StopContactParams {
  party: 'victim' | 'offender';
}

/** No more email to the party: their queued notices are cancelled and the links already sent to them stop working. */
export interface StopEmailParams {
  party: 'victim' | 'offender';
}

/** A party's contact details as corrected: they replace the referral's, with an omitted email or phone meaning none. */
export interface CorrectPartyParams {
  party: 'victim' | 'offender';
  name: string;
  email?: string;
  phone?: string;
}

export interface ResolveTasksParams {
  /** Task ids to mark dealt with; `*` resolves every open task of the case. */
  taskIds: string[];
  note: string;
}

export const effectTypes = ['notify', 'schedule', 'cancelTimers', 'stopContact', 'resolveTasks', 'stopEmail', 'correctParty'] as const;
export type EffectType = (typeof effectTypes)[number];
