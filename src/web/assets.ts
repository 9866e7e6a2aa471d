import express, { type Express } from 'express';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const govukDir = join(dirname(createRequire(import.meta.url).resolve('govuk-frontend/package.json')), 'dist/govuk');
const mojDir = join(dirname(createRequire(import.meta.url).resolve('@ministryofjustice/frontend/package.json')), 'moj');
const ownDir = fileURLToPath(new URL('./assets/', import.meta.url));
const govukFiles = ['govuk-frontend.min.css', 'govuk-frontend.min.js'];

/** /assets: GOV.UK Frontend's (and MoJ Frontend's) styles, script, fonts and images straight from node_modules, and this app's own few files. */
export function setUpAssets(app: Express) {
  const options = { index: false, fallthrough: true, redirect: false };
  for (const file of govukFiles) app.get(`/assets/${file}`, (_req, res) => res.sendFile(join(govukDir, file)));
  // The Ministry of Justice patterns the staff pages use (the case timeline).
  app.get('/assets/moj-frontend.min.css', (_req, res) => res.sendFile(join(mojDir, 'moj-frontend.min.css')));
  app.use('/assets', express.static(join(govukDir, 'assets'), options));
  app.use('/assets', express.static(ownDir, options));
}
