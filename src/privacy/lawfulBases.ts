/**
 * Why a party's personal content was erased, as a code the history shows in
 * its place (UK GDPR Articles 16, 17 and 5(1)(e)): a supervisor records one
 * with every erasure; the retention sweep records its own.
 */
export const erasureBases = {
  erasure_request: 'The person asked for their data to be erased (Article 17)',
  consent_withdrawn: 'The person withdrew consent and there is no other lawful basis to keep it',
  no_longer_necessary: 'No longer needed for the purpose it was collected for',
  unlawfully_processed: 'It should never have been processed',
  legal_obligation: 'Erasure is required by law or a court order',
} as const;

export type ErasureBasis = keyof typeof erasureBases;

/** The sweep's own basis: the retention period ended (storage limitation, Article 5(1)(e)). */
export const retentionBasis = 'retention_period_ended';
/** A party's details corrected: the superseded values are erased (Article 16). */
export const rectificationBasis = 'rectified';

export const basisLabels: Record<string, string> = {
  ...erasureBases,
  [retentionBasis]: 'The retention period ended',
  [rectificationBasis]: 'Superseded by a correction',
};
