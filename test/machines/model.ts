import { createActor, getStateNodes as activeNodes, type AnyStateNode, type AnyTransitionDefinition } from 'xstate';
import { getAdjacencyMap, getStateNodes, type TraversalOptions } from 'xstate/graph';
import { closureReasons, completedReasons } from '../../machines/case/closureReasons.js';
import { consentOf, hasWithdrawn } from '../../machines/case/consent.js';
import { isSensitive, stages, type CaseInput, type Flags, type Stage } from '../../machines/case/context.js';
import { transitionLabel } from '../../machines/case/diagram.js';
import { effectTypes, type NotifyParams, type Recipient, type ScheduleParams, type StopContactParams, type StopEmailParams } from '../../machines/case/effects.js';
import { eventPayloads, type CaseEvent, type EventType } from '../../machines/case/events.js';
import { caseStatus, type CaseSnapshot, type MachineVersion } from '../../machines/case/index.js';
import { eventSenders } from '../../machines/case/permissions.js';
import { fixturesFor } from './caseFixtures.js';

/**
 * Model-based exploration (not a test file itself): xstate/graph explores a
 * version of the chart from a new case, sending every sample event
 * (eventVariants × valid payloads, from the usual sender) that the state accepts.
 * Breadth first from the new case, every edge leaving each graph node is replayed
 * with the engine's pure `transition()` (so each node's snapshot is its parent's
 * on a shortest path, stepped once more), checking the invariants after each step,
 * that it lands where the graph says, and recording which state nodes and which
 * transitions of the definition were really taken. The model tests, the refusal tests and the
 * migration tests all start from the states it reaches.
 */

export const describeTransition = (t: AnyTransitionDefinition) =>
  `${t.source.id} --${transitionLabel(t)}--> ${t.target?.map((n) => n.id).join(', ') ?? '(stays)'}`;

/** What a version's definition contains. */
export function definitionOf(version: MachineVersion) {
  const { machine } = fixturesFor(version);
  const definedNodes = getStateNodes(machine.root);
  // The history pseudo-state is never part of a configuration: entering it re-enters
  // the substates recorded when `open` was left. So it is not "reached"; instead the
  // transitions that target it are required, and so is every substate they restore.
  const historyNodes = definedNodes.filter((n) => n.type === 'history');
  const configurableNodes = definedNodes.filter((n) => n.type !== 'history');
  const definedTransitions = [machine.root, ...definedNodes].flatMap((n) => [...n.transitions.values()].flat());
  return { historyNodes, configurableNodes, definedTransitions };
}

// ---- the abstract state the graph keys on -----------------------------------------------

/**
 * The state value plus the few context fields that guards read, coarsened so
 * the graph stays finite: whether exchanges happened (not how many), item
 * statuses (the sample outcomes have at most one item), what kind of closure is
 * waiting, whether a pause is recorded; never notes, supporters or dates
 * (nor v2's invitation flag, which only a staff-recorded answer reads: the model's victim answers for themselves).
 * Paused and closing states add the history that RESUME / RETURN_CASE will restore. Closed states differ only by
 * reason. Fields that only matter again after a later stage are dropped in
 * riskAssessment; those stages are reached from fresh states anyway. v3's
 * consent counts as its rules read it: a direct meeting withdrawn by each party,
 * and the victim's email while the victim may still be invited.
 */
export function stateKey(s: CaseSnapshot): string {
  const c = s.context;
  if (s.status === 'done') return JSON.stringify({ value: s.value, reason: c.closureReason, meetingHeld: c.meetingHeld });
  const waiting = s.matches('paused') || s.matches('closing');
  const assessing = s.matches({ open: 'riskAssessment' });
  return JSON.stringify({
    value: s.value,
    history: waiting ? Object.values(s.historyValue).flat().map((n) => n.id) : undefined,
    direct: c.risk?.directContactAllowed,
    process: assessing ? undefined : c.process,
    prepared: assessing ? undefined : c.prepared,
    exchanged: c.exchanges > 0,
    paused: c.pause !== null,
    items: assessing ? undefined : c.agreement.map((i) => i.status),
    // What RETURN_CASE's guard reads: who proposed the closure, and whether it is a withdrawal.
    closure: c.closure && [c.closure.requestedBy.kind, c.closure.reason.endsWith('_withdrew')],
    withdrawn: [c.victim.withdrawn, c.offender.withdrawn],
    noMeeting: [hasWithdrawn(c, 'victim', 'directMeeting'), hasWithdrawn(c, 'offender', 'directMeeting')],
    noEmail: c.stage === 'referral' || c.stage === 'consent' ? hasWithdrawn(c, 'victim', 'emailContact') : undefined,
  });
}

