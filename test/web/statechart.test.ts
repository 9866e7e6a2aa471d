import { load } from 'cheerio';
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { getStateNodes } from 'xstate/graph';
import { caseMachines, type MachineVersion } from '../../machines/case/index.js';
import { layOutStatechart } from '../../src/web/statechart/statechartLayout.js';
import { statechartSvg } from '../../src/web/statechart/statechartSvg.js';
import { caseClient } from '../api/apiSteps.js';
import { openCase, withApp } from '../support/harness.js';
import { staffBrowser } from './staffBrowser.js';

const versions = Object.keys(caseMachines).map(Number) as MachineVersion[];

describe.each(versions)('the statechart picture of machine v%s', (version) => {
  const machine = caseMachines[version] as unknown as AnyStateMachine;

  it('is drawn from the definition: a box for every state, an arrow for every transition, each where it belongs', async () => {
    const layout = await layOutStatechart(machine);
    const $ = load(statechartSvg(layout, new Set(), 'chart'), { xml: true });
    const nodes = getStateNodes(machine.root);
    const drawn = new Set($('g[data-state]').map((_, g) => $(g).attr('data-state')).get());
    expect(nodes.map((n) => n.id).filter((id) => !drawn.has(id)), 'states missing from the picture').toEqual([]);

    const transitions = nodes.flatMap((source) =>
      [...source.transitions.values()].flat().flatMap((t) => (t.target?.length ? t.target : [source]).map((target) => `${source.id} -${String(t.eventType)}-> ${target.id}`)),
    );
    const arrows = $('g[data-transition]').map((_, g) => `${$(g).attr('data-source')} -${$(g).attr('data-event')}-> ${$(g).attr('data-target')}`).get();
    expect(arrows.sort()).toEqual(transitions.sort());
    // Every arrow is routed and every box has a size inside the picture.
    for (const path of $('g[data-transition] path').get()) expect($(path).attr('d')).toMatch(/^M[\d.]+ [\d.]+( L[\d.]+ [\d.]+)+$/);
    for (const s of layout.states) {
      expect(s.width, s.id).toBeGreaterThan(0);
      expect(s.x + s.width).toBeLessThanOrEqual(layout.width);
      expect(s.y + s.height).toBeLessThanOrEqual(layout.height);
    }
  });
});

describe('the statechart on the case page', () => {
  const env = withApp();

  it('marks the states the case is in, and the mark follows the case', async () => {
    const id = await openCase(env.app, env.staff);
    const browser = staffBrowser(env.app);
    await browser.signIn(env.staff.facilitator.email);
    const current = async () => {
      const page = await browser.get(`/cases/${id}`);
      return {
        marked: page.$('[data-statechart] g.app-sc-state--current').map((_, g) => page.$(g).attr('data-state')).get().sort(),
        told: page.$('[data-current-states] li').map((_, li) => page.$(li).attr('data-state')).get().sort(),
        possible: page.$('[data-possible-events] li').text(),
      };
    };
    const before = await current();
    expect(before.marked).toEqual([
      'case.open',
      'case.open.consent',
      'case.open.consent.offender',
      'case.open.consent.offender.notContacted',
      'case.open.consent.victim',
      'case.open.consent.victim.notContacted',
    ]);
    expect(before.told).toEqual(['case.open.consent.offender.notContacted', 'case.open.consent.victim.notContacted']);
    expect(before.possible).toContain('INVITE_VICTIM');

    await caseClient(env.app, id).ok(env.staff.facilitator.token, { type: 'INVITE_VICTIM' });
    const after = await current();
    expect(after.marked).toContain('case.open.consent.victim.invited');
    expect(after.marked).not.toContain('case.open.consent.victim.notContacted');
    expect(after.possible).toContain('INVITATION_REMINDER_DUE');
  });
});
