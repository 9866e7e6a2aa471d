import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Shared by the CLI tests and the tamper tests (not a test file itself). */
export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The last non-empty stdout line: the result, after any banner npm prints. */
  lastLine: string;
}

/** The configuration the app reads (src/config.ts); vitest also puts Vite's BASE_URL, MODE... into process.env. */
const configKeys = /^(NODE_ENV|PORT|HOST|DATABASE_PATH|DATABASE_URL|LINK_SECRET|TOTP_KEY|BASE_URL|SMTP_URL|MAIL_FROM|LOG_LEVEL|INVITATION_.*|REOFFER_.*|SCHEDULER_.*|MODE|DEV|PROD|SSR)$/;

/** This process's environment without any setting the child should not inherit. */
function cleanEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !configKeys.test(e[0])));
}

/**
 * Runs the real CLI in a child process, as an operator would, against the
 * database at `databasePath`. `via: 'npm'` goes through `npm run cli --`.
 */
export function runCli(
  args: string[],
  { databasePath, stdin = '', via = 'tsx', env = {} }: { databasePath: string; stdin?: string; via?: 'tsx' | 'npm'; env?: Record<string, string> },
): Promise<CliResult> {
  const [command, commandArgs] =
    // tsx's own binary starts a second node process for the script; the loader in this one starts only one.
    via === 'npm' ? ['npm', ['run', 'cli', '--', ...args]] : [process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, {
      cwd: projectRoot,
      env: { ...cleanEnv(), NODE_ENV: 'test', DATABASE_PATH: databasePath, LOG_LEVEL: 'warn', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
      resolve({ code, stdout, stderr, lastLine: lines.at(-1) ?? '' });
    });
    child.stdin.on('error', () => undefined); // the CLI may exit before reading stdin
    child.stdin.end(stdin);
  });
}
