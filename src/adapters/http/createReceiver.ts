/**
 * The webhook receiver and the reading API, framework-agnostic: a function from a Web `Request`
 * to a `Response` (Node 20 has both built in). `toNodeListener` adapts it to `node:http` (and so
 * to Express, mounted before any body parser); Hono and other fetch-style frameworks take it as is.
 *
 * Receiving: HTTP Basic credentials compared in constant time (mluvii sends the `user:pass@` of
 * the registered callback URL), or a shared token in the query string. Every authenticated body
 * is made durable in the store before the 2xx, then folded; bad bodies are still answered 2xx
 * and dead-lettered, since mluvii deletes a webhook that keeps failing.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { EVENT_TYPES } from '../../catalogue/catalogue.js';
import type { Tracker, TrackerNotice } from '../../tracker/createTracker.js';
import { redactSecrets } from '../../store/redact.js';
import { createAuth, credentialProblem } from './auth.js';
import { createEventStreamHub } from './eventStream.js';
import { createMetrics } from './metrics.js';
import { dashboardFile } from './dashboard.js';
import { createReadRoutes, json } from './readRoutes.js';

export interface ReceiverOptions {
  readonly tracker: Tracker;
  /** Webhook credentials (HTTP Basic). Omit both only with `insecureNoAuth`. Blank secrets are refused. */
  readonly webhookUser?: string;
  readonly webhookPassword?: string;
  /** Alternatively (or also), a token accepted as `?token=` on the webhook URL. */
  readonly webhookToken?: string;
  /** Bearer token for the reading endpoints. Omit only with `insecureNoAuth`. */
  readonly readToken?: string;
  /** Accept webhooks and reads without credentials (development only). */
  readonly insecureNoAuth?: boolean;
  /** Largest webhook body in bytes (413 beyond). Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Path webhooks are POSTed to. Default `/webhooks/mluvii`. */
  readonly webhookPath?: string;
  /** `/events` clients at once (503 beyond). Default 100. */
  readonly maxEventStreamClients?: number;
  /** Bytes queued for an `/events` client that does not read before it is dropped. Default 1 MiB. */
  readonly maxEventStreamBufferBytes?: number;
  /** Distinct event types outside the catalogue that get their own metrics series. Default 50. */
  readonly maxUnknownEventTypes?: number;
  readonly logger?: Logger;
}

export interface Receiver {
  handle(request: Request): Promise<Response>;
  /** Settles when every webhook being stored has been answered (for a graceful shutdown). */
  drain(): Promise<void>;
  /** Stops the SSE streams (for a graceful shutdown). */
  close(): void;
}

/** Seconds a sender is asked to wait after a 503 (the store cannot take the delivery now). */
const RETRY_AFTER_SECONDS = '5';

