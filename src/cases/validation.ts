import type { z } from 'zod';

export interface Issue {
  path: string;
  message: string;
}

/** Zod issues as the API reports them: a dotted path and a message saying what to fix. */
export function toIssues(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message }));
}
