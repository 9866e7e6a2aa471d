import { createActor, getStateNodes as activeNodes, type AnyStateNode, type AnyTransitionDefinition } from 'xstate';
import { getAdjacencyMap, getShortestPaths, getStateNodes, type TraversalOptions } from 'xstate/graph';
import { closureReasons, completedReasons } from '../../machines/case/closureReasons.js';
import { isSensitive, stages, type CaseInput, type Flags, type Stage } from '../../machines/case/context.js';
import { transitionLabel } from '../../machines/case/diagram.js';
import { effectTypes, type NotifyParams, type Recipient, type ScheduleParams, type StopContactParams } from '../../machines/case/effects.js';
import { eventPayloads, type CaseEvent, type EventType } from '../../machines/case/events.js';
import { caseStatus, type CaseSnapshot, type MachineVersion } from '../../machines/case/index.js';
import { eventSenders } from '../../machines/case/permissions.js';
import { fixturesFor } from './caseFixtures.js';

/**
 * Model-based exploration (not a test file itself): xstate/graph explores a
 * version of the chart from a new case, sending every sample event
 * (eventVariants × valid payloads, from the usual sender) that the state accepts.
 * Each shortest path to a graph node is replayed with the engine's pure
 * `transition()`, then every edge leaving that node, checking the invariants
 * after each step and recording which state nodes and which transitions of the
 * definition were really taken. The model tests, the refusal tests and the
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
 * riskAssessment; those stages are reached from fresh states anyway.
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

  const options: TraversalOptions<CaseSnapshot, CaseEvent, CaseInput | undefined> = {
    fromState: start(flags),
    events: sampleEvents,
    // Refused events are no-ops (tested separately): leaving them out keeps the graph small.
    filterEvents: (s, e) => s.can(e),
    serializeState: stateKey,
  };
  const adjacency = getAdjacencyMap(machine, options);
  const shortest = getShortestPaths(machine, options);
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

  for (const node of activeNodes(machine.root, options.fromState!.value)) result.reached.add(node);
  for (const path of shortest) {
    // alterPath()'s steps: each step's state is the graph's state after its event; the first is xstate.init.
    let snapshot = options.fromState!;
    for (const { event, state } of path.steps.slice(1)) {
      snapshot = tracked(snapshot, event);
      if (stateKey(snapshot) !== stateKey(state)) {
        result.violations.push(`replaying ${path.steps.map((s) => s.event.type).join(' → ')} left the graph at ${stateKey(snapshot)}`);
        break;
      }
    }
    result.paths++;
    result.nodes.push(snapshot);
    // Then every edge leaving this node, so self-loops and edges to already-seen nodes are taken too.
    for (const { event } of Object.values(adjacency[stateKey(snapshot) as keyof typeof adjacency]?.transitions ?? {})) {
      tracked(snapshot, event);
      result.paths++;
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
