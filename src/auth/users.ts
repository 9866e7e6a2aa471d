import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { NewUserRecord, Role, Store, UserRecord } from '../store/store.js';
import { toIssues, type Issue } from '../cases/validation.js';
import { addDuration } from '../cases/timing.js';
import { specialisms } from '../../machines/case/context.v2.js';
import type { LinkTokens } from '../links/linkTokens.js';
import type { Logger } from '../logger.js';
import { dummyHash, hashPassword, serviceCost, verifyPassword, type ScryptCost } from './passwords.js';
import { passwordSchema } from './passwordPolicy.js';
import { newRecoveryCodes, recoveryCodeHash, type Totp } from './totp.js';

/** The sensitive offence types a facilitator can be trained for, each at most once. */
export const trainedForSchema = z
  .array(z.enum(specialisms, { error: `one of ${specialisms.join(', ')}` }))
  .refine((list) => new Set(list).size === list.length, 'name each specialism once');

const accountSchema = {
  email: z.email().max(254),
  name: z.string().trim().min(1).max(200),
  role: z.enum(['facilitator', 'supervisor', 'admin']),
  trainedFor: trainedForSchema.default([]),
};
export const newUserSchema = z.strictObject({ ...accountSchema, password: passwordSchema });
/** An admin adds a user without a password: the user chooses it through the set-up link. */
export const invitedUserSchema = z.strictObject(accountSchema);

export const tokenLabelSchema = z.string().trim().min(1, 'give the token a label, such as what it is for').max(100, 'use 100 characters or fewer');

/** API tokens are 256 random bits; only their SHA-256 is stored, which suffices for secrets of that strength. */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A set-up link works for this long after it is sent. */
export const setupLinkExpiresAfter = 'P3D';

/** The hash a user has until they choose a password: no password verifies against it. */
const noPasswordYet = 'none';

type Result<T = object> = ({ ok: true } & T) | { ok: false; issues: Issue[] };

