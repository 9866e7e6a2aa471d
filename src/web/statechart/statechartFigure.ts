import Handlebars from 'handlebars';
import { getStateNodes, type AnyStateMachine, type StateValue } from 'xstate';
import { eventLabels } from '../../../machines/case/eventLabels.js';
import type { EventType } from '../../../machines/case/events.js';
import { machineFor } from '../../../machines/case/index.js';
import { stateLabel } from '../../../machines/case/stateLabels.js';
import { layOutStatechart, type StatechartLayout } from './statechartLayout.js';
import { statechartSvg } from './statechartSvg.js';

// Laying out a chart takes a moment, so each version's layout is made once, when first shown.
const layouts = new Map<number, Promise<StatechartLayout>>();
const layoutOf = (version: number) => {
  let found = layouts.get(version);
  if (!found) layouts.set(version, (found = layOutStatechart(machineFor(version) as unknown as AnyStateMachine)));
  return found;
};

/**
 * A case's statechart, drawn from the definition of the machine version it runs
 * on, with the states it is in marked, and its text alternative: the states the
 * case is in and what can happen from there.
 */
export async function statechartFigure(version: number, value: StateValue) {
  const machine = machineFor(version) as unknown as AnyStateMachine;
  const active = getStateNodes(machine.root, value);
  const layout = await layoutOf(version);
  const leaves = active.filter((n) => n.type === 'atomic' || n.type === 'final');
  // What the chart has a transition for from here, whoever may send it and whatever its rules say now.
  const possible = [...new Set(active.flatMap((n) => [...n.transitions.keys()]))].filter((t): t is EventType => t in eventLabels);
  return {
    version,
    svg: new Handlebars.SafeString(statechartSvg(layout, new Set(active.map((n) => n.id)), `The case's statechart (version ${version}), with the states the case is in now marked`)),
    currentStates: leaves.map((n) => ({ id: n.id, text: `${n.path.join(' › ')} (${stateLabel(n.path).now})` })),
    possible: possible.map((type) => ({ type, text: `${eventLabels[type]} (${type})` })),
    states: layout.states.filter((s) => s.kind !== 'history').map((s) => s.id.replace(/^case\./, '').replaceAll('.', ' › ')),
  };
}
