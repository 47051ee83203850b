/**
 * `mluvii-state serve`: the webhook receiver and reading API as a service. Credentials come from
 * the environment: MLUVII_STATE_WEBHOOK_USER / MLUVII_STATE_WEBHOOK_PASSWORD (HTTP Basic, as in
 * the callback URL registered with mluvii), optionally MLUVII_STATE_WEBHOOK_TOKEN (`?token=`),
 * and MLUVII_STATE_READ_TOKEN (bearer token of the reading endpoints).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createReceiver } from '../adapters/http/createReceiver.js';
import { toNodeListener } from '../adapters/http/toNodeListener.js';
import { createTracker } from '../tracker/createTracker.js';
import { openStoreOption } from './openStore.js';
import type { Output } from './replayCommand.js';

export interface ServeOptions {
  readonly port: string;
  readonly host: string;
  readonly store?: string;
  readonly insecureNoAuth?: boolean;
}

export async function runServe(options: ServeOptions, io: Output, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const logger = pino({ base: { service: 'mluvii-state' } });
  const credentials = {
    webhookUser: env.MLUVII_STATE_WEBHOOK_USER, webhookPassword: env.MLUVII_STATE_WEBHOOK_PASSWORD,
    webhookToken: env.MLUVII_STATE_WEBHOOK_TOKEN, readToken: env.MLUVII_STATE_READ_TOKEN,
  };
  const hasWebhookAuth = (credentials.webhookUser !== undefined && credentials.webhookPassword !== undefined) || credentials.webhookToken !== undefined;
  if (options.insecureNoAuth !== true && (!hasWebhookAuth || credentials.readToken === undefined)) {
    io.err('mluvii-state: set MLUVII_STATE_WEBHOOK_USER and MLUVII_STATE_WEBHOOK_PASSWORD (or MLUVII_STATE_WEBHOOK_TOKEN) and MLUVII_STATE_READ_TOKEN, or pass --insecure-no-auth\n');
    return 2;
  }
  const opened = await openStoreOption(options.store, io);
  if (opened === undefined) return 2;
  if (opened === null) logger.warn('no --store given: events are kept in memory only and lost on exit');
  const tracker = createTracker(opened === null ? {} : { store: opened.store });
  await tracker.ready;
  const defined = Object.fromEntries(Object.entries(credentials).filter(([, v]) => v !== undefined)) as typeof credentials;
  // Sessions get stuck when nothing happens: re-judge `stalled` on a timer so that event-stream
  // clients hear about it.
  const sweep = setInterval(() => tracker.sweepStalled(), 30_000);
  sweep.unref();
  const receiver = createReceiver({ tracker, logger, insecureNoAuth: options.insecureNoAuth === true, ...defined });
  const server = createServer(toNodeListener((request) => receiver.handle(request)));
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(Number(options.port), options.host, resolve));
  const address = server.address() as AddressInfo;
  logger.info({ host: address.address, port: address.port, store: options.store ?? 'memory' }, 'listening');

  // Graceful shutdown: stop accepting, end event streams, drain in-flight requests, flush the store.
  return new Promise<number>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      clearInterval(sweep);
      receiver.close();
      server.close(async () => {
        await opened?.saveSnapshot(tracker);
        await tracker.close();
        await opened?.close();
        logger.info('stopped');
        resolve(0);
      });
      server.closeIdleConnections();
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
}
