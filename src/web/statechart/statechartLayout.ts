import { createRequire } from 'node:module';
import type { ELK as Elk, ELKConstructorArguments, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { eventLabel, guardLabel } from '../../../machines/case/diagram.js';

// elkjs is CommonJS and exports its constructor as the module itself.
const ELK = createRequire(import.meta.url)('elkjs/lib/elk.bundled.js') as new (args?: ELKConstructorArguments) => Elk;

/** A laid-out state: its box in the picture's coordinates, and whether it holds other states. */
export interface StateBox {
  id: string;
  label: string;
  kind: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A laid-out transition: its route, and its label's box. */
export interface TransitionLine {
  id: string;
  source: string;
  target: string;
  event: string;
  /** The event, drawn on the arrow. */
  label: string;
  /** The rules that must hold, told in the arrow's title. */
  guard: string;
  points: { x: number; y: number }[];
  labelBox: { x: number; y: number; width: number; height: number };
}

export interface StatechartLayout {
  width: number;
  height: number;
  states: StateBox[];
  transitions: TransitionLine[];
}

// Text is measured roughly: the picture is drawn at a fixed font size, and labels may not overlap, only leave room.
const charWidth = 7;
const textHeight = 16;
const measure = (text: string) => ({ width: Math.ceil(text.length * charWidth) + 16, height: textHeight + 8 });

/** An arrow is labelled with its event alone, so the picture stays readable; its guard goes in its title. */
const eventName = (t: AnyTransitionDefinition) => eventLabel(t);

const descendants = (node: AnyStateNode): AnyStateNode[] => Object.values(node.states).flatMap((child) => [child, ...descendants(child)]);
const ancestors = (node: AnyStateNode): AnyStateNode[] => (node.parent ? [node.parent, ...ancestors(node.parent)] : []);

/** The innermost state holding both ends of a transition, where ELK wants the edge kept. */
function container(source: AnyStateNode, target: AnyStateNode): AnyStateNode {
  const targetSide = new Set([target, ...ancestors(target)]);
  return ancestors(source).find((a) => targetSide.has(a)) ?? source.machine.root;
}

const kindOf = (node: AnyStateNode): StateBox['kind'] =>
  node.type === 'history' ? 'history' : node.type === 'final' ? 'final' : node.type === 'parallel' ? 'parallel' : Object.keys(node.states).length ? 'compound' : 'atomic';

/**
 * Lays out a machine's definition as nested boxes and routed arrows, with the
 * Eclipse Layout Kernel (elkjs, its layered algorithm over the whole hierarchy).
 * Every state node and every transition of the definition is in the result; an
 * untargeted transition is a loop back to its own state.
 */
export async function layOutStatechart(machine: AnyStateMachine): Promise<StatechartLayout> {
  const nodes = descendants(machine.root);
  const edgesIn = new Map<AnyStateNode, ElkExtendedEdge[]>();
  const lines: Omit<TransitionLine, 'points' | 'labelBox'>[] = [];
  for (const source of nodes) {
    for (const t of [...source.transitions.values()].flat() as AnyTransitionDefinition[]) {
      for (const target of t.target?.length ? t.target : [source]) {
        const id = `t${lines.length}`;
        const label = eventName(t);
        lines.push({ id, source: source.id, target: target.id, event: String(t.eventType), label, guard: guardLabel(t.guard) });
        const home = container(source, target);
        edgesIn.set(home, [...(edgesIn.get(home) ?? []), { id, sources: [source.id], targets: [target.id], labels: [{ text: label, ...measure(label) }] }]);
      }
    }
  }

  const toElk = (node: AnyStateNode): ElkNode => {
    const children = Object.values(node.states).map(toElk);
    const label = node.type === 'history' ? 'H*' : node.key;
    return {
      id: node.id,
      labels: [{ text: label, ...measure(label) }],
      ...(children.length
        ? { children, edges: edgesIn.get(node) ?? [], layoutOptions: { 'elk.padding': '[top=32,left=12,bottom=12,right=12]', 'elk.nodeLabels.placement': 'INSIDE V_TOP H_LEFT' } }
        : { ...measure(label), edges: edgesIn.get(node) ?? [] }),
    };
  };

  const graph: ElkNode = {
    id: machine.root.id,
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.json.shapeCoords': 'ROOT',
      'elk.json.edgeCoords': 'ROOT',
      'elk.edgeLabels.placement': 'CENTER',
      'elk.spacing.nodeNode': '24',
      'elk.layered.spacing.nodeNodeBetweenLayers': '32',
      'elk.spacing.edgeLabel': '4',
      'elk.padding': '[top=12,left=12,bottom=12,right=12]',
      // The same picture every time for the same definition.
      'elk.randomSeed': '1',
    },
    children: Object.values(machine.root.states).map(toElk),
    edges: edgesIn.get(machine.root) ?? [],
  };
  const laid = await new ELK().layout(graph);

  const boxes = new Map<string, ElkNode>();
  const walk = (n: ElkNode) => {
    boxes.set(n.id, n);
    n.children?.forEach(walk);
  };
  laid.children?.forEach(walk);
  const routes = new Map<string, ElkExtendedEdge>();
  const collect = (n: ElkNode) => {
    for (const e of n.edges ?? []) routes.set(e.id, e);
    n.children?.forEach(collect);
  };
  collect(laid);

  const states = nodes.map((node): StateBox => {
    const box = boxes.get(node.id)!;
    return { id: node.id, label: node.type === 'history' ? 'H*' : node.key, kind: kindOf(node), x: box.x ?? 0, y: box.y ?? 0, width: box.width ?? 0, height: box.height ?? 0 };
  });
  const transitions = lines.map((line): TransitionLine => {
    const route = routes.get(line.id)!;
    const section = route.sections?.[0];
    const points = section ? [section.startPoint, ...(section.bendPoints ?? []), section.endPoint] : [];
    const l = route.labels?.[0];
    return { ...line, points, labelBox: { x: l?.x ?? 0, y: l?.y ?? 0, width: l?.width ?? 0, height: l?.height ?? 0 } };
  });
  return { width: laid.width ?? 0, height: laid.height ?? 0, states, transitions };
}
