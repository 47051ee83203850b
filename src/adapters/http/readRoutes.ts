/**
 * The reading API: views, anomalies, timelines, KPIs and the picture now. Every listing is paginated: `?limit=` (default
 * 100, at most 1000) and `?cursor=` (the `nextCursor` of the previous page); a page is
 * `{ items, nextCursor }`, `nextCursor` null on the last page.
 */
import type { Tracker } from '../../tracker/createTracker.js';
import type { AnomalyKind, SessionStatus } from '../../types.js';
import { INTERVAL_MS, type KpiInterval, type KpiOptions } from '../../views/kpis.js';

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

const SESSION_STATUSES = new Set<string>(['created', 'queued', 'active', 'ended', 'after-call-work', 'closed']);

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

class BadRequest extends Error {}

/** A non-negative whole number from the query, or `fallback` when absent. */
function wholeNumber(q: URLSearchParams, name: string, fallback: number | undefined): number | undefined {
  const text = q.get(name);
  if (text === null) return fallback;
  if (!/^\d{1,15}$/.test(text)) throw new BadRequest(`${name} must be a whole number, got ${JSON.stringify(text.slice(0, 40))}`);
  return Number(text);
}

function pageSize(q: URLSearchParams): number {
  const limit = wholeNumber(q, 'limit', DEFAULT_PAGE_SIZE)!;
  if (limit < 1 || limit > MAX_PAGE_SIZE) throw new BadRequest(`limit must be from 1 to ${MAX_PAGE_SIZE}`);
  return limit;
}

/** An instant from the query: ISO 8601 or epoch milliseconds. */
function instant(q: URLSearchParams, name: string): number {
  const text = q.get(name);
  if (text === null) throw new BadRequest(`${name} is required (ISO 8601 or epoch ms)`);
  const ms = /^\d{1,15}$/.test(text) ? Number(text) : Date.parse(text);
  if (Number.isNaN(ms)) throw new BadRequest(`${name} must be an ISO 8601 instant or epoch ms, got ${JSON.stringify(text.slice(0, 40))}`);
  return ms;
}

const INTERVALS = new Set(Object.keys(INTERVAL_MS));

/** `kpis()` options from the query (`from`, `to`, `interval`, filters, thresholds). */
function kpiOptions(q: URLSearchParams): KpiOptions {
  const from = instant(q, 'from');
  const to = instant(q, 'to');
  if (to <= from) throw new BadRequest('to must be after from');
  const interval = q.get('interval');
  if (interval !== null && !INTERVALS.has(interval)) throw new BadRequest('interval must be 15m, 1h or 1d');
  if (interval !== null && (to - from) / INTERVAL_MS[interval as KpiInterval] > 10_000) {
    throw new BadRequest('more than 10,000 intervals; choose a longer interval or a shorter window');
  }
  const tenantId = wholeNumber(q, 'tenantId', undefined);
  const serviceLevelSeconds = wholeNumber(q, 'serviceLevelSeconds', undefined);
  const shortAbandonSeconds = wholeNumber(q, 'shortAbandonSeconds', undefined);
  const channel = q.get('channel');
  const source = q.get('source');
  return {
    from, to, ...(interval === null ? {} : { interval: interval as KpiInterval }),
    ...(tenantId === undefined ? {} : { tenantId }), ...(channel === null ? {} : { channel }), ...(source === null ? {} : { source }),
    ...(serviceLevelSeconds === undefined ? {} : { serviceLevelSeconds }), ...(shortAbandonSeconds === undefined ? {} : { shortAbandonSeconds }),
  };
}

/** A page of a listing by id: the cursor is the last id of the previous page. */
function byId<T>(q: URLSearchParams, list: (after: number | undefined, limit: number) => T[], idOf: (item: T) => number): Response {
  const limit = pageSize(q);
  // One more than asked tells whether a next page exists.
  const items = list(wholeNumber(q, 'cursor', undefined), limit + 1);
  const more = items.length > limit;
  if (more) items.length = limit;
  return json(200, { items, nextCursor: more ? String(idOf(items.at(-1)!)) : null });
}

export function createReadRoutes(tracker: Tracker) {
  async function route(url: URL): Promise<Response | null> {
    const path = url.pathname;
    const q = url.searchParams;
    let match: RegExpExecArray | null;
    if ((match = /^\/sessions\/(\d{1,15})$/.exec(path)) !== null) {
      // Single entities and timelines reach retired ones too (read back from the store).
      const view = await tracker.findSession(Number(match[1]));
      return view === null ? json(404, { error: 'no such session' }) : json(200, view);
    }
    if (path === '/sessions') {
      const status = q.get('status');
      if (status !== null && !SESSION_STATUSES.has(status)) throw new BadRequest(`unknown status ${JSON.stringify(status.slice(0, 40))}`);
      const operator = wholeNumber(q, 'operator', undefined);
      return byId(q, (after, limit) => tracker.sessions({
        ...(status === null ? {} : { status: status as SessionStatus }),
        ...(operator === undefined ? {} : { operator }),
        ...(after === undefined ? {} : { after }), limit,
      }), (view) => view.id);
    }
    if ((match = /^\/operators\/(\d{1,15})$/.exec(path)) !== null) {
      const view = await tracker.findOperator(Number(match[1]));
      return view === null ? json(404, { error: 'no such operator' }) : json(200, view);
    }
    if (path === '/operators') return byId(q, (after, limit) => tracker.operators({ ...(after === undefined ? {} : { after }), limit }), (o) => o.userId);
    if ((match = /^\/email-threads\/(\d{1,15})$/.exec(path)) !== null) {
      const view = await tracker.findEmailThread(Number(match[1]));
      return view === null ? json(404, { error: 'no such e-mail thread' }) : json(200, view);
    }
    if (path === '/email-threads') return byId(q, (after, limit) => tracker.emailThreads({ ...(after === undefined ? {} : { after }), limit }), (t) => t.id);
    if (path === '/anomalies') {
      // Anomalies have no id of their own: the cursor is how many came before.
      const kind = q.get('kind');
      const since = wholeNumber(q, 'since', undefined);
      const limit = pageSize(q);
      const from = wholeNumber(q, 'cursor', 0)!;
      const all = tracker.anomalies({ ...(kind === null ? {} : { kind: kind as AnomalyKind }), ...(since === undefined ? {} : { sincePosition: since }) });
      // `order=newest`: the latest first (what a feed shows); default: store order.
      const order = q.get('order');
      if (order !== null && order !== 'newest' && order !== 'oldest') throw new BadRequest('order must be newest or oldest');
      if (order === 'newest') all.reverse();
      return json(200, { items: all.slice(from, from + limit), nextCursor: from + limit < all.length ? String(from + limit) : null });
    }
    if (path === '/kpis') return json(200, await tracker.kpis(kpiOptions(q)));
    if (path === '/now') return json(200, tracker.now());
    if (path === '/stats') return json(200, tracker.stats());
    if ((match = /^\/timeline\/(.+)$/.exec(path)) !== null) {
      let stream: string;
      try {
        stream = decodeURIComponent(match[1]!);
      } catch {
        throw new BadRequest('malformed stream id');
      }
      return json(200, await tracker.findTimeline(stream));
    }
    return null;
  }
  return {
    /** The response to a reading request, or null when no route matches. */
    async handle(url: URL): Promise<Response | null> {
      try {
        return await route(url);
      } catch (error) {
        if (error instanceof BadRequest) return json(400, { error: error.message });
        throw error;
      }
    },
  };
}
