import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../web/dashboard');

/** Every file the dashboard may load, with its type and where it lives: a fixed list, no path from the request. */
const ASSETS: Record<string, { type: string; file: () => string }> = {
  'index.html': { type: 'text/html; charset=utf-8', file: () => join(WEB_DIR, 'index.html') },
  'app.js': { type: 'text/javascript; charset=utf-8', file: () => join(WEB_DIR, 'app.js') },
  'chart.js': { type: 'text/javascript; charset=utf-8', file: () => join(WEB_DIR, 'chart.js') },
  'tables.js': { type: 'text/javascript; charset=utf-8', file: () => join(WEB_DIR, 'tables.js') },
  'style.css': { type: 'text/css; charset=utf-8', file: () => join(WEB_DIR, 'style.css') },
  'uPlot.iife.min.js': { type: 'text/javascript; charset=utf-8', file: () => join(uplotDir(), 'uPlot.iife.min.js') },
  'uPlot.min.css': { type: 'text/css; charset=utf-8', file: () => join(uplotDir(), 'uPlot.min.css') },
};

function uplotDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
}

const cache = new Map<string, Uint8Array>();

/** The dashboard's files from web/dashboard and the installed uPlot package (no CDN). */
export function dashboardAsset(name: string): Response | null {
  const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!asset) return null;
  let bytes = cache.get(name);
  if (!bytes) {
    bytes = new Uint8Array(readFileSync(asset.file()));
    cache.set(name, bytes);
  }
  return new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': asset.type, 'cache-control': 'public, max-age=300' } });
}
