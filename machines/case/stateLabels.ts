/**
 * Where a case is, in words, by state node path (`open.riskAssessment.awaitingApproval`).
 * `now` completes "this case is …"; `when` completes "possible only …". A node
 * without an entry reads as its nearest ancestor that has one.
 */
const labels: Record<string, { now: string; when: string }> = {
  referral: { now: 'in referral', when: 'at referral' },
  open: { now: 'open', when: 'while the case is open' },
  'open.consent': { now: 'in contact and consent', when: 'during contact and consent' },
  'open.riskAssessment': { now: 'in risk assessment', when: 'during risk assessment' },
  'open.riskAssessment.awaitingApproval': {
    now: 'in risk assessment, waiting for a supervisor to approve it',
    when: 'while the risk assessment waits for approval',
  },
  'open.preparation': { now: 'in preparation', when: 'during preparation' },
  'open.conference': { now: 'at the conference stage', when: 'at the conference stage' },
  'open.conference.scheduled': { now: 'at the conference stage, with a conference scheduled', when: 'once a conference is scheduled' },
  'open.conference.indirect': { now: 'in the indirect exchange', when: 'during the indirect exchange' },
  'open.followUp': { now: 'in follow-up', when: 'during follow-up' },
  paused: { now: 'paused', when: 'while the case is paused' },
  closing: { now: 'waiting for its closure to be signed off', when: 'while a closure waits for sign-off' },
  closed: { now: 'closed', when: 'once the case is closed' },
};

export function stateLabel(path: readonly string[]): { now: string; when: string } {
  for (let n = path.length; n > 0; n--) {
    const found = labels[path.slice(0, n).join('.')];
    if (found) return found;
  }
  return { now: path.join('.'), when: `in ${path.join('.')}` };
}
