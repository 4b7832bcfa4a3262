import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};
const cache = new Map<string, Uint8Array>();

/** The API reference's assets, served from the installed swagger-ui-dist package (no CDN). */
export function docsAsset(name: string): Response | null {
  const type = ASSETS[name];
  if (!type) return null;
  let bytes = cache.get(name);
  if (!bytes) {
    const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
    bytes = new Uint8Array(readFileSync(join(dir, name)));
    cache.set(name, bytes);
  }
  return new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': type, 'cache-control': 'public, max-age=86400' } });
}
