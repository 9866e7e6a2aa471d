import { dictionary } from '@zxcvbn-ts/language-common';
import { z } from 'zod';

// The common-password list is long; only entries long enough to pass the length rule can matter.
const minLength = 12;
const common = new Set(dictionary['passwords-common'].filter((p) => p.length >= minLength).map((p) => p.toLowerCase()));

/**
 * ASVS V6: at least 12 characters, up to 128, no rules about which kinds of
 * character, and none of the commonly used passwords (zxcvbn's list of about
 * 49,000), compared without case.
 */
export const passwordSchema = z
  .string()
  .min(minLength, `use at least ${minLength} characters`)
  .max(128, 'use 128 characters or fewer')
  .refine((p) => !common.has(p.normalize('NFKC').toLowerCase()), 'this is one of the most commonly used passwords: choose another');
