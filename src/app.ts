import express from 'express';
import { apiRoutes } from './api/apiRoutes.js';
import { errorHandler } from './errorHandler.js';
import { setUpHealthChecks } from './health.js';
import { setUpRequestLogging } from './requestLogging.js';
import type { Services } from './services.js';
import { setUpAssets } from './web/assets.js';
import { setUpDevMail } from './web/devMail.js';
import { pageErrorHandler, problemPagesByLayout, setUpNotFound } from './web/pages.js';
import { setUpPartyPages } from './web/respond/respondRoutes.js';
import { setUpSecurityHeaders } from './web/securityHeaders.js';
import { setUpStaffPages } from './web/staff/setUpStaffPages.js';

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
  setUpRequestLogging(app, services.logger, services.config.trustProxyHops);
  setUpSecurityHeaders(app, services.config);
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
