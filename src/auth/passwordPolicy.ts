import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { z } from 'zod';

// The common-password list is long; only entries long enough to pass the length rule can matter.
const minLength = 12;

let common: Set<string> | undefined;
/**
 * The list is read on the first password checked, not at start (passwords are set rarely), and only
 * its long entries are kept: the package's own arrays (with its keyboard graphs and word lists, some
 * megabytes) are dropped from the module cache once read.
 */
function commonPasswords(): Set<string> {
  if (common) return common;
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@zxcvbn-ts/language-common');
  const { dictionary } = require(entry) as { dictionary: Record<'passwords-common', string[]> };
  common = new Set(dictionary['passwords-common'].filter((p) => p.length >= minLength).map((p) => p.toLowerCase()));
  const packageDir = dirname(entry);
  for (const cached of Object.keys(require.cache)) if (cached.startsWith(packageDir)) delete require.cache[cached];
  return common;
}

/**
 * ASVS V6: at least 12 characters, up to 128, no rules about which kinds of
 * character, and none of the commonly used passwords (zxcvbn's list of about
 * 49,000), compared without case.
 */
export const passwordSchema = z
  .string()
  .min(minLength, `use at least ${minLength} characters`)
  .max(128, 'use 128 characters or fewer')
  .refine((p) => !commonPasswords().has(p.normalize('NFKC').toLowerCase()), 'this is one of the most commonly used passwords: choose another');
