import type { Db } from '../database.js';
import { toUser, type UserRow } from './rows.js';
import type { UserStore } from '../store.js';
import type { WriteQueue } from '../writeQueue.js';
import type { Prepared } from './prepared.js';

/** Staff accounts and their API tokens. */
export function sqliteUsers(db: Db, writes: WriteQueue, prepared: Prepared): UserStore {
  const q = {
    insertUser: db.prepare(
      `INSERT INTO users (id, email, name, role, password_hash, trained_for, created_at)
       VALUES (@id, @email, @name, @role, @passwordHash, @trainedFor, @createdAt)`,
    ),
    userById: db.prepare('SELECT * FROM users WHERE id = ?'),
    userByEmail: db.prepare('SELECT * FROM users WHERE email = ?'),
    countUsers: db.prepare('SELECT count(*) FROM users').pluck(),
    activeFacilitators: db.prepare("SELECT * FROM users WHERE role = 'facilitator' AND disabled_at IS NULL ORDER BY name, id"),
    setTrainedFor: db.prepare('UPDATE users SET trained_for = ? WHERE id = ?'),
    insertToken: db.prepare('INSERT INTO api_tokens (id, user_id, token_hash, created_at) VALUES (?, ?, ?, ?)'),
    userByToken: db.prepare(
      `SELECT u.* FROM api_tokens t JOIN users u ON u.id = t.user_id
       WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.disabled_at IS NULL`,
    ),
  };
  const one = (row: unknown) => (row ? toUser(row as UserRow) : undefined);

  return {
    addUser: (u) => writes.run(() => void q.insertUser.run({ ...u, trainedFor: JSON.stringify(u.trainedFor) })),
    countUsers: async () => q.countUsers.get() as number,
    userById: async (id) => one(q.userById.get(id)),
    userByEmail: async (email) => one(q.userByEmail.get(email)),
    usersByIds: async (ids) =>
      ids.length === 0 ? [] : (prepared(`SELECT * FROM users WHERE id IN (${ids.map(() => '?').join(',')})`).all(...ids) as UserRow[]).map(toUser),
    activeFacilitators: async () => (q.activeFacilitators.all() as UserRow[]).map(toUser),
    setTrainedFor: (userId, trainedFor) => writes.run(() => void q.setTrainedFor.run(JSON.stringify(trainedFor), userId)),
    addApiToken: (t) => writes.run(() => void q.insertToken.run(t.id, t.userId, t.tokenHash, t.createdAt)),
    userByTokenHash: async (hash) => one(q.userByToken.get(hash)),
  };
}
