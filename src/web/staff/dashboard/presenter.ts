import { stages, type Stage } from '../../../../machines/case/context.js';
import { queueWords } from '../../../oversight/caseQueues.js';
import { supervisionStatus } from '../../../oversight/supervision.js';
import type { CaseQueue, DashboardCounts } from '../../../store/store.js';
import { day, stageLabels } from '../caseWords.js';

export interface DashboardData {
  counts: DashboardCounts;
  caseloads: { id: string; name: string; byStage: Record<string, number> }[];
  lastSupervisions: Record<string, string>;
  today: string;
  /** STALLED_AFTER in words ("14 days"). */
  stalledAfter: string;
}

const groups: { title: string; queues: CaseQueue[] }[] = [
  { title: 'Waiting for a supervisor', queues: ['referrals', 'riskApprovals', 'closureSignOffs'] },
  { title: 'Overdue', queues: ['clocksOverdue', 'itemsOverdue', 'undeliverable'] },
  { title: 'Needs a look', queues: ['stalled', 'pausedPastEnd'] },
];

const openStages = stages.filter((s): s is Exclude<Stage, 'closed'> => s !== 'closed');

const supervisionTags = {
  never: { text: 'None recorded', classes: 'govuk-tag--red' },
  overdue: { text: 'Overdue', classes: 'govuk-tag--red' },
  due: { text: 'Due soon', classes: 'govuk-tag--yellow' },
  upToDate: { text: 'Up to date', classes: 'govuk-tag--green' },
};

/** The supervisor's dashboard: each list's count linking to the list, caseloads by stage, and supervision due. */
export function dashboardPresenter(data: DashboardData) {
  const panels = groups.map((g) => ({
    title: g.title,
    panels: g.queues.map((queue) => ({
      queue,
      count: data.counts[queue],
      title: queueWords[queue].title,
      description:
        queue === 'stalled' ? `Open cases with no activity for ${data.stalledAfter} or more.` : queueWords[queue].description,
      href: `/cases?queue=${queue}`,
      attention: data.counts[queue] > 0,
    })),
  }));
  const caseloads = data.caseloads.map((f) => {
    const supervision = supervisionStatus(data.lastSupervisions[f.id], data.today);
    return {
      name: f.name,
      href: `/cases?facilitator=${encodeURIComponent(f.id)}`,
      cells: openStages.map((s) => f.byStage[s] ?? 0),
      total: openStages.reduce((n, s) => n + (f.byStage[s] ?? 0), 0),
      supervision: {
        tag: supervisionTags[supervision.status],
        text: supervision.status === 'never' ? '' : `Last on ${day(supervision.lastHeldOn)}; next by ${day(supervision.nextBy)}`,
        needed: supervision.status !== 'upToDate',
        status: supervision.status,
      },
    };
  });
  const supervisionNeeded = caseloads.filter((c) => c.supervision.needed);
  return {
    title: 'Dashboard',
    groups: panels,
    stageHeadings: openStages.map((s) => stageLabels[s]),
    caseloads,
    supervisionSummary: supervisionNeeded.length
      ? `${supervisionNeeded.length} of ${caseloads.length} practitioners ${supervisionNeeded.length === 1 ? 'needs' : 'need'} case supervision soon or now.`
      : 'Every practitioner has had case supervision in the last 12 weeks.',
  };
}
