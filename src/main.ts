import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { rebuildMissingSummaries } from './cases/caseSummaries.js';
import { createDemoUsers } from './demoUsers.js';
import { createServices } from './services.js';

async function main() {
  const config = loadConfig();
  const services = createServices(config);
  const demo = await createDemoUsers(services);
  if (config.migrateCasesAtStart) await services.migration.migrateAll({ dryRun: false });
  await rebuildMissingSummaries(services);
  const app = createApp(services);
  const server = app.listen(config.port, config.host, () => {
    services.scheduler.start();
    services.retention.start();
    services.outbox.start();
    console.log(`RJ casework is running at ${config.baseUrl} (database ${config.databasePath})`);
    if (!config.smtpUrl) console.log(`Mail is not sent: it is captured in ${config.mailDir} and listed at ${config.baseUrl}/dev/mail`);
    if (demo) console.log(demo.join('\n'));
  });
  const shutdown = async () => {
    server.close();
    await services.scheduler.stop();
    await services.retention.stop();
    await services.outbox.stop();
    services.store.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `Configuration error: ${err.message}` : err);
  process.exit(1);
});
