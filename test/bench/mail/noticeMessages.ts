/** Subjects for the baseline's messages; the outbox itself sends the rendered templates. */
const subjects: Record<string, string> = {
  victim_invitation: 'An invitation to take part in restorative justice',
  invitation_reminder: 'A reminder about our invitation',
  allocation: 'A case has been allocated to you',
  party_responded: 'A party has responded',
  approval_requested: 'A risk assessment needs your approval',
  approval_decision: 'Your risk assessment has been decided',
  conference_cancelled: 'The conference has been cancelled',
  item_overdue: 'An agreement item is overdue',
  feedback_request: 'How did we do?',
  thank_you: 'Thank you for taking part',
};

export interface MailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
}

/** `count` messages shaped like the notices the engine queues: one recipient, a subject, about 1 kB of plain text. */
export function noticeMessages(count: number): MailMessage[] {
  const templates = Object.keys(subjects);
  return Array.from({ length: count }, (_, i) => {
    const template = templates[i % templates.length]!;
    return {
      from: 'RJ Service <rj-service@localhost>',
      to: `party${i}@example.org`,
      subject: subjects[template]!,
      text: `Dear recipient,\n\n${subjects[template]} (reference RJ-2026-${String(i + 1).padStart(6, '0')}).\n\n${'Please contact your facilitator if you have any questions. '.repeat(14)}\n\nRJ Service\n`,
    };
  });
}
