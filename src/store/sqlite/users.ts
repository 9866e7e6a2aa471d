import type { Db } from '../database.js';
import { toUser, type UserRow } from '../rows.js';
import type { ApiTokenRecord, SetupLinkRecord, UserStore } from '../store.js';
import type { WriteQueue } from '../writeQueue.js';
import type { Prepared } from './prepared.js';

const tokenColumns = 'id, user_id AS userId, label, created_at AS createdAt, expires_at AS expiresAt, revoked_at AS revokedAt';

/** Staff accounts: who they are, their passwords, two-factor set-up, API tokens and set-up links. */
export function sqliteUsers(db: Db, writes: WriteQueue, prepared: Prepared): UserStore {
  const q = {
    insertUser: db.prepare(
      `INSERT INTO users (id, email, name, role, password_hash, trained_for, created_at)
       VALUES (@id, @email, @name, @role, @passwordHash, @trainedFor, @createdAt)`,
    ),
    userById: db.prepare('SELECT * FROM users WHERE id = ?'),
    userByEmail: db.prepare('SELECT * FROM users WHERE email = ?'),
    allUsers: db.prepare('SELECT * FROM users ORDER BY name COLLATE NOCASE, id'),
    countUsers: db.prepare('SELECT count(*) FROM users').pluck(),
    activeFacilitators: db.prepare("SELECT * FROM users WHERE role = 'facilitator' AND disabled_at IS NULL ORDER BY name, id"),
    setTrainedFor: db.prepare('UPDATE users SET trained_for = ? WHERE id = ?'),
    setPassword: db.prepare('UPDATE users SET password_hash = ? WHERE id = ?'),
    recordSignIn: db.prepare('UPDATE users SET last_sign_in_at = ? WHERE id = ?'),
    disable: db.prepare('UPDATE users SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL'),
    endSessions: db.prepare('UPDATE staff_sessions SET ended_at = ?, flash = NULL WHERE user_id = ? AND ended_at IS NULL'),
    revokeTokens: db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL'),
    setTotp: db.prepare('UPDATE users SET totp_secret = ?, totp_last_step = NULL WHERE id = ?'),
    deleteCodes: db.prepare('DELETE FROM recovery_codes WHERE user_id = ?'),
    insertCode: db.prepare('INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)'),
    // One statement, so two requests with the same code cannot both pass.
    useStep: db.prepare('UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_secret IS NOT NULL AND (totp_last_step IS NULL OR totp_last_step < ?)'),
    useCode: db.prepare('UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL'),
    codesLeft: db.prepare('SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL').pluck(),
    insertToken: db.prepare('INSERT INTO api_tokens (id, user_id, token_hash, label, created_at, expires_at) VALUES (@id, @userId, @tokenHash, @label, @createdAt, @expiresAt)'),
    userByToken: db.prepare(
      `SELECT u.* FROM api_tokens t JOIN users u ON u.id = t.user_id
       WHERE t.token_hash = ? AND t.revoked_at IS NULL AND t.expires_at > ? AND u.disabled_at IS NULL`,
    ),
    tokensOf: db.prepare(`SELECT ${tokenColumns} FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC, id`),
    revokeToken: db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL AND expires_at > ?'),
    insertLink: db.prepare('INSERT INTO setup_links (id, user_id, token_hash, created_at, expires_at) VALUES (@id, @userId, @tokenHash, @createdAt, @expiresAt)'),
    linkByHash: db.prepare('SELECT id, user_id AS userId, created_at AS createdAt, expires_at AS expiresAt, used_at AS usedAt FROM setup_links WHERE token_hash = ?'),
    useLink: db.prepare('UPDATE setup_links SET used_at = ? WHERE id = ? AND used_at IS NULL'),
    linkUser: db.prepare('SELECT user_id FROM setup_links WHERE id = ?').pluck(),
  };
  const one = (row: unknown) => (row ? toUser(row as UserRow) : undefined);

  return {
    addUser: (u) => writes.run(() => void q.insertUser.run({ ...u, trainedFor: JSON.stringify(u.trainedFor) })),
    countUsers: async () => q.countUsers.get() as number,
    userById: async (id) => one(q.userById.get(id)),
    userByEmail: async (email) => one(q.userByEmail.get(email)),
    usersByIds: async (ids) =>
      ids.length === 0 ? [] : (prepared(`SELECT * FROM users WHERE id IN (${ids.map(() => '?').join(',')})`).all(...ids) as UserRow[]).map(toUser),
    allUsers: async () => (q.allUsers.all() as UserRow[]).map(toUser),
    activeFacilitators: async () => (q.activeFacilitators.all() as UserRow[]).map(toUser),
    setTrainedFor: (userId, trainedFor) => writes.run(() => void q.setTrainedFor.run(JSON.stringify(trainedFor), userId)),
    setPassword: (userId, hash) => writes.run(() => void q.setPassword.run(hash, userId)),
    recordSignIn: (userId, at) => writes.run(() => void q.recordSignIn.run(at, userId)),
    disableUser: (userId, at) =>
      writes.run(() => {
        q.disable.run(at, userId);
        q.endSessions.run(at, userId);
        q.revokeTokens.run(at, userId);
      }),
    setTwoFactor: (userId, setUp) =>
      writes.run(() => {
        q.setTotp.run(setUp?.totpSecret ?? null, userId);
        q.deleteCodes.run(userId);
        for (const hash of setUp?.recoveryCodeHashes ?? []) q.insertCode.run(userId, hash);
      }),
    useTotpStep: (userId, step) => writes.run(() => q.useStep.run(step, userId, step).changes === 1),
    useRecoveryCode: (userId, hash, at) => writes.run(() => q.useCode.run(at, userId, hash).changes === 1),
    recoveryCodesLeft: async (userId) => q.codesLeft.get(userId) as number,
    addApiToken: (t) => writes.run(() => void q.insertToken.run(t)),
    userByTokenHash: async (hash, now) => one(q.userByToken.get(hash, now)),
    apiTokensOf: async (userId) => q.tokensOf.all(userId) as ApiTokenRecord[],
    revokeApiToken: (userId, tokenId, at) => writes.run(() => q.revokeToken.run(at, tokenId, userId, at).changes === 1),
    addSetupLink: (link) => writes.run(() => void q.insertLink.run(link)),
    setupLinkByHash: async (hash) => q.linkByHash.get(hash) as SetupLinkRecord | undefined,
    completeSetup: (linkId, passwordHash, at) =>
      writes.run(() => {
        const userId = q.linkUser.get(linkId) as string | undefined;
        if (!userId || q.useLink.run(at, linkId).changes !== 1) return false;
        q.setPassword.run(passwordHash, userId);
        return true;
      }),
  };
}
