/**
 * The live dashboard's files (dashboard/), served by the receiver at `/` from the package itself:
 * no CDN, no build step. The page holds no data; it reads the API with the read token it asks for.
 */
import { readFileSync } from 'node:fs';

const FILES: Record<string, { readonly name: string; readonly type: string }> = {
  '/': { name: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard.js': { name: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard.css': { name: 'dashboard.css', type: 'text/css; charset=utf-8' },
};

const cache = new Map<string, string>();

/** The dashboard file at `path`, or null when `path` is not one. */
export function dashboardFile(path: string): Response | null {
  const file = FILES[path];
  if (file === undefined) return null;
  let text = cache.get(file.name);
  if (text === undefined) {
    text = readFileSync(new URL(`./dashboard/${file.name}`, import.meta.url), 'utf8');
    cache.set(file.name, text);
  }
  return new Response(text, {
    headers: {
      'content-type': file.type, 'cache-control': 'no-cache',
      // The page runs only its own script and talks only to this service.
      'content-security-policy': "default-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'",
    },
  });
}
