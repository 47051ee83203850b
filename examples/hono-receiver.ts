/**
 * Example: the receiver in a Hono app. Hono speaks Web `Request`/`Response`, so the receiver's
 * handler is mounted as it is, with no adapter.
 *
 *   MLUVII_WEBHOOK_PASSWORD=… npx tsx examples/hono-receiver.ts
 */
import { Hono } from 'hono';
import { createReceiver, createTracker } from 'mluvii-state';

export function createApp(options: { password: string; readToken: string }) {
  const tracker = createTracker();
  const receiver = createReceiver({ tracker, webhookUser: 'mluvii', webhookPassword: options.password, readToken: options.readToken });
  const mluvii = new Hono().all('*', (c) => receiver.handle(c.req.raw));
  const app = new Hono();
  app.get('/hello', (c) => c.json({ hello: 'world' }));
  // The receiver's paths (/webhooks/mluvii, /sessions, ...) are its own: strip the mount prefix.
  app.all('/mluvii/*', (c) => {
    const url = new URL(c.req.url);
    url.pathname = url.pathname.slice('/mluvii'.length) || '/';
    return mluvii.fetch(new Request(url, c.req.raw));
  });
  return { app, tracker };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { createServer } = await import('node:http');
  const { toNodeListener } = await import('mluvii-state');
  const { app } = createApp({ password: process.env.MLUVII_WEBHOOK_PASSWORD ?? 'change-me', readToken: process.env.MLUVII_READ_TOKEN ?? 'change-me' });
  createServer(toNodeListener((request) => Promise.resolve(app.fetch(request)))).listen(8080, '127.0.0.1');
  console.log('POST webhooks to http://127.0.0.1:8080/mluvii/webhooks/mluvii');
}
