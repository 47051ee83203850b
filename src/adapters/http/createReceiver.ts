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
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { Tracker, TrackerNotice } from '../../tracker/createTracker.js';
import type { AnomalyKind, SessionStatus } from '../../types.js';
import { createMetrics } from './metrics.js';

export interface ReceiverOptions {
  readonly tracker: Tracker;
  /** Webhook credentials (HTTP Basic). Omit both only with `insecureNoAuth`. */
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
  readonly logger?: Logger;
}

export interface Receiver {
  handle(request: Request): Promise<Response>;
  /** Stops the SSE streams (for a graceful shutdown). */
  close(): void;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** Constant-time equality of two secrets (hashed first, so lengths do not leak either). */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

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

const SESSION_STATUSES = new Set<string>(['created', 'queued', 'active', 'ended', 'after-call-work', 'closed']);

export function createReceiver(options: ReceiverOptions): Receiver {
  const { tracker, logger } = options;
  const insecure = options.insecureNoAuth === true;
  const hasWebhookAuth = (options.webhookUser !== undefined && options.webhookPassword !== undefined) || options.webhookToken !== undefined;
  if (!insecure && (!hasWebhookAuth || options.readToken === undefined)) {
    throw new Error('webhook credentials and a read token are required (or insecureNoAuth)');
  }
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const webhookPath = options.webhookPath ?? '/webhooks/mluvii';
  const metrics = createMetrics();
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const encoder = new TextEncoder();
  const unsubscribe = tracker.subscribe((notice: TrackerNotice) => {
    if (notice.type === 'follow-failed') logger?.error({ err: notice.error, retryInMs: notice.retryInMs }, 'following the shared store failed');
    if (streams.size === 0) return;
    const event = notice.type === 'state-changed' ? 'state-changed' : notice.type;
    const chunk = encoder.encode(`event: ${event}\ndata: ${JSON.stringify(notice)}\n\n`);
    for (const controller of streams) controller.enqueue(chunk);
  });

  function webhookAuthorized(request: Request, url: URL): boolean {
    if (insecure && !hasWebhookAuth) return true;
    const token = url.searchParams.get('token');
    if (options.webhookToken !== undefined && token !== null && sameSecret(token, options.webhookToken)) return true;
    const header = request.headers.get('authorization') ?? '';
    if (options.webhookUser === undefined || options.webhookPassword === undefined || !header.startsWith('Basic ')) return false;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    // Both compared, always, so timing does not tell which one was wrong.
    const userOk = sameSecret(decoded.slice(0, colon), options.webhookUser);
    const passwordOk = sameSecret(decoded.slice(colon + 1), options.webhookPassword);
    return userOk && passwordOk;
  }

  function readAuthorized(request: Request): boolean {
    if (insecure && options.readToken === undefined) return true;
    const header = request.headers.get('authorization') ?? '';
    return header.startsWith('Bearer ') && options.readToken !== undefined && sameSecret(header.slice(7), options.readToken);
  }

  async function receive(request: Request, url: URL, requestId: string): Promise<Response> {
    if (!webhookAuthorized(request, url)) {
      return json(401, { error: 'unauthorized' }, { 'www-authenticate': 'Basic realm="mluvii-state"' });
    }
    const type = request.headers.get('content-type');
    if (type !== null && !/^application\/(.+\+)?json\b/i.test(type) && !/^text\/plain\b/i.test(type)) {
      return json(415, { error: 'expected application/json' });
    }
    const declared = Number(request.headers.get('content-length') ?? 0);
    if (declared > maxBodyBytes) return json(413, { error: `body over ${maxBodyBytes} bytes` });
    const body = await readBody(request, maxBodyBytes);
    if (body === null) return json(413, { error: `body over ${maxBodyBytes} bytes` });
    const started = performance.now();
    // Resolves once the delivery is durable in the store (journal fsync, PostgreSQL commit).
    const result = await tracker.ingest(body, { source: `request ${requestId}` });
    metrics.observeIngest(result.eventType ?? 'unknown', result.outcome, (performance.now() - started) / 1000);
    if (result.outcome === 'rejected') logger?.warn({ requestId, error: result.error }, 'webhook body dead-lettered');
    return json(200, { outcome: result.outcome, position: result.position });
  }

  function read(url: URL): Response {
    const path = url.pathname;
    const q = url.searchParams;
    let match: RegExpExecArray | null;
    if ((match = /^\/sessions\/(\d+)$/.exec(path)) !== null) {
      const view = tracker.session(Number(match[1]));
      return view === null ? json(404, { error: 'no such session' }) : json(200, view);
    }
    if (path === '/sessions') {
      const status = q.get('status');
      if (status !== null && !SESSION_STATUSES.has(status)) return json(400, { error: `unknown status ${status}` });
      const operator = q.get('operator');
      return json(200, tracker.sessions({
        ...(status === null ? {} : { status: status as SessionStatus }),
        ...(operator === null ? {} : { operator: Number(operator) }),
      }));
    }
    if ((match = /^\/operators\/(\d+)$/.exec(path)) !== null) {
      const view = tracker.operator(Number(match[1]));
      return view === null ? json(404, { error: 'no such operator' }) : json(200, view);
    }
    if (path === '/operators') return json(200, tracker.operators());
    if ((match = /^\/email-threads\/(\d+)$/.exec(path)) !== null) {
      const view = tracker.emailThread(Number(match[1]));
      return view === null ? json(404, { error: 'no such e-mail thread' }) : json(200, view);
    }
    if (path === '/email-threads') return json(200, tracker.emailThreads());
    if (path === '/anomalies') {
      const kind = q.get('kind');
      const since = q.get('since');
      return json(200, tracker.anomalies({
        ...(kind === null ? {} : { kind: kind as AnomalyKind }),
        ...(since === null ? {} : { sincePosition: Number(since) }),
      }));
    }
    if ((match = /^\/timeline\/(.+)$/.exec(path)) !== null) {
      let stream: string;
      try {
        stream = decodeURIComponent(match[1]!);
      } catch {
        return json(400, { error: 'malformed stream id' });
      }
      return json(200, tracker.timeline(stream));
    }
    if (path === '/metrics') {
      return new Response(metrics.render(tracker.stats()), { headers: { 'content-type': 'text/plain; version=0.0.4' } });
    }
    if (path === '/events') {
      let own: ReadableStreamDefaultController<Uint8Array>;
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          own = controller;
          streams.add(controller);
          controller.enqueue(encoder.encode(': connected\n\n'));
        },
        cancel() { streams.delete(own); },
      });
      return new Response(stream, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
    }
    return json(404, { error: 'not found' });
  }

  return {
    async handle(request) {
      const requestId = request.headers.get('x-request-id') ?? randomUUID();
      const started = performance.now();
      let response: Response;
      let path = '?';
      try {
        const url = new URL(request.url);
        path = url.pathname;
        if (url.pathname === '/health') response = json(200, { status: 'ok' });
        else if (url.pathname === webhookPath) {
          response = request.method === 'POST' ? await receive(request, url, requestId) : json(405, { error: 'POST only' }, { allow: 'POST' });
        } else if (request.method !== 'GET') response = json(405, { error: 'GET only' }, { allow: 'GET' });
        else if (!readAuthorized(request)) response = json(401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer' });
        else response = read(url);
      } catch (error) {
        // Never a crash: a failing store or a bug answers 500 and is logged.
        logger?.error({ requestId, err: error }, 'request failed');
        response = json(500, { error: 'internal error', requestId });
      }
      response.headers.set('x-request-id', requestId);
      logger?.info({ requestId, method: request.method, path, status: response.status, ms: Math.round(performance.now() - started) }, 'request');
      return response;
    },
    close() {
      unsubscribe();
      for (const controller of streams) controller.close();
      streams.clear();
    },
  };
}
