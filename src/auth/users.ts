import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Role, Store, UserRecord } from '../store/store.js';
import { toIssues, type Issue } from '../cases/validation.js';
import { specialisms } from '../../machines/case/context.v2.js';
import { dummyHash, hashPassword, verifyPassword } from './passwords.js';

/** The sensitive offence types a facilitator can be trained for, each at most once. */
export const trainedForSchema = z
  .array(z.enum(specialisms, { error: `one of ${specialisms.join(', ')}` }))
  .refine((list) => new Set(list).size === list.length, 'name each specialism once');

export const newUserSchema = z.strictObject({
  email: z.email().max(254),
  name: z.string().trim().min(1).max(200),
  role: z.enum(['facilitator', 'supervisor', 'admin']),
  // ASVS 6.2: at least 12 characters, no composition rules.
  password: z.string().min(12, 'use at least 12 characters').max(128),
  trainedFor: trainedForSchema.default([]),
});

/** API tokens are 256 random bits; only their SHA-256 is stored, which suffices for secrets of that strength. */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function createUserService(store: Store, clock: () => Date) {
  async function addUser(input: unknown): Promise<{ ok: true; user: UserRecord } | { ok: false; issues: Issue[] }> {
    const parsed = newUserSchema.safeParse(input);
    if (!parsed.success) return { ok: false, issues: toIssues(parsed.error) };
    const { email, name, role, password, trainedFor } = parsed.data;
    if (await store.userByEmail(email)) return { ok: false, issues: [{ path: 'email', message: 'a user with this email already exists' }] };
    const user: UserRecord = {
      id: randomUUID(),
      email,
      name,
      role: role as Role,
      passwordHash: await hashPassword(password),
      trainedFor,
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

  /** Records what a facilitator is trained for; only facilitators are allocated, so only they have training. */
  async function setTraining(userId: string, trainedFor: unknown): Promise<{ ok: true } | { ok: false; issues: Issue[] }> {
    const parsed = trainedForSchema.safeParse(trainedFor);
    if (!parsed.success) return { ok: false, issues: toIssues(parsed.error).map((i) => ({ ...i, path: `trainedFor${i.path === '(body)' ? '' : `.${i.path}`}` })) };
    const user = await store.userById(userId);
    if (user?.role !== 'facilitator') return { ok: false, issues: [{ path: 'email', message: 'only a facilitator has specialist training' }] };
    await store.setTrainedFor(userId, parsed.data);
    return { ok: true };
  }

  /**
   * The active user with this email and password, or undefined. An unknown email
   * is checked against a dummy hash, so both failures take the same time.
   */
  async function signIn(email: string, password: string): Promise<UserRecord | undefined> {
    const user = email ? await store.userByEmail(email) : undefined;
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
    return ok && user && !user.disabledAt ? user : undefined;
  }

  return { addUser, createToken, userForToken, setTraining, signIn };
}

export type UserService = ReturnType<typeof createUserService>;
