/**
 * Example: the receiver mounted in an Express app, next to the app's own routes.
 *
 *   MLUVII_WEBHOOK_PASSWORD=… npx tsx examples/express-receiver.ts
 *
 * Mount it before any body parser: it reads the raw body itself (size limit, UTF-8 check).
 */
import express from 'express';
import { createReceiver, createTracker, toNodeListener } from 'mluvii-state';

export function createApp(options: { password: string; readToken: string }) {
  const tracker = createTracker();
  const receiver = createReceiver({ tracker, webhookUser: 'mluvii', webhookPassword: options.password, readToken: options.readToken });
  const app = express();
  app.get('/hello', (_req, res) => { res.json({ hello: 'world' }); }); // the app's own route
  app.use('/mluvii', toNodeListener((request) => receiver.handle(request)));
  return { app, tracker };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { app } = createApp({ password: process.env.MLUVII_WEBHOOK_PASSWORD ?? 'change-me', readToken: process.env.MLUVII_READ_TOKEN ?? 'change-me' });
  app.listen(8080, '127.0.0.1', () => console.log('POST webhooks to http://127.0.0.1:8080/mluvii/webhooks/mluvii'));
}
