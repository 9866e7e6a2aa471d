import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { rebuildMissingSummaries } from './cases/caseSummaries.js';
import { createDemoUsers } from './demoUsers.js';
import { listen } from './httpServer.js';
import { createServices } from './services.js';
import { shutDown } from './shutdown.js';
import { DatabaseInUseError, takeInstanceLock } from './store/instanceLock.js';

async function main() {
  const config = loadConfig();
  // One process per SQLite file; any number share a PostgreSQL database, claiming timers and notices with leases.
  const lock = config.databaseUrl ? undefined : takeInstanceLock(config.databasePath, 'app');
  const services = await createServices(config);
  const demo = await createDemoUsers(services);
  if (config.migrateCasesAtStart) await services.migration.migrateAll({ dryRun: false });
  await rebuildMissingSummaries(services);
  const app = createApp(services);
  const server = listen(app, config.port, config.host, () => {
    services.scheduler.start();
    services.retention.start();
    services.privacy.start();
    services.outbox.start();
    services.accountOutbox.start();
    console.log(`RJ casework is running at ${config.baseUrl} (database: ${services.where})`);
    if (!config.smtpUrl) console.log(`Mail is not sent: it is captured in ${config.mailDir} and listed at ${config.baseUrl}/dev/mail`);
    if (demo) console.log(demo.join('\n'));
  });
  const stop = async () => {
    const outcome = await shutDown(server, services);
    if (outcome === 'deadline') console.error('Stopped at the shutdown deadline with work still in hand; what was committed is kept.');
    lock?.release();
    process.exit(outcome === 'stopped' ? 0 : 1);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(`Configuration error: ${err.message}`);
  else if (err instanceof DatabaseInUseError) console.error(`Not started: ${err.message}. Two apps on one SQLite file would each send the same emails.`);
  else console.error(err);
  process.exit(1);
});