// ---- invariants checked after every step --------------------------------------------------

const allRecipients: Recipient[] = ['victim', 'offender', 'supporters', 'facilitators', 'supervisors'];
const parties: Recipient[] = ['victim', 'offender', 'supporters'];

/** The notices of the domain and who may receive each: nothing meant for staff goes to a party. */
const noticeRecipients: Record<string, Recipient[]> = {
  victim_invitation: ['victim'],
  invitation_reminder: ['victim'],
  thank_you: ['victim'],
  withdrawal_confirmation: ['victim', 'offender'],
  conference_invitation: [...parties, 'facilitators'],
  conference_rescheduled: [...parties, 'facilitators'],
  conference_cancelled: [...parties, 'facilitators'],
  agreement_item_completed: ['victim', 'facilitators'],
  agreement_item_missed: ['victim', 'facilitators'],
  feedback_request: parties,
  allocation: ['facilitators'],
  party_responded: ['facilitators'],
  approval_requested: ['supervisors'],
  approval_decision: ['facilitators'],
  item_overdue: ['facilitators'],
  reoffer_due: ['facilitators'],
};

/** Which stage may follow which: forwards, back to risk assessment on a revision, or a cancelled conference back to preparation. */
const stageMoves: Record<Stage, Stage[]> = {
  referral: ['consent', 'closed'],
  consent: ['riskAssessment', 'closed'],
  riskAssessment: ['preparation', 'closed'],
  preparation: ['conference', 'riskAssessment', 'closed'],
  conference: ['followUp', 'preparation', 'riskAssessment', 'closed'],
  followUp: ['riskAssessment', 'closed'],
  closed: [],
};

const timerEvents = new Set(Object.entries(eventSenders).filter(([, roles]) => (roles as readonly string[]).includes('system')).map(([type]) => type));