/** Reads at most `limit` bytes of the body; `null` when it is larger. */
async function readBody(request: Request, limit: number): Promise<Buffer | null> {
  if (request.body === null) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** A client's `x-request-id`, kept only when short and plain (it goes into logs and headers). */
const requestIdOf = (request: Request): string => {
  const given = request.headers.get('x-request-id');
  return given !== null && /^[A-Za-z0-9._:-]{1,64}$/.test(given) ? given : randomUUID();
};

/** Answer to an oversized body: the connection is closed after it, so the unread rest cannot be taken for a next request. */
const tooLarge = (limit: number) => json(413, { error: `body over ${limit} bytes` }, { connection: 'close' });

export function createReceiver(options: ReceiverOptions): Receiver {
  const { tracker, logger } = options;
  const insecure = options.insecureNoAuth === true;
  const credentials = { webhookUser: options.webhookUser, webhookPassword: options.webhookPassword, webhookToken: options.webhookToken, readToken: options.readToken };
  const problem = credentialProblem(credentials, insecure);
  if (problem !== null) throw new Error(problem);
  const auth = createAuth(credentials, insecure);
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const webhookPath = options.webhookPath ?? '/webhooks/mluvii';
  const metrics = createMetrics({ maxUnknownEventTypes: options.maxUnknownEventTypes ?? 50, knownEventTypes: EVENT_TYPES });
  const events = createEventStreamHub({
    ...(options.maxEventStreamClients === undefined ? {} : { maxClients: options.maxEventStreamClients }),
    ...(options.maxEventStreamBufferBytes === undefined ? {} : { maxBufferedBytes: options.maxEventStreamBufferBytes }),
  });
  const reads = createReadRoutes(tracker);
  const inFlight = new Set<Promise<unknown>>();
  const unsubscribe = tracker.subscribe((notice: TrackerNotice) => {
    if (notice.type === 'follow-failed') logger?.error({ err: redactSecrets(notice.message), retryInMs: notice.retryInMs }, 'following the shared store failed');
    events.publish(notice);
  });

  async function receive(request: Request, url: URL, requestId: string): Promise<Response> {
    if (!auth.webhook(request, url)) {
      return json(401, { error: 'unauthorized' }, { 'www-authenticate': 'Basic realm="mluvii-state"' });
    }
    const type = request.headers.get('content-type');
    if (type !== null && !/^application\/(.+\+)?json\b/i.test(type) && !/^text\/plain\b/i.test(type)) {
      return json(415, { error: 'expected application/json' });
    }
    const declared = Number(request.headers.get('content-length') ?? 0);
    if (declared > maxBodyBytes) return tooLarge(maxBodyBytes);
    const body = await readBody(request, maxBodyBytes);
    if (body === null) return tooLarge(maxBodyBytes);
    const started = performance.now();
    // Resolves once the delivery is durable in the store (journal fsync, PostgreSQL commit).
    const ingesting = tracker.ingest(body, { source: `request ${requestId}` });
    inFlight.add(ingesting);
    try {
      const result = await ingesting;
      metrics.observeIngest(result.eventType ?? 'unknown', result.outcome, (performance.now() - started) / 1000);
      if (result.outcome === 'rejected') logger?.warn({ requestId, error: result.error }, 'webhook body dead-lettered');
      return json(200, { outcome: result.outcome, position: result.position });
    } catch (error) {
      // Nothing was stored: never 2xx. mluvii retries; the sender is told when.
      metrics.observeStoreFailure();
      logger?.error({ requestId, err: redactSecrets((error as Error).message) }, 'webhook not stored: the store failed');
      return json(503, { error: 'the store cannot take deliveries now; retry later', requestId }, { 'retry-after': RETRY_AFTER_SECONDS });
    } finally {
      inFlight.delete(ingesting);
    }
  }

  async function health(): Promise<Response> {
    const status = await tracker.health();
    return status.ok
      ? json(200, { status: 'ok' })
      : json(503, { status: 'unavailable', reason: redactSecrets(status.message ?? 'the store cannot take deliveries') }, { 'retry-after': RETRY_AFTER_SECONDS });
  }

  async function read(url: URL): Promise<Response> {
    if (url.pathname === '/metrics') {
      return new Response(metrics.render(tracker.stats(), { eventStreamClients: events.clients, eventStreamClientsDropped: events.dropped }), { headers: { 'content-type': 'text/plain; version=0.0.4' } });
    }
    if (url.pathname === '/events') return events.open();
    return (await reads.handle(url)) ?? json(404, { error: 'not found' });
  }

  return {
    async handle(request) {
      const requestId = requestIdOf(request);
      const started = performance.now();
      let response: Response;
      let path = '?';
      try {
        // Routing looks at the path only: whatever the Host header says, it is not part of it.
        const url = new URL(request.url);
        let dashboard: Response | null;
        path = url.pathname;
        if (url.pathname === '/health') response = await health();
        else if (url.pathname === webhookPath) {
          response = request.method === 'POST' ? await receive(request, url, requestId) : json(405, { error: 'POST only' }, { allow: 'POST' });
        } else if (request.method !== 'GET') response = json(405, { error: 'GET only' }, { allow: 'GET' });
        else if ((dashboard = dashboardFile(url.pathname)) !== null) response = dashboard;
        else if (!auth.read(request)) response = json(401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer' });
        else response = await read(url);
      } catch (error) {
        // Never a crash: a bug answers 500 and is logged.
        logger?.error({ requestId, err: error }, 'request failed');
        response = json(500, { error: 'internal error', requestId });
      }
      response.headers.set('x-request-id', requestId);
      logger?.info({ requestId, method: request.method, path, status: response.status, ms: Math.round(performance.now() - started) }, 'request');
      return response;
    },
    async drain() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    close() {
      unsubscribe();
      events.close();
    },
  };
}
