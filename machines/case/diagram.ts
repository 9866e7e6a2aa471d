import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';

/**
 * Mermaid `stateDiagram-v2` text generated from a machine's definition, so the
 * picture in machines/README.md cannot drift from the chart
 * (test/machines/diagram.test.ts compares the two).
 */

type GuardLike = string | { type: string } | ((...args: never[]) => unknown) | undefined;

/** A guard as people read it: its name, or `a and b` for xstate's and()/or()/not() combinators. */
export function guardLabel(guard: unknown): string {
  const g = guard as GuardLike;
  if (g === undefined) return '';
  if (typeof g === 'string') return g;
  if (typeof g === 'function') {
    const parts = ((g as { guards?: unknown[] }).guards ?? []).map(guardLabel);
    if (g.name === 'not') return `not ${parts.join(' ')}`;
    return parts.length ? parts.join(` ${g.name} `) : g.name || 'inline';
  }
  return g.type;
}

/** The event a transition listens for; done events read as onDone. */
export function eventLabel(t: AnyTransitionDefinition): string {
  const type = String(t.eventType);
  return type.startsWith('xstate.done.state.') ? 'onDone' : type;
}

export function transitionLabel(t: AnyTransitionDefinition): string {
  const guard = guardLabel(t.guard);
  return guard ? `${eventLabel(t)} [${guard}]` : eventLabel(t);
}

function allNodes(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states).flatMap((child) => [child, ...allNodes(child)]);
}

/** Mermaid ids are global: a state's key, prefixed by its parents' keys only where the key repeats (victim_consented). */
function mermaidIds(machine: AnyStateMachine): Map<AnyStateNode, string> {
  const nodes = allNodes(machine.root);
  const ids = new Map<AnyStateNode, string>();
  for (const node of nodes) {
    for (let n = 1; n <= node.path.length; n++) {
      const id = node.path.slice(-n).join('_');
      if (nodes.filter((other) => other.path.slice(-n).join('_') === id).length === 1) {
        ids.set(node, id);
        break;
      }
    }
  }
  return ids;
}

const ancestors = (node: AnyStateNode): AnyStateNode[] => (node.parent ? [node.parent, ...ancestors(node.parent)] : []);

/** Where an edge is written: the innermost state enclosing both ends, so it is drawn inside that box. */
function enclosingState(source: AnyStateNode, target: AnyStateNode): AnyStateNode {
  const targetAncestors = new Set(ancestors(target));
  return ancestors(source).find((a) => targetAncestors.has(a)) ?? source.machine.root;
}

export function toMermaid(machine: AnyStateMachine): string {
  const ids = mermaidIds(machine);
  const edgesIn = new Map<AnyStateNode, string[]>();
  for (const source of allNodes(machine.root)) {
    for (const t of [...source.transitions.values()].flat()) {
      // A transition without a target stays in its state (and runs its actions): drawn as a self-loop.
      for (const target of t.target?.length ? t.target : [source]) {
        const home = enclosingState(source, target);
        const line = `${ids.get(source)} --> ${ids.get(target)} : ${transitionLabel(t)}`;
        edgesIn.set(home, [...(edgesIn.get(home) ?? []), line]);
      }
    }
  }

  const body = (node: AnyStateNode, indent: string): string[] => {
    const children = Object.values(node.states);
    const lines: string[] = [];
    if (node.type === 'parallel') {
      // Orthogonal regions, each its own box, separated by Mermaid's concurrency divider.
      children.forEach((region, i) => {
        if (i > 0) lines.push(`${indent}--`);
        lines.push(...declare(region, indent));
      });
    } else {
      for (const target of node.initial?.target ?? []) lines.push(`${indent}[*] --> ${ids.get(target)}`);
      for (const child of children) lines.push(...declare(child, indent));
    }
    lines.push(...(edgesIn.get(node) ?? []).map((line) => indent + line));
    for (const child of children) if (child.type === 'final') lines.push(`${indent}${ids.get(child)} --> [*]`);
    return lines;
  };

  const declare = (node: AnyStateNode, indent: string): string[] => {
    const id = ids.get(node)!;
    if (node.type === 'history') {
      // Mermaid has no history pseudo-state: a named state marked H (shallow) or H* (deep), as UML draws it.
      return [`${indent}state "${node.history === 'deep' ? 'H*' : 'H'} history" as ${id}`];
    }
    if (Object.keys(node.states).length) return [`${indent}state ${id} {`, ...body(node, indent + '  '), `${indent}}`];
    return id === node.key ? [] : [`${indent}state "${node.key}" as ${id}`];
  };

  return ['stateDiagram-v2', ...body(machine.root, '  ')].join('\n') + '\n';
}

export const diagramStart = '<!-- diagram:start -->';
export const diagramEnd = '<!-- diagram:end -->';
export const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));

/** The Mermaid text between the README's markers (inside its ```mermaid fence), or undefined if the markers are missing. */
export function diagramInReadme(readme: string): string | undefined {
  const match = readme.match(new RegExp(`${diagramStart}\\n\`\`\`mermaid\\n([\\s\\S]*?)\`\`\`\\n${diagramEnd}`));
  return match?.[1];
}

export function withDiagram(readme: string, diagram: string): string {
  const start = readme.indexOf(diagramStart);
  const end = readme.indexOf(diagramEnd);
  if (start < 0 || end < start) throw new Error(`machines/README.md needs the markers ${diagramStart} and ${diagramEnd}`);
  return `${readme.slice(0, start)}${diagramStart}\n\`\`\`mermaid\n${diagram}\`\`\`\n${readme.slice(end)}`;
}

// `npx tsx machines/case/diagram.ts` (npm run diagram) rewrites the diagram in machines/README.md.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { caseMachines, currentMachineVersion } = await import('./index.js');
  const readme = readFileSync(readmePath, 'utf8');
  writeFileSync(readmePath, withDiagram(readme, toMermaid(caseMachines[currentMachineVersion])));
  console.log(`machines/README.md: diagram of case machine v${currentMachineVersion} written`);
}
