import type { Express } from 'express';

/**
 * The routes an express 5 app answers, read from its router stack (not a test file itself):
 * every route with each method it declares (`GET /cases/:id`), through nested routers, and every
 * middleware mounted on a path of its own (`USE /assets`, a static directory). Middleware on `/`
 * (parsers, sessions, headers, the 404 page) and error handlers are not routes.
 *
 * Express 5's router (router 2) keeps a layer's mount path as `rawPath`; if a later version drops it,
 * this throws rather than silently reading every mount as `/`.
 */

export interface RouteKey {
  method: string;
  path: string;
}

interface Layer {
  rawPath?: unknown;
  slash?: boolean;
  name?: string;
  handle: ((...args: unknown[]) => unknown) & { stack?: Layer[] };
  route?: { path: unknown; methods: Record<string, boolean> };
}

const pathOf = (raw: unknown, where: string): string[] => {
  if (typeof raw === 'string') return [raw];
  if (Array.isArray(raw) && raw.every((p) => typeof p === 'string')) return raw as string[];
  throw new Error(`${where}: a path the route table cannot name (${String(raw)}); give the access matrix a way to name it`);
};

const join = (prefix: string, path: string) => (prefix + (path === '/' && prefix ? '' : path)).replace(/\/{2,}/g, '/') || '/';

export function routeTable(app: Express): RouteKey[] {
  const router = (app as unknown as { router?: { stack?: Layer[] } }).router;
  if (!router?.stack) throw new Error('the app has no router stack: express changed how it keeps its routes');
  const found: RouteKey[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of pathOf(layer.route.path, `route under ${prefix || '/'}`)) {
          for (const method of Object.keys(layer.route.methods)) found.push({ method: method === '_all' ? 'ALL' : method.toUpperCase(), path: join(prefix, path) });
        }
        continue;
      }
      if (layer.handle.length === 4) continue; // an error handler
      const mounted = layer.slash ? ['/'] : layer.rawPath === undefined ? undefined : pathOf(layer.rawPath, `middleware ${layer.name ?? ''} under ${prefix || '/'}`);
      if (!mounted) throw new Error(`middleware ${layer.name ?? ''} under ${prefix || '/'} has no rawPath: express's router no longer says where it is mounted`);
      for (const at of mounted) {
        if (layer.handle.stack) walk(layer.handle.stack, at === '/' ? prefix : join(prefix, at));
        else if (at !== '/') found.push({ method: 'USE', path: join(prefix, at) });
      }
    }
  };
  walk(router.stack, '');
  // The same mount twice (two static directories on /assets) is one entry.
  return [...new Map(found.map((r) => [`${r.method} ${r.path}`, r])).values()];
}
