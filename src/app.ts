import express from 'express';
import helmet from 'helmet';
import { apiRoutes } from './api/apiRoutes.js';
import { errorHandler } from './errorHandler.js';
import type { Services } from './services.js';

function setUpSecurityHeaders(app: express.Express) {
  app.disable('x-powered-by');
  app.use(helmet({ referrerPolicy: { policy: 'no-referrer' } }));
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
}

function setUpHealthChecks(app: express.Express, services: Services) {
  app.get('/healthz', async (_req, res) => {
    const ok = await services.store.ping().catch(() => false);
    res.status(ok ? 200 : 503).json({ ok });
  });
}

/** The web app, one setUp step per concern. */
export function createApp(services: Services) {
  const app = express();
  app.set('trust proxy', false);
  setUpSecurityHeaders(app);
  setUpHealthChecks(app, services);
  app.use('/api', apiRoutes(services));
  app.use((_req, res) => void res.status(404).json({ error: 'Not found.' }));
  app.use(errorHandler(services.logger));
  return app;
}
