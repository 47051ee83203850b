/**
 * `mluvii-state serve`: the webhook receiver and reading API as a service. Credentials come from
 * the environment: MLUVII_STATE_WEBHOOK_USER / MLUVII_STATE_WEBHOOK_PASSWORD (HTTP Basic, as in
 * the callback URL registered with mluvii), optionally MLUVII_STATE_WEBHOOK_TOKEN (`?token=`),
 * and MLUVII_STATE_READ_TOKEN (bearer token of the reading endpoints).
 */
import { isIP } from 'node:net';
import { pino } from 'pino';
import { credentialProblem } from '../adapters/http/auth.js';
import { createReceiver } from '../adapters/http/createReceiver.js';
import { startServer, type RunningServer } from '../adapters/http/startServer.js';
import { createTracker } from '../tracker/createTracker.js';
import { parseDuration } from './duration.js';
import { openStoreOption } from './openStore.js';
import { EXIT, printable, redactSecrets, type Output } from './output.js';

export interface ServeOptions {
  readonly port: string;
  readonly host: string;
  readonly store?: string;
  readonly insecureNoAuth?: boolean;
  /** Seconds a shutdown waits for requests in progress before closing their connections. */
  readonly shutdownGrace?: string;
  /** Seconds between snapshots of the folded state beside a journal (0: only at shutdown). */
  readonly snapshotEvery?: string;
  /** How long finished streams stay in memory (see `--retain`). */
  readonly retain?: string;
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));

/** A whole number from `min` to `max` given as text, or null. */
function whole(text: string, min: number, max: number): number | null {
  if (!/^\d{1,9}$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

export async function runServe(options: ServeOptions, io: Output, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const port = whole(options.port, 0, 65535);
  if (port === null) {
    io.err(`mluvii-state: --port ${JSON.stringify(printable(options.port, 20))} is not a port; give a whole number from 0 to 65535\n`);
    return EXIT.usage;
  }
  const graceSeconds = whole(options.shutdownGrace ?? '10', 0, 3600);
  if (graceSeconds === null) {
    io.err('mluvii-state: --shutdown-grace takes whole seconds from 0 to 3600\n');
    return EXIT.usage;
  }
  const snapshotSeconds = whole(options.snapshotEvery ?? '300', 0, 86_400);
  if (snapshotSeconds === null) {
    io.err('mluvii-state: --snapshot-every takes whole seconds from 0 to 86400\n');
    return EXIT.usage;
  }
  const retainFor = parseDuration(options.retain ?? '24h');
  if (retainFor === null) {
    io.err(`mluvii-state: --retain ${JSON.stringify(printable(options.retain ?? '', 20))} is not a duration; give e.g. 30m, 24h, 7d or never\n`);
    return EXIT.usage;
  }
  const logger = pino({ base: { service: 'mluvii-state' } });
  const credentials = {
    webhookUser: env.MLUVII_STATE_WEBHOOK_USER, webhookPassword: env.MLUVII_STATE_WEBHOOK_PASSWORD,
    webhookToken: env.MLUVII_STATE_WEBHOOK_TOKEN, readToken: env.MLUVII_STATE_READ_TOKEN,
  };
  const insecure = options.insecureNoAuth === true;
  const problem = credentialProblem(credentials, insecure);
  if (problem !== null) {
    io.err(`mluvii-state: ${problem.replace(/^(\w+) is empty/, (_, name: string) => `${envName(name)} is empty`)}. `
      + 'Set MLUVII_STATE_WEBHOOK_USER and MLUVII_STATE_WEBHOOK_PASSWORD (or MLUVII_STATE_WEBHOOK_TOKEN) and MLUVII_STATE_READ_TOKEN, or pass --insecure-no-auth\n');
    return EXIT.usage;
  }
  if (insecure && !isLoopback(options.host)) {
    const warning = `--insecure-no-auth on ${options.host}: anyone who can reach this address can post webhooks and read every session`;
    io.err(`mluvii-state: WARNING: ${warning}\n`);
    logger.warn({ host: options.host }, warning);
  }
  const opened = await openStoreOption(options.store, io, { create: true });
  if (opened === undefined) return EXIT.usage;
  if (opened === null) logger.warn('no --store given: events are kept in memory only and lost on exit');
  const tracker = createTracker(opened === null ? { retainFor } : { store: opened.store, retainFor });
  try {
    await tracker.ready;
  } catch (error) {
    io.err(`mluvii-state: cannot read the store: ${redactSecrets((error as Error).message)}\n`);
    await opened?.close();
    return EXIT.store;
  }
  const defined = Object.fromEntries(Object.entries(credentials).filter(([, v]) => v !== undefined)) as typeof credentials;
  // Sessions get stuck when nothing happens: re-judge `stalled` on a timer so that event-stream
  // clients hear about it.
  // Finished streams retire on the same timer, not only between deliveries: a quiet night too.
  const sweep = setInterval(() => {
    tracker.sweepStalled();
    tracker.retire();
  }, 30_000);
  sweep.unref();
  // A snapshot now and then, not only at shutdown: a restart after a crash re-folds only what
  // came after the latest one.
  const snapshots = snapshotSeconds === 0 || opened === null ? null : setInterval(() => {
    opened.saveSnapshot(tracker).catch((error: unknown) => logger.error({ err: redactSecrets((error as Error).message) }, 'could not write a snapshot'));
  }, snapshotSeconds * 1000);
  snapshots?.unref();
  const receiver = createReceiver({ tracker, logger, insecureNoAuth: insecure, ...defined });
  let server: RunningServer;
  try {
    server = await startServer((request) => receiver.handle(request), options.host, port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? `port ${port} on ${options.host} is in use; pick another with --port`
      : code === 'EACCES' ? `not allowed to listen on port ${port}; ports below 1024 need privileges, pick another with --port`
      : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' ? `${printable(options.host)} is not an address of this machine; check --host`
      : (error as Error).message;
    io.err(`mluvii-state: cannot listen: ${why}\n`);
    clearInterval(sweep);
    if (snapshots !== null) clearInterval(snapshots);
    receiver.close();
    await tracker.close();
    await opened?.close();
    return EXIT.usage;
  }
  logger.info({ host: server.address.address, port: server.address.port, store: options.store === undefined ? 'memory' : redactSecrets(options.store) }, 'listening');

  // Graceful shutdown, bounded: stop accepting, end event streams, give requests in progress the
  // grace period, then close what is left; always flush the store and write the snapshot.
  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal, graceSeconds }, 'shutting down');
      clearInterval(sweep);
      if (snapshots !== null) clearInterval(snapshots);
      receiver.close();
      await server.stop(graceSeconds * 1000);
      await receiver.drain();
      let code: number = EXIT.ok;
      try {
        await opened?.saveSnapshot(tracker);
      } catch (error) {
        logger.error({ err: redactSecrets((error as Error).message) }, 'could not write the snapshot; the next start re-folds the journal');
      }
      await tracker.close();
      try {
        await opened?.close();
      } catch (error) {
        logger.error({ err: redactSecrets((error as Error).message) }, 'closing the store failed');
        code = EXIT.store;
      }
      logger.info('stopped');
      resolve(code);
    };
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    process.once('SIGINT', () => void shutdown('SIGINT'));
  });
}

/** The environment variable behind a credential's name. */
function envName(name: string): string {
  return `MLUVII_STATE_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}
