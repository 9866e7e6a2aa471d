import { randomBytes } from 'node:crypto';
import type { Express, Response } from 'express';
import helmet from 'helmet';
import type { Config } from '../config.js';

/** Browser features the app never uses, all switched off (the header's empty allow-list). */
const unusedFeatures = [
  'accelerometer', 'autoplay', 'camera', 'display-capture', 'encrypted-media', 'fullscreen', 'geolocation', 'gyroscope',
  'magnetometer', 'microphone', 'midi', 'payment', 'picture-in-picture', 'publickey-credentials-get', 'screen-wake-lock',
  'serial', 'usb', 'xr-spatial-tracking',
];
const permissionsPolicy = unusedFeatures.map((f) => `${f}=()`).join(', ');

/** This response's script nonce, which the layouts put on their script tags (see sendHtml in pages.ts). */
export const cspNonce = (res: Response): string => res.locals.cspNonce as string;

/**
 * Headers on every response. Scripts run only with this response's nonce (and what
 * they load: 'strict-dynamic'), so an injected script tag never runs; nothing may
 * frame the app, change its base URL or post its forms elsewhere. HSTS is sent
 * outside development, where the app is behind TLS.
 */
export function setUpSecurityHeaders(app: Express, config: Pick<Config, 'development'>) {
  app.disable('x-powered-by');
  // Every response is no-store, so an ETag (a SHA-1 of each body) would never be used.
  app.set('etag', false);
  app.use((_req, res, next) => {
    res.locals.cspNonce = randomBytes(16).toString('base64');
    res.set({ 'Cache-Control': 'no-store', 'Permissions-Policy': permissionsPolicy });
    next();
  });
  app.use(
    helmet({
      referrerPolicy: { policy: 'no-referrer' },
      strictTransportSecurity: config.development ? false : { maxAge: 365 * 24 * 60 * 60, includeSubDomains: true },
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: [(_req, res) => `'nonce-${cspNonce(res as Response)}'`, "'strict-dynamic'"],
          scriptSrcAttr: ["'none'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
          ...(config.development ? {} : { upgradeInsecureRequests: [] }),
        },
      },
    }),
  );
}