export function createUserService({
  store, clock, totp, linkTokens, tokenExpiresAfter, logger, passwordCost = serviceCost,
}: { store: Store; clock: () => Date; totp: Totp; linkTokens: LinkTokens; tokenExpiresAfter: string; logger: Logger; passwordCost?: ScryptCost }) {
  const now = () => clock().toISOString();
  const hash = (password: string) => hashPassword(password, passwordCost);

  async function add(record: Omit<NewUserRecord, 'id' | 'createdAt' | 'disabledAt'>): Promise<UserRecord> {
    const user: NewUserRecord = { id: randomUUID(), ...record, createdAt: now(), disabledAt: null };
    await store.addUser(user);
    return { ...user, totpSecret: null, lastSignInAt: null };
  }

  const emailTaken = async (email: string) => ((await store.userByEmail(email)) ? [{ path: 'email', message: 'a user with this email already exists' }] : []);

  /** A user with a password chosen now (the CLI, which needs a shell on the server). */
  async function addUser(input: unknown): Promise<Result<{ user: UserRecord }>> {
    const parsed = newUserSchema.safeParse(input);
    if (!parsed.success) return { ok: false, issues: toIssues(parsed.error) };
    const { email, name, role, password, trainedFor } = parsed.data;
    const taken = await emailTaken(email);
    if (taken.length) return { ok: false, issues: taken };
    return { ok: true, user: await add({ email, name, role: role as Role, trainedFor, passwordHash: await hash(password) }) };
  }

  /** A user an admin adds: no password is set or sent; they get a single-use link by email to choose one. */
  async function inviteUser(input: unknown): Promise<Result<{ user: UserRecord }>> {
    const parsed = invitedUserSchema.safeParse(input);
    if (!parsed.success) return { ok: false, issues: toIssues(parsed.error) };
    const taken = await emailTaken(parsed.data.email);
    if (taken.length) return { ok: false, issues: taken };
    const { email, name, role, trainedFor } = parsed.data;
    const user = await add({ email, name, role: role as Role, trainedFor, passwordHash: noPasswordYet });
    const linkId = randomUUID();
    const at = now();
    await store.addSetupLink({ id: linkId, userId: user.id, tokenHash: linkTokens.hash(linkTokens.tokenFor(`setup:${linkId}`)), createdAt: at, expiresAt: addDuration(at, setupLinkExpiresAfter) });
    await store.queueAccountNotice({ id: randomUUID(), template: 'account_setup', userId: user.id, data: { linkId }, createdAt: at });
    return { ok: true, user };
  }

  /** The set-up link behind a token, while it is unused and in date. */
  async function setupLinkFor(token: string) {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const link = await store.setupLinkByHash(linkTokens.hash(token));
    return link && !link.usedAt && link.expiresAt > now() ? link : undefined;
  }

  async function completeSetup(token: string, password: unknown): Promise<Result | { ok: false; gone: true }> {
    const link = await setupLinkFor(token);
    if (!link) return { ok: false, gone: true };
    const parsed = passwordSchema.safeParse(password);
    if (!parsed.success) return { ok: false, issues: toIssues(parsed.error).map((i) => ({ ...i, path: 'password' })) };
    return (await store.completeSetup(link.id, await hash(parsed.data), now())) ? { ok: true } : { ok: false, gone: true };
  }

  /** Issues a token; every issue is logged, with who it is for and how it was issued (never the token). */
  async function createToken(userId: string, { label = 'API token', expiresAfter = tokenExpiresAfter, via = 'app' }: { label?: string; expiresAfter?: string; via?: 'app' | 'cli' } = {}): Promise<string> {
    const token = `rj_${randomBytes(32).toString('base64url')}`;
    const at = now();
    const id = randomUUID();
    await store.addApiToken({ id, userId, tokenHash: hashToken(token), label, createdAt: at, expiresAt: addDuration(at, expiresAfter) });
    logger.info({ userId, tokenId: id, via, expiresAfter }, 'API token issued');
    return token;
  }

  const userForToken = (token: string) => store.userByTokenHash(hashToken(token), now());

  /** Records what a facilitator is trained for; only facilitators are allocated, so only they have training. */
  async function setTraining(userId: string, trainedFor: unknown): Promise<Result> {
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
    const ok = await verifyPassword(password, user?.passwordHash && user.passwordHash !== noPasswordYet ? user.passwordHash : await dummyHash());
    return ok && user && !user.disabledAt ? user : undefined;
  }

  async function changePassword(user: UserRecord, current: string, next: unknown): Promise<Result> {
    if (!(await verifyPassword(current, user.passwordHash))) return { ok: false, issues: [{ path: 'currentPassword', message: 'enter your current password correctly' }] };
    const parsed = passwordSchema.safeParse(next);
    if (!parsed.success) return { ok: false, issues: toIssues(parsed.error).map((i) => ({ ...i, path: 'newPassword' })) };
    await store.setPassword(user.id, await hash(parsed.data));
    return { ok: true };
  }

  /** Checks a code from the app for a secret being set up; stores it, encrypted, with 10 new recovery codes, and returns those. */
  async function setUpTwoFactor(userId: string, secret: string, code: string): Promise<Result<{ recoveryCodes: string[] }>> {
    const step = totp.stepOf(secret, code, clock());
    if (step === undefined) return { ok: false, issues: [{ path: 'code', message: 'enter the 6-digit code your app shows now' }] };
    const recoveryCodes = newRecoveryCodes();
    await store.setTwoFactor(userId, { totpSecret: totp.encrypt(secret), recoveryCodeHashes: recoveryCodes.map(recoveryCodeHash) });
    await store.useTotpStep(userId, step);
    return { ok: true, recoveryCodes };
  }

  /** The second step: a code from the app, not used before, or an unused recovery code. */
  async function secondStep(user: UserRecord, typed: string): Promise<'code' | 'recoveryCode' | undefined> {
    if (!user.totpSecret) return undefined;
    const step = totp.stepOf(totp.decrypt(user.totpSecret), typed, clock());
    if (step !== undefined) return (await store.useTotpStep(user.id, step)) ? 'code' : undefined;
    return (await store.useRecoveryCode(user.id, recoveryCodeHash(typed), now())) ? 'recoveryCode' : undefined;
  }

  return {
    addUser,
    inviteUser,
    setupLinkFor,
    completeSetup,
    createToken,
    userForToken,
    setTraining,
    signIn,
    changePassword,
    setUpTwoFactor,
    secondStep,
    resetTwoFactor: (userId: string) => store.setTwoFactor(userId, null),
    disable: (userId: string) => store.disableUser(userId, now()),
  };
}

export type UserService = ReturnType<typeof createUserService>;
