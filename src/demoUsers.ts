import { randomBytes } from 'node:crypto';
import type { Services } from './services.js';

/**
 * Outside production, an empty database gets a demo supervisor and facilitator
 * so a newcomer can log in and drive a case straight away.
 */
export async function createDemoUsers({ users, store, config }: Services): Promise<string[] | undefined> {
  if (config.production || (await store.countUsers()) > 0) return undefined;
  const lines = ['Demo users (shown once; passwords and tokens are stored only as hashes):'];
  for (const [role, name] of [
    ['supervisor', 'Sam Supervisor'],
    ['facilitator', 'Fran Facilitator'],
  ] as const) {
    const email = `${role}@demo.rj.local`;
    const password = randomBytes(12).toString('base64url');
    const added = await users.addUser({ email, name, role, password });
    if (!added.ok) throw new Error(`could not create the demo ${role}`);
    const token = await users.createToken(added.user.id);
    lines.push(`  ${role.padEnd(11)} email ${email}  password ${password}`, `  ${''.padEnd(11)} id ${added.user.id}`, `  ${''.padEnd(11)} API token ${token}`);
  }
  return lines;
}