function invariantViolations(prev: CaseSnapshot, event: CaseEvent, next: CaseSnapshot, actions: { type: string; params?: unknown }[]) {
  const c = next.context;
  const problems: string[] = [];
  const fail = (message: string) => problems.push(message);

  const { stage, status } = caseStatus(next);
  if (!stages.includes(stage)) fail(`unknown stage ${stage}`);
  const from = prev.context.stage;
  if (stage !== from && !stageMoves[from].includes(stage)) fail(`stage moved ${from} → ${stage}`);
  if ((status === 'closed') !== (stage === 'closed')) fail(`status ${status} in stage ${stage}`);

  if (status === 'closed') {
    if (!c.closureReason || !closureReasons.includes(c.closureReason)) fail(`closed without a valid reason (${c.closureReason})`);
    if (c.closureReason && completedReasons.includes(c.closureReason) && !c.meetingHeld) fail(`${c.closureReason} but no meeting was held`);
  } else if (c.closureReason !== null) fail(`an active case has closureReason ${c.closureReason}`);
  if (next.matches('closing') !== (c.closure !== null) && status !== 'closed') fail(`closing is ${next.matches('closing')} but closure is ${JSON.stringify(c.closure)}`);
  if (next.matches('open') && c.pause !== null) fail('an open (unpaused) case still records a pause');
  if (next.matches('paused') && c.pause === null) fail('a paused case records no pause');
  for (const party of ['victim', 'offender'] as const) {
    if (c[party].withdrawn && next.matches('open')) fail(`the ${party} withdrew but the case is still open`);
  }
  const ids = c.agreement.map((i) => i.id);
  if (new Set(ids).size !== ids.length) fail(`agreement item ids repeat: ${ids.join(', ')}`);

  // Gates: nothing past risk assessment without the sign-off a high-risk or sensitive case needs, no meeting without direct contact allowed.
  const pastRisk = (['preparation', 'conference', 'followUp'] as const).some((s) => next.matches({ open: s }));
  if (pastRisk) {
    if (!c.risk) fail('past risk assessment without an assessment');
    else if ((c.risk.level === 'high' || isSensitive(c.flags)) && (!c.risk.approvedBy || c.risk.approvedBy === c.risk.assessedBy)) {
      fail(`a ${c.risk.level}-risk case (flags ${JSON.stringify(c.flags)}) went on without independent approval`);
    }
  }
  if (next.matches({ open: { conference: 'scheduled' } })) {
    if (!c.risk?.directContactAllowed || c.process !== 'conference') fail('a conference is scheduled without direct contact allowed');
    if (!c.prepared.victim || !c.prepared.offender) fail('a conference is scheduled before both parties were prepared');
  }
  if (next.matches({ open: { conference: 'indirect' } }) && (!c.prepared.victim || !c.prepared.offender || c.process === 'conference' || !c.process)) {
    fail('an indirect exchange started without an indirect process or before both parties were prepared');
  }
  if (next.matches({ open: 'followUp' }) && !c.meetingHeld) fail('follow-up without a meeting or exchange');
  // v3's consent: no conference arranged against a withdrawn direct meeting, no invitation emailed against a withdrawn email.
  const noMeeting = hasWithdrawn(prev.context, 'victim', 'directMeeting') || hasWithdrawn(prev.context, 'offender', 'directMeeting');
  const arranges = event.type === 'SCHEDULE_CONFERENCE' || event.type === 'RESCHEDULE_CONFERENCE' || (event.type === 'CHOOSE_PROCESS' && event.process === 'conference');
  if (noMeeting && arranges && next !== prev) fail(`${event.type} accepted though a direct meeting was withdrawn`);
  if (hasWithdrawn(prev.context, 'victim', 'emailContact') && event.type === 'INVITE_VICTIM' && next !== prev) fail('the victim was invited by email though they withdrew email contact');
  for (const party of ['victim', 'offender'] as const) {
    if (c[party].withdrawn !== (consentOf(c)[party].participation === 'withdrawn') && 'consent' in c) fail(`the ${party}'s withdrawal and their consent to take part disagree`);
  }

  for (const action of actions) {
    if (!(effectTypes as readonly string[]).includes(action.type)) {
      fail(`action ${action.type} is not an effect the engine can commit`);
      continue;
    }
    if (action.type === 'notify') {
      const { template, to, data } = action.params as NotifyParams;
      const allowed = noticeRecipients[template];
      if (!allowed) fail(`unknown notice template ${template}`);
      for (const r of to) {
        if (!allRecipients.includes(r)) fail(`unknown recipient ${r} of ${template}`);
        else if (allowed && !allowed.includes(r)) fail(`${template} sent to ${r}`);
      }
      // Partitioning: notices carry no contact details.
      const keys = Object.keys(data ?? {}).filter((k) => /email|phone|address|name/i.test(k));
      if (keys.length) fail(`${template} carries ${keys.join(', ')}`);
    }
    if (action.type === 'schedule') {
      for (const timer of (action.params as ScheduleParams).timers) {
        if (!timer.key || (timer.at === undefined) === (timer.delay === undefined)) fail(`timer ${JSON.stringify(timer)} needs a key and one of at / delay`);
        const { type, ...payload } = timer.event;
        if (!timerEvents.has(type)) fail(`timer ${timer.key} sends ${type}, which the system may not send`);
        else if (!eventPayloads[type as EventType].safeParse(payload).success) fail(`timer ${timer.key} sends an invalid ${type}`);
      }
    }
    if (action.type === 'stopContact') {
      const { party } = action.params as StopContactParams;
      if (!c[party].withdrawn || prev.context[party].withdrawn) fail(`stopContact(${party}) without a new withdrawal`);
    }
    if (action.type === 'stopEmail') {
      const { party } = action.params as StopEmailParams;
      if (!hasWithdrawn(c, party, 'emailContact') || hasWithdrawn(prev.context, party, 'emailContact')) fail(`stopEmail(${party}) without email contact newly withdrawn`);
    }
  }
  return problems.map((p) => `${p} — after ${event.type} from ${JSON.stringify(prev.value)}`);
}

// ---- exploration -------------------------------------------------------------------------

export interface Exploration {
  version: MachineVersion;
  flags: Flags;
  /** One replayed snapshot per graph node. */
  nodes: CaseSnapshot[];
  paths: number;
  steps: number;
  reached: Set<AnyStateNode>;
  taken: Set<AnyTransitionDefinition>;
  /** `history transition → substate it restored`, e.g. "RESUME → case.open.followUp". */
  restored: Set<string>;
  violations: string[];
}

