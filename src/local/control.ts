// The control server's routes (the live page of a local run): the page, its chart library served from
// node_modules (no CDN: the page works offline), the run's state and its history as JSON.
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { createRequire } from 'node:module';
import type { LocalState } from './state.js';
import type { RunHistory } from './history.js';
import { livePage } from './page.js';

const require = createRequire(import.meta.url);
const ASSETS: Record<string, { file: string; type: string }> = {
  '/assets/uplot.js': { file: 'uplot/dist/uPlot.iife.min.js', type: 'text/javascript; charset=utf-8' },
  '/assets/uplot.css': { file: 'uplot/dist/uPlot.min.css', type: 'text/css; charset=utf-8' },
};
const assetCache = new Map<string, Buffer>();

function asset(route: string): { body: Buffer; type: string } | undefined {
  const a = ASSETS[route];
  if (!a) return undefined;
  let body = assetCache.get(route);
  if (!body) {
    body = readFileSync(require.resolve(a.file));
    assetCache.set(route, body);
  }
  return { body, type: a.type };
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

export interface ControlSources {
  appUrl: string;
  state(): LocalState;
  history: RunHistory;
}

export function controlHandler(src: ControlSources): http.RequestListener {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return json(res, 405, { message: `${req.method} is not allowed here; use GET` });
    const url = new URL(req.url ?? '/', 'http://control');
    switch (url.pathname) {
      case '/api/state':
        return json(res, 200, src.state());
      case '/api/history': {
        const since = url.searchParams.get('since');
        if (since !== null && !/^\d{1,15}$/.test(since)) {
          return json(res, 400, { message: 'since must be a time in milliseconds since 1970 (a whole number)' });
        }
        return json(res, 200, src.history.view(since === null ? undefined : Number(since)));
      }
      case '/favicon.ico':
        res.writeHead(204);
        return void res.end();
      case '/':
      case '/index.html':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return void res.end(livePage(src.appUrl));
    }
    const a = asset(url.pathname);
    if (a) {
      res.writeHead(200, { 'content-type': a.type, 'cache-control': 'max-age=3600' });
      return void res.end(a.body);
    }
    json(res, 404, { message: `no page at ${url.pathname}; the live page is at /` });
  };
}
