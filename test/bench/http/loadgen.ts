/**
 * The load generator, run as its own process so it does not share the
 * server's event loop: `node --import tsx loadgen.ts <config.json>`. It sends
 * every event of the workload stream once through autocannon and prints one
 * JSON LoadResult on stdout.
 */
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { percentile } from '../stats.js';
import { caseScript, eventStream, type Sender } from '../workload.js';

export interface LoadConfig {
  /** One app, or several instances on one database: each gets its share of the cases and of the connections. */
  urls: string[];
  caseIds: string[];
  tokens: Record<Sender, string>;
  notesPerStep: number;
  window: number;
  connections: number;
  /** Responses left out of the figures while the server's JIT warms up. */
  warmup: number;
}

export interface LoadResult {
  sent: number;
  measured: number;
  ms: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  statuses: Record<string, number>;
  errors: number;
  /** This process's CPU time over the whole run. */
  cpuMs: number;
}

/** Every event of the workload against every instance at once, each instance walking its own share of the cases. */
async function run(config: LoadConfig): Promise<LoadResult> {
  const script = caseScript(config.notesPerStep);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let seen = 0;
  let errors = 0;
  let measureFrom = performance.now();
  const cpu = process.cpuUsage();
  const shares = config.urls.map((url, i) => ({ url, caseIds: config.caseIds.filter((_, j) => j % config.urls.length === i) }));

  const fire = ({ url, caseIds }: (typeof shares)[number]) =>
    new Promise<void>((resolve, reject) => {
      const stream = eventStream(caseIds, script, Math.ceil(config.window / shares.length));
      const instance = autocannon(
        {
          url,
          connections: Math.max(1, Math.round(config.connections / shares.length)),
          pipelining: 1,
          amount: caseIds.length * script.length,
          requests: [
            {
              setupRequest: (request) => {
                const next = stream.next();
                if (next.done) throw new Error('the event stream ran dry');
                const { caseId, sender, body, key } = next.value;
                return {
                  ...request,
                  method: 'POST',
                  path: `/api/cases/${caseId}/events`,
                  headers: {
                    authorization: `Bearer ${config.tokens[sender]}`,
                    'content-type': 'application/json',
                    'idempotency-key': key,
                  },
                  body: JSON.stringify(body),
                };
              },
            },
          ],
        },
        (error) => (error ? reject(error) : resolve()),
      );
      instance.on('response', (_client, status, _bytes, ms) => {
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (++seen === config.warmup) measureFrom = performance.now();
        else if (seen > config.warmup) latencies.push(ms);
      });
      instance.on('reqError', () => errors++);
    });

  await Promise.all(shares.map(fire));
  const ms = performance.now() - measureFrom;
  const used = process.cpuUsage(cpu);
  return {
    sent: seen,
    measured: latencies.length,
    ms,
    perSecond: (latencies.length * 1000) / ms,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: percentile(latencies, 100),
    statuses,
    errors,
    cpuMs: (used.user + used.system) / 1000,
  };
}

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadConfig;
process.stdout.write(JSON.stringify(await run(config)) + '\n');
