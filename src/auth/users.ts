import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Role, Store, UserRecord } from '../store/store.js';
import { toIssues, type Issue } from '../cases/validation.js';
import { hashPassword } from './passwords.js';

export const newUserSchema = z.strictObject({
  email: z.email().max(254),
  name: z.string().trim().min(1).max(200),
  role: z.enum(['facilitator', 'supervisor', 'admin']),
  // ASVS 6.2: at least 12 characters, no composition rules.
  password: z.string().min(12, 'use at least 12 characters').max(128),
});

/** API tokens are 256 random bits; only their SHA-256 is stored, which suffices for secrets of that strength. */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function createUserService(store: Store, clock: () => Date) {
  async function addUser(input: unknown): Promise<{ ok: true; user: UserRecord } | { ok: false; issues: Issue[] }> {
    const parsed = newUserSchema.safeParse(input);
    if (!parsed.success) return { ok: false, issues: toIssues(parsed.error) };
    const { email, name, role, password } = parsed.data;
    if (await store.userByEmail(email)) return { ok: false, issues: [{ path: 'email', message: 'a user with this email already exists' }] };
    const user: UserRecord = {
      id: randomUUID(),
      email,
      name,
      role: role as Role,
      passwordHash: await hashPassword(password),
      createdAt: clock().toISOString(),
      disabledAt: null,
    };
    await store.addUser(user);
    return { ok: true, user };
  }

  async function createToken(userId: string): Promise<string> {
    const token = `rj_${randomBytes(32).toString('base64url')}`;
    await store.addApiToken({ id: randomUUID(), userId, tokenHash: hashToken(token), createdAt: clock().toISOString() });
    return token;
  }

  const userForToken = (token: string) => store.userByTokenHash(hashToken(token));

  return { addUser, createToken, userForToken };
}

export type UserService = ReturnType<typeof createUserService>;
