import express from 'express';
import helmet from 'helmet';
import { apiRoutes } from './api/apiRoutes.js';
import { errorHandler } from './errorHandler.js';
import type { Services } from './services.js';
import { setUpAssets } from './web/assets.js';
import { setUpDevMail } from './web/devMail.js';
import { pageErrorHandler, problemPagesByLayout, setUpNotFound } from './web/pages.js';
import { setUpPartyPages } from './web/respond/respondRoutes.js';
import { setUpStaffPages } from './web/staff/setUpStaffPages.js';

function setUpSecurityHeaders(app: express.Express) {
  app.disable('x-powered-by');
  // Every response is no-store, so an ETag (a SHA-1 of each body) would never be used.
  app.set('etag', false);
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

/** Errors become a JSON answer under /api and a page everywhere else: one handler each, installed once. */
function setUpErrorHandlers(app: express.Express, services: Services, pages: ReturnType<typeof problemPagesByLayout>) {
  app.use('/api', errorHandler(services.logger));
  app.use(pageErrorHandler(pages, services.logger));
}

/** The web app, one setUp step per concern. */
export function createApp(services: Services) {
  const app = express();
  const pages = problemPagesByLayout(services.config.service);
  app.set('trust proxy', services.config.trustProxyHops);
  setUpSecurityHeaders(app);
  setUpHealthChecks(app, services);
  setUpAssets(app);
  app.use('/api', apiRoutes(services));
  setUpPartyPages(app, services);
  setUpDevMail(app, services);
  setUpStaffPages(app, services);
  setUpNotFound(app, pages);
  setUpErrorHandlers(app, services, pages);
  return app;
}
