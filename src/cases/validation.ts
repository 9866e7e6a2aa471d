import type { z } from 'zod';

export interface Issue {
  path: string;
  message: string;
}

const pathOf = (path: PropertyKey[]) => path.map(String).join('.') || '(body)';

/** Zod issues as the API reports them: a dotted path and a message saying what to fix. */
export function toIssues(error: z.ZodError): Issue[] {
  return error.issues.flatMap((i) =>
    // zod reports unknown keys once, at the parent; name each one where it stands.
    i.code === 'unrecognized_keys'
      ? i.keys.map((key) => ({ path: pathOf([...i.path, key]), message: 'unknown field: remove it' }))
      : [{ path: pathOf(i.path), message: i.message }],
  );
}
