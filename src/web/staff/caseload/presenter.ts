import { stages, type Stage } from '../../../../machines/case/context.js';
import type { CaseView } from '../../../cases/caseView.js';
import type { VictimsCodeClock } from '../../../cases/victimsCodeClocks.js';
import type { TimerRecord } from '../../../store/store.js';
import { nextStep, shortDay, stageLabels, stageTagClasses } from '../caseWords.js';
import { queueWords } from '../../../oversight/caseQueues.js';
import type { CaseloadQuery } from './form.js';

export interface CaseloadRow {
  view: CaseView;
  timers: TimerRecord[];
  clocks: VictimsCodeClock[];
}

export const pageSize = 50;

const queryString = (q: CaseloadQuery, changes: Partial<CaseloadQuery>) => {
  const merged = { ...q, ...changes };
  const params = new URLSearchParams();
  if (merged.stage) params.set('stage', merged.stage);
  if (merged.q) params.set('q', merged.q);
  if (merged.queue) params.set('queue', merged.queue);
  if (merged.facilitator) params.set('facilitator', merged.facilitator);
  if (merged.sort !== 'newest') params.set('sort', merged.sort);
  if (merged.page > 1) params.set('page', String(merged.page));
  const text = params.toString();
  return text ? `/cases?${text}` : '/cases';
};

/** What is due or overdue on a case: Victims' Code clocks, agreement items, undelivered emails. */
function attention({ view, clocks }: CaseloadRow): { text: string; overdue: boolean }[] {
  return [
    ...clocks
      .filter((c) => c.status === 'overdue' || c.status === 'running')
      .map((c) => ({ text: `${c.status === 'overdue' ? 'Overdue' : 'Due'}: ${c.key === 'victimContacted' ? 'contact the victim' : 'give the victim information about restorative justice'} by ${shortDay(c.dueBy)}`, overdue: c.status === 'overdue' })),
    ...view.agreement
      .filter((i) => i.status === 'pending')
      .map((i) => ({ text: `${i.overdue ? 'Overdue' : 'Due'}: agreement ${i.id.replace('item-', 'item ')} by ${shortDay(i.dueDate)}`, overdue: i.overdue })),
    ...(view.openTaskIds.length ? [{ text: `${view.openTaskIds.length === 1 ? 'An email' : `${view.openTaskIds.length} emails`} could not be delivered`, overdue: true }] : []),
  ];
}

/** The caseload: a row per case with its stage, the next thing to do and what is due, and the controls and pages. */
export function caseloadPresenter(
  rows: CaseloadRow[],
  total: number,
  query: CaseloadQuery,
  scope: 'own' | 'all',
  facilitators: { id: string; name: string }[] = [],
) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const filtered = Boolean(query.stage || query.q || query.queue || query.facilitator);
  const facilitator = facilitators.find((f) => f.id === query.facilitator);
  return {
    title: query.queue ? queueWords[query.queue].title : facilitator ? `Cases allocated to ${facilitator.name}` : scope === 'own' ? 'Your cases' : 'All cases',
    description: query.queue ? queueWords[query.queue].description : undefined,
    total,
    filtered,
    empty: total === 0,
    emptyText: query.queue
      ? 'There are no cases in this list now.'
      : filtered
      ? 'No cases match. Clear the filters to see every case.'
      : scope === 'own'
        ? 'You have no cases yet. A case appears here when a supervisor allocates it to you. You can also enter a new referral.'
        : 'There are no cases yet. Enter a referral to start the first one.',
    query: { stage: query.stage ?? '', q: query.q ?? '', sort: query.sort, queue: query.queue ?? '' },
    facilitatorOptions: facilitators.length
      ? [{ value: '', text: 'Any facilitator' }, ...facilitators.map((f) => ({ value: f.id, text: f.name, selected: f.id === query.facilitator }))]
      : undefined,
    stageOptions: [{ value: '', text: 'Any stage' }, ...stages.map((s) => ({ value: s, text: stageLabels[s], selected: query.stage === s }))],
    sortOptions: [
      { value: 'newest', text: 'Newest referral first', selected: query.sort === 'newest' },
      { value: 'oldest', text: 'Oldest referral first', selected: query.sort === 'oldest' },
      { value: 'updated', text: 'Most recently changed', selected: query.sort === 'updated' },
    ],
    rows: rows.map((r) => ({
      href: `/cases/${r.view.id}`,
      reference: r.view.reference,
      stage: { text: stageLabels[r.view.stage as Stage] + (r.view.paused ? ' (paused)' : ''), classes: stageTagClasses[r.view.stage as Stage] },
      nextStep: nextStep(r.view, r.timers),
      attention: attention(r),
    })),
    pagination:
      pages > 1
        ? {
            ...(query.page > 1 ? { previous: { href: queryString(query, { page: query.page - 1 }) } } : {}),
            ...(query.page < pages ? { next: { href: queryString(query, { page: query.page + 1 }) } } : {}),
            items: pageNumbers(query.page, pages).map((n) =>
              n === null ? { ellipsis: true } : { number: n, href: queryString(query, { page: n }), current: n === query.page },
            ),
          }
        : undefined,
    showing: total ? `Showing ${(query.page - 1) * pageSize + 1} to ${Math.min(query.page * pageSize, total)} of ${total} cases` : '',
  };
}

/** GOV.UK pagination's numbers: the first, the last, and those next to the current page, with gaps. */
function pageNumbers(current: number, pages: number): (number | null)[] {
  const wanted = [...new Set([1, current - 1, current, current + 1, pages])].filter((n) => n >= 1 && n <= pages).sort((a, b) => a - b);
  return wanted.flatMap((n, i) => (i > 0 && n - wanted[i - 1]! > 1 ? [null, n] : [n]));
}


