import { toUser, type UserRow } from '../rows.js';
import type { ApiTokenRecord, SetupLinkRecord, UserStore } from '../store.js';
import type { Pool } from './database.js';
import { all, changed, first, places } from './query.js';
import type { PgWriteQueue } from './writeQueue.js';

const tokenColumns = 'id, user_id AS "userId", label, created_at AS "createdAt", expires_at AS "expiresAt", revoked_at AS "revokedAt"';

/** Staff accounts, as src/store/sqlite/users.ts keeps them. */
export function pgUsers(pool: Pool, writes: PgWriteQueue): UserStore {
  const user = async (sql: string, params: unknown[]) => {
    const row = await first<UserRow>(pool, sql, params);
    return row && toUser(row);
  };
  const users = async (sql: string, params: unknown[] = []) => (await all<UserRow>(pool, sql, params)).map(toUser);
  return {
    addUser: (u) =>
      writes.run(async (c) => {
        await c.query('INSERT INTO users (id, email, name, role, password_hash, trained_for, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
          u.id, u.email, u.name, u.role, u.passwordHash, JSON.stringify(u.trainedFor), u.createdAt,
        ]);
      }),
    countUsers: async () => (await first<{ n: number }>(pool, 'SELECT count(*) AS n FROM users'))!.n,
    userById: (id) => user('SELECT * FROM users WHERE id = $1', [id]),
    userByEmail: (email) => user('SELECT * FROM users WHERE lower(email) = lower($1)', [email]),
    usersByIds: async (ids) => (ids.length === 0 ? [] : users(`SELECT * FROM users WHERE id IN (${places(ids.length)})`, ids)),
    // COLLATE "C": the order SQLite gives, whatever the database's locale.
    allUsers: () => users('SELECT * FROM users ORDER BY lower(name) COLLATE "C", id'),
    activeFacilitators: () => users(`SELECT * FROM users WHERE role = 'facilitator' AND disabled_at IS NULL ORDER BY name COLLATE "C", id`),
    setTrainedFor: (userId, trainedFor) => writes.run(async (c) => void (await c.query('UPDATE users SET trained_for = $1 WHERE id = $2', [JSON.stringify(trainedFor), userId]))),
    setPassword: (userId, hash) => writes.run(async (c) => void (await c.query('UPDATE users SET password_hash = $1 WHERE id = $2', [hash, userId]))),
    recordSignIn: (userId, at) => writes.run(async (c) => void (await c.query('UPDATE users SET last_sign_in_at = $1 WHERE id = $2', [at, userId]))),
    disableUser: (userId, at) =>
      writes.run(async (c) => {
        await c.query('UPDATE users SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL', [at, userId]);
        await c.query('UPDATE staff_sessions SET ended_at = $1, flash = NULL WHERE user_id = $2 AND ended_at IS NULL', [at, userId]);
        await c.query('UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL', [at, userId]);
      }),
    setTwoFactor: (userId, setUp) =>
      writes.run(async (c) => {
        await c.query('UPDATE users SET totp_secret = $1, totp_last_step = NULL WHERE id = $2', [setUp?.totpSecret ?? null, userId]);
        await c.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
        for (const hash of setUp?.recoveryCodeHashes ?? []) await c.query('INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)', [userId, hash]);
      }),
    // One statement, so two requests with the same code cannot both pass.
    useTotpStep: (userId, step) =>
      writes.run(async (c) =>
        (await changed(c, 'UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_secret IS NOT NULL AND (totp_last_step IS NULL OR totp_last_step < $1)', [step, userId])) === 1,
      ),
    useRecoveryCode: (userId, hash, at) =>
      writes.run(async (c) => (await changed(c, 'UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL', [at, userId, hash])) === 1),
    recoveryCodesLeft: async (userId) => (await first<{ n: number }>(pool, 'SELECT count(*) AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL', [userId]))!.n,
    addApiToken: (t) =>
      writes.run(async (c) => {
        await c.query('INSERT INTO api_tokens (id, user_id, token_hash, label, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
          t.id, t.userId, t.tokenHash, t.label, t.createdAt, t.expiresAt,
        ]);
      }),
    userByTokenHash: (hash, now) =>
      user(
        `SELECT u.* FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND u.disabled_at IS NULL`,
        [hash, now],
      ),
    apiTokensOf: (userId) => all<ApiTokenRecord>(pool, `SELECT ${tokenColumns} FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id`, [userId]),
    revokeApiToken: (userId, tokenId, at) =>
      writes.run(async (c) => (await changed(c, 'UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL AND expires_at > $1', [at, tokenId, userId])) === 1),
    addSetupLink: (l) =>
      writes.run(async (c) => {
        await c.query('INSERT INTO setup_links (id, user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [l.id, l.userId, l.tokenHash, l.createdAt, l.expiresAt]);
      }),
    setupLinkByHash: (hash) =>
      first<SetupLinkRecord>(pool, 'SELECT id, user_id AS "userId", created_at AS "createdAt", expires_at AS "expiresAt", used_at AS "usedAt" FROM setup_links WHERE token_hash = $1', [hash]),
    completeSetup: (linkId, passwordHash, at) =>
      writes.run(async (c) => {
        const link = await first<{ user_id: string }>(c, 'UPDATE setup_links SET used_at = $1 WHERE id = $2 AND used_at IS NULL RETURNING user_id', [at, linkId]);
        if (!link) return false;
        await c.query('UPDATE users SET password_hash = $1 WHERE id = $2', [passwordHash, link.user_id]);
        return true;
      }),
  };
}
