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
  url: string;
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

function run(config: LoadConfig): Promise<LoadResult> {
  const script = caseScript(config.notesPerStep);
  const stream = eventStream(config.caseIds, script, config.window);
  const total = config.caseIds.length * script.length;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let seen = 0;
  let errors = 0;
  let measureFrom = performance.now();
  const cpu = process.cpuUsage();

  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: config.url,
        connections: config.connections,
        pipelining: 1,
        amount: total,
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
      (error) => {
        if (error) return reject(error);
        const ms = performance.now() - measureFrom;
        const used = process.cpuUsage(cpu);
        resolve({
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
        });
      },
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (++seen === config.warmup) measureFrom = performance.now();
      else if (seen > config.warmup) latencies.push(ms);
    });
    instance.on('reqError', () => errors++);
  });
}

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadConfig;
process.stdout.write(JSON.stringify(await run(config)) + '\n');
