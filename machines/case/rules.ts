import type { CaseEvent } from './events.js';

export interface GuardArgs<C> {
  context: C;
  event: CaseEvent;
}

/**
 * A named guard and what it means to a practitioner. Every guard a chart uses
 * is one of these, so a refused event can say which rule held it back and what
 * would make it possible (test/machines/refusals.test.ts fails for a guard without one).
 */
export interface Rule<C> {
  check: (args: GuardArgs<C>) => boolean;
  /** One sentence, in a practitioner's words: what the rule asks and, where it helps, what is missing now. */
  explain: (args: GuardArgs<C>) => string;
  /**
   * `choice`: picks which way an event goes from what it says (the victim's answer,
   * the risk level); when it does not hold, that branch is simply not the one taken.
   * `field`: the event's own value is wrong for this case (a date in the past, an
   * item that does not exist); the refusal is a 422 on `field`, not a 409.
   * Otherwise (`rule`) it holds the event back until the case allows it: a 409.
   */
  kind?: 'choice' | 'field';
  /** For `field` rules: the event field to fix, as a dotted path. */
  field?: (args: GuardArgs<C>) => string;
}

/** What the refusal explainer needs of a rule; the check itself is the machine's own guard implementation. */
export type Explanation<C> = Omit<Rule<C>, 'check'>;

/** The guard implementations for `setup()`, taken from the rules so that guards and their explanations cannot part. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each chart's rules are typed by its own context
export function guardsOf<R extends Record<string, Rule<any>>>(rules: R): { [K in keyof R]: R[K]['check'] } {
  return Object.fromEntries(Object.entries(rules).map(([name, rule]) => [name, rule.check])) as { [K in keyof R]: R[K]['check'] };
}
