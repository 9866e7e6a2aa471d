import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { caseMachines, currentMachineVersion } from '../../machines/case/index.js';

/**
 * A canary for released charts, like a schema-hash test: stored cases keep the
 * version they were created with, so a released version must never change.
 * Recorded once per version when it is released; never updated for an old one.
 */
const releasedHashes: Record<number, string> = {
  1: '63cd1ce788a7c06b944b20cbd24170eb31c33ed72e214441ef7b11afad1eb50a',
  2: '73c3ff3ca8e3e055cbf8d3ed9a5193bf725ef6bbcefb42b096f791d21cabd406',
  3: 'b009951975475cce520cb9a9830eeaee8771edb974d00e4d8b586c0bcec4b825',
};

/**
 * JSON with sorted keys (JSON.stringify applies xstate's toJSON first, which turns
 * state nodes into ids). Inline functions (assign, and(), dynamic params) become
 * their xstate type or name plus what identifies them (assigned keys, combined
 * guards), so renaming a guard or action, or rewiring a transition, changes the
 * hash. Function bodies are left out on purpose: their text depends on the transpiler.
 */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'function') {
      const fn = v as { name: string; type?: string; guards?: unknown[]; assignment?: unknown };
      return {
        fn: fn.type ?? fn.name,
        ...(fn.guards ? { guards: fn.guards } : {}),
        ...(fn.assignment && typeof fn.assignment === 'object' ? { assigns: Object.keys(fn.assignment).sort() } : {}),
      };
    }
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v).filter((k) => k !== 'toJSON');
      return Object.fromEntries(keys.sort().map((k) => [k, (v as Record<string, unknown>)[k]]));
    }
    return v;
  });
}

function definitionHash(machine: AnyStateMachine): string {
  const serialised = stableJson({
    definition: machine.root.definition,
    guards: Object.keys(machine.implementations.guards).sort(),
    actions: Object.keys(machine.implementations.actions).sort(),
  });
  return createHash('sha256').update(serialised).digest('hex');
}

describe('released machine versions', () => {
  it.each(Object.entries(caseMachines))('version %s is unchanged', (version, machine) => {
    expect(
      definitionHash(machine),
      `the machine definition changed: do not edit a released version — add machine.v${Number(version) + 1}.ts, register it, record its hash`,
    ).toBe(releasedHashes[Number(version)]);
  });

  it('currentMachineVersion is the highest registered version', () => {
    const versions = Object.keys(caseMachines).map(Number);
    expect(currentMachineVersion).toBe(Math.max(...versions));
    // Versions are 1..n with no gap, so "the next version" is never ambiguous.
    expect(versions.sort((a, b) => a - b)).toEqual(versions.map((_, i) => i + 1));
  });
});
