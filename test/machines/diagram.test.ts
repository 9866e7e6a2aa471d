import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getStateNodes } from 'xstate/graph';
import { diagramInReadme, readmePath, toMermaid } from '../../machines/case/diagram.js';
import { caseMachines, currentMachineVersion } from '../../machines/case/index.js';

const current = caseMachines[currentMachineVersion];

describe('machines/README.md diagram', () => {
  it('is the diagram generated from the current machine', () => {
    const inReadme = diagramInReadme(readFileSync(readmePath, 'utf8'));
    expect(inReadme, 'machines/README.md has no ```mermaid block between the diagram markers').toBeDefined();
    expect(inReadme, 'the diagram is out of date: run `npx tsx machines/case/diagram.ts` to regenerate it').toBe(
      toMermaid(current),
    );
  });

  it('draws the regions, the history and one edge per transition', () => {
    const diagram = toMermaid(current);
    // Spot checks against the definition's shape: the parallel divider, the deep history, a guarded edge and the end.
    expect(diagram).toMatch(/^stateDiagram-v2\n {2}\[\*\] --> referral\n/);
    expect(diagram).toContain('\n      --\n      state offender {');
    expect(diagram).toContain('state "H* history" as hist');
    expect(diagram).toContain('paused --> hist : RESUME');
    expect(diagram).toContain('awaitingApproval --> closed : REJECT_RISK [approverIsNotAssessor and rejectionCloses]');
    expect(diagram).toContain('closed --> [*]');
    // One labelled edge per transition target (a targetless transition is one self-loop).
    const edges = getStateNodes(current.root)
      .flatMap((node) => [...node.transitions.values()].flat())
      .reduce((n, t) => n + Math.max(t.target?.length ?? 0, 1), 0);
    expect(diagram.split('\n').filter((line) => / --> .* : /.test(line))).toHaveLength(edges);
  });
});
