import { randomBytes } from 'node:crypto';
import { specialisms } from '../machines/case/context.v2.js';
import type { Services } from './services.js';

/**
 * Outside production, an empty database gets demo staff so a newcomer can sign
 * in and drive a case straight away: a facilitator trained for every sensitive
 * offence type, and two supervisors, because whoever assessed a risk or asked
 * for a closure cannot also approve it.
 */
const demoStaff = [
  { role: 'supervisor', name: 'Sam Supervisor', email: 'supervisor@demo.rj.local' },
  { role: 'supervisor', name: 'Sasha Second-Supervisor', email: 'supervisor2@demo.rj.local' },
  { role: 'facilitator', name: 'Fran Facilitator', email: 'facilitator@demo.rj.local', trainedFor: specialisms },
] as const;

export async function createDemoUsers({ users, store, config }: Services): Promise<string[] | undefined> {
  if (config.production || (await store.countUsers()) > 0) return undefined;
  const lines = ['Demo users (shown once; passwords and tokens are stored only as hashes):'];
  for (const person of demoStaff) {
    const password = randomBytes(12).toString('base64url');
    const added = await users.addUser({ ...person, password });
    if (!added.ok) throw new Error(`could not create the demo ${person.role}`);
    const token = await users.createToken(added.user.id);
    const pad = ''.padEnd(11);
    lines.push(`  ${person.role.padEnd(11)} email ${person.email}  password ${password}`, `  ${pad} id ${added.user.id}`, `  ${pad} API token ${token}`);
  }
  if (config.twoFactorRoles.length) {
    lines.push(
      `The ${config.twoFactorRoles.join(' and ')} roles sign in with two steps: each sets up an authenticator app at their first sign-in.`,
      'For a quick trial without a phone, start with REQUIRE_2FA_FOR=none.',
    );
  }
  return lines;
}
