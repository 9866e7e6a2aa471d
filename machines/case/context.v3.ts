import type { CaseInput } from './context.js';
import { initialContextV2, type CaseContextV2 } from './context.v2.js';
import { noConsentRecorded, type Consent } from './consent.js';

/** What machine v3 knows beyond v2: each party's consent per purpose (consent.ts), which its rules and the engine's email read. */
export interface CaseContextV3 extends CaseContextV2 {
  consent: Consent;
}

export function initialContextV3(input: CaseInput): CaseContextV3 {
  return { ...initialContextV2(input), consent: noConsentRecorded() };
}
