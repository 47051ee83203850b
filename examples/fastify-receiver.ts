/**
 * Example: the receiver registered in a Fastify app under a prefix.
 *
 *   MLUVII_WEBHOOK_PASSWORD=… npx tsx examples/fastify-receiver.ts
 */
import Fastify from 'fastify';
import { createReceiver, createTracker } from 'mluvii-state';
import { mluviiStatePlugin } from 'mluvii-state/fastify';

export async function createApp(options: { password: string; readToken: string }) {
  const tracker = createTracker();
  const receiver = createReceiver({ tracker, webhookUser: 'mluvii', webhookPassword: options.password, readToken: options.readToken });
  const app = Fastify();
  app.get('/hello', async () => ({ hello: 'world' })); // the app's own route, with Fastify's JSON parsing intact
  await app.register(mluviiStatePlugin, { receiver, prefix: '/mluvii' });
  return { app, tracker };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { app } = await createApp({ password: process.env.MLUVII_WEBHOOK_PASSWORD ?? 'change-me', readToken: process.env.MLUVII_READ_TOKEN ?? 'change-me' });
  await app.listen({ port: 8080, host: '127.0.0.1' });
  console.log('POST webhooks to http://127.0.0.1:8080/mluvii/webhooks/mluvii');
}