export function explore(version: MachineVersion, flags: Flags): Exploration {
  const { machine, start, step, sampleEvents } = fixturesFor(version);

  /** The definition's transitions a step takes, as xstate's inspection reports them (including the consent region's onDone). */
  const transitionsTaken = (snapshot: CaseSnapshot, event: CaseEvent): AnyTransitionDefinition[] => {
    const taken: AnyTransitionDefinition[] = [];
    const actor = createActor(machine, {
      snapshot,
      input: { flags: snapshot.context.flags },
      inspect: (e) => {
        if (e.type === '@xstate.microstep') taken.push(...e._transitions);
      },
    });
    actor.start();
    actor.send(event);
    actor.stop();
    return taken;
  };

  // The event types some active state node has a transition for, per state value: only these can be accepted.
  const handledIn = new Map<string, Set<string>>();
  const handles = (s: CaseSnapshot, type: string) => {
    const key = JSON.stringify(s.value);
    let handled = handledIn.get(key);
    if (!handled) handledIn.set(key, (handled = new Set(activeNodes(machine.root, s.value).flatMap((n) => n.ownEvents))));
    return handled.has(type);
  };
  const options: TraversalOptions<CaseSnapshot, CaseEvent, CaseInput | undefined> = {
    fromState: start(flags),
    events: sampleEvents,
    // Refused events are no-ops (tested separately): leaving them out keeps the graph small.
    filterEvents: (s, e) => handles(s, e.type) && s.can(e),
    serializeState: stateKey,
  };
  const adjacency = getAdjacencyMap(machine, options);
  const result: Exploration = { version, flags, nodes: [], paths: 0, steps: 0, reached: new Set(), taken: new Set(), restored: new Set(), violations: [] };

  const tracked = (prev: CaseSnapshot, event: CaseEvent): CaseSnapshot => {
    const [next, actions] = step(prev, event);
    result.steps++;
    result.violations.push(...invariantViolations(prev, event, next, actions));
    const active = activeNodes(machine.root, next.value);
    for (const node of active) result.reached.add(node);
    for (const t of transitionsTaken(prev, event)) {
      result.taken.add(t);
      for (const h of t.target?.filter((n) => n.type === 'history') ?? []) {
        for (const restored of Object.values(h.parent!.states).filter((s) => active.includes(s))) {
          result.restored.add(`${t.eventType} → ${restored.id}`);
        }
      }
    }
    return next;
  };

  // Shortest paths by breadth-first search over the one adjacency map: each node is reached from
  // its parent in the tree, so its snapshot is its parent's replayed one stepped by one more event.
  const fromKey = stateKey(options.fromState!);
  const replayed = new Map<string, CaseSnapshot>([[fromKey, options.fromState!]]);
  const queue = [fromKey];
  for (const node of activeNodes(machine.root, options.fromState!.value)) result.reached.add(node);
  for (let i = 0; i < queue.length; i++) {
    const key = queue[i]!;
    const snapshot = replayed.get(key)!;
    result.nodes.push(snapshot);
    // Every edge leaving this node, so self-loops and edges to already-seen nodes are taken too.
    for (const { event, state } of Object.values(adjacency[key as keyof typeof adjacency]?.transitions ?? {})) {
      const next = tracked(snapshot, event);
      result.paths++;
      const nextKey = stateKey(state);
      if (stateKey(next) !== nextKey) result.violations.push(`replaying ${event.type} from ${key} left the graph at ${stateKey(next)}`);
      else if (!replayed.has(nextKey)) {
        replayed.set(nextKey, next);
        queue.push(nextKey);
      }
    }
  }
  return result;
}

/** A plain case, and one with a sensitive flag (the supervisor gate applies even at low risk). */
export const modelFlags: Flags[] = [{}, { domesticAbuse: true }];

const cache = new Map<MachineVersion, Exploration[]>();
export function explorationsOf(version: MachineVersion): Exploration[] {
  let found = cache.get(version);
  if (!found) cache.set(version, (found = modelFlags.map((flags) => explore(version, flags))));
  return found;
}

/** One replayed snapshot per distinct configuration (and history, for paused / closing) in each graph. */
export function sampledStates(explorations: Exploration[]): CaseSnapshot[] {
  return explorations.flatMap((e) => {
    const byValue = new Map<string, CaseSnapshot>();
    for (const s of e.nodes) {
      const id = JSON.stringify([e.flags, s.value, s.matches('paused') || s.matches('closing') ? Object.values(s.historyValue).flat().map((n) => n.id) : null]);
      if (!byValue.has(id)) byValue.set(id, s);
    }
    return [...byValue.values()];
  });
}
