/**
 * `createTracker`: feed it every webhook body; ask it for the state of sessions, operators and
 * e-mail threads, and for what is wrong with the stream.
 *
 * Per delivery: parse and dedupe (dedupe.ts) -> append to the store -> insert into its stream in
 * canonical order and fold (picture.ts) -> anomaly changes -> notify. Queries are queries.ts; a
 * shared store is followed by follower.ts. This module only wires them.
 */
import { createMemoryStore } from '../store/createMemoryStore.js';
import { isHistoryStore, isLoggedStore, isSharedStore, type StoreHealth, type StoreRecord } from '../store/eventStore.js';
import { streamOfRecord } from '../store/records.js';
import { createPackedLog } from '../store/packedLog.js';
import { DEFAULT_STALLED_THRESHOLDS, type StalledThresholds } from '../views/stalled.js';
import type { Anomaly } from '../types.js';
import { createDedupe } from './dedupe.js';
import { createFollower } from './follower.js';
import { createHistory } from './history.js';
import { createHistoryQueries } from './historyQueries.js';
import { createKpiQueries } from './kpiQueries.js';
import { createPicture } from './picture.js';
import { createQueries } from './queries.js';
import { createRetirement, DEFAULT_RETAIN_FOR_MS } from './retirement.js';
import { encodeImage } from './snapshotImage.js';
import { canStartFromSnapshot, startFromSnapshot } from './start.js';
import type { IngestOptions, IngestResult, Tracker, TrackerNotice, TrackerOptions, TrackerSnapshot } from './types.js';
import type { ParseResult } from '../types.js';
import type { AnyStream } from './picture.js';

export type * from './types.js';

function toMs(receivedAt: IngestOptions['receivedAt'], clock: () => number): number {
  if (receivedAt === undefined) return clock();
  if (typeof receivedAt === 'number') return receivedAt;
  return receivedAt instanceof Date ? receivedAt.getTime() : Date.parse(receivedAt);
}

/** Deliveries applied between two retirement checks (a check asks the clock and takes what is due from a queue). */
const SWEEP_EVERY = 4096;

/** A stalled anomaly's identity across sweeps: what it is about, and since when. */
const stalledKey = (a: Anomaly) => `${a.stream}|${a.message}|${a.stalled?.since}`;

/**
 * Creates a tracker. With a store that already holds records (an in-memory store, or a durable
 * one read synchronously), the tracker first re-folds them: views and anomalies come out exactly
 * as they were when the events went in.
 *
 * @example
 * const tracker = createTracker();
 * await tracker.ingest(body);
 * tracker.session(7371450)?.status; // 'active'
 */
export function createTracker(options: TrackerOptions = {}): Tracker {
  const store = options.store ?? createMemoryStore();
  const clock = options.clock ?? Date.now;
  const thresholds: StalledThresholds = { ...DEFAULT_STALLED_THRESHOLDS, ...options.stalledAfter };
  /**
   * The accepted events, packed, addressed by slot: the store's own log when it keeps one in
   * memory, else a copy (a shared store's rows live in the database).
   */
  const log = isLoggedStore(store) ? store.log : createPackedLog();
  const dedupe = createDedupe(log, options.parse);
  const picture = createPicture(log, !isLoggedStore(store), dedupe);
  // Retirement needs a store to bring streams back from.
  const historyStore = isHistoryStore(store) ? store : null;
  const retainFor = historyStore === null ? Infinity : options.retainFor ?? DEFAULT_RETAIN_FOR_MS;
  const retirement = createRetirement(picture, dedupe, retainFor);
  // Over a shared store, a stream is read back only up to what the follower has folded.
  const history = historyStore === null ? null
    : createHistory(picture, retirement, historyStore, isSharedStore(store) ? () => following?.checkpoint() ?? null : undefined);
  const queries = createQueries(picture, clock, thresholds, retirement.counts);
  /** Applies until the next retirement check, and the latest receive time applied (a capture's clock). */
  let untilSweep = SWEEP_EVERY;
  let latestReceivedAt = -Infinity;
  const listeners = new Set<(notice: TrackerNotice) => void>();
  /** Settles when every append issued so far has been applied (async stores). */
  let applied: Promise<void> = Promise.resolve();
  /** Stalled anomalies of the last sweep, by what they are about. */
  let lastStalled = new Map<string, Anomaly>();

  function notify(notice: TrackerNotice): void {
    for (const listener of listeners) {
      try {
        listener(notice);
      } catch {
        // A failing listener must not break ingestion or the other listeners.
      }
    }
  }

  /**
   * Retires what has finished and idled for `retainFor`, by the later of the clock and the latest
   * receive time applied (a replayed capture runs on its own time); archives their final views.
   */
  function retire(): number {
    if (history === null || retainFor === Infinity) return 0;
    const due = retirement.due(Math.max(clock(), latestReceivedAt));
    if (due.length === 0) return 0;
    archive(due);
    retirement.retire(due);
    history.retired(due);
    return due.length;
  }

  /** Brings back the retired streams of records about to be folded (a page of a shared log). */
  async function bringBackStreamsOf(records: readonly StoreRecord[]): Promise<void> {
    if (!history?.any) return;
    const streams = new Set<string>();
    for (const record of records) {
      const stream = streamOfRecord(record);
      if (stream !== null && history.mayBeRetired(stream)) streams.add(stream);
    }
    for (const stream of streams) await history.bringBack(stream);
  }

  /**
   * Applies a stored record and tells whoever waits or listens. `broughtBack`: its stream is in
   * memory if it had retired (its ingest, or a shared log's page, brought it back; records read
   * from the store at a start have not).
   */
  function finish(record: StoreRecord, broughtBack: boolean = following !== null): IngestResult {
    if (!broughtBack && history?.any) {
      const stream = streamOfRecord(record);
      if (stream !== null) history.bringBackBefore(stream, record.position);
    }
    const result = picture.apply(record);
    const applied = picture.takeLastApplied();
    if (applied !== null) retirement.touched(applied);
    dedupe.settled(record);
    if (record.receivedAt > latestReceivedAt) latestReceivedAt = record.receivedAt;
    if (--untilSweep === 0) {
      untilSweep = SWEEP_EVERY;
      retire();
    }
    if (following !== null) following.settle(result);
    if (listeners.size > 0) {
      for (const stream of result.streams) notify({ type: 'state-changed', stream, position: record.position });
      for (const anomaly of result.raised) notify({ type: 'anomaly-raised', anomaly });
      for (const anomaly of result.resolved) notify({ type: 'anomaly-resolved', anomaly });
    }
    return result;
  }

  // Rebuild from a store that already holds records; follow a shared one.
  const following = isSharedStore(store)
    ? createFollower(store, finish, (error, retryInMs) => {
      if (listeners.size > 0) notify({ type: 'follow-failed', message: error instanceof Error ? error.message : String(error), error, retryInMs });
    }, bringBackStreamsOf)
    : null;
  if (following === null) {
    const snapshot = options.snapshot !== undefined ? options.snapshot : (store as { snapshot?: TrackerSnapshot | null }).snapshot ?? null;
    const restored = snapshot !== null && canStartFromSnapshot(store)
      && startFromSnapshot(snapshot, store, { picture, retirement, history }, finish);
    if (restored) {
      latestReceivedAt = Math.max(latestReceivedAt, snapshot.latestReceivedAt);
      // The hot streams were folded uncounted and untold: each is queued for retirement once.
      retirement.touchedAll();
    } else if (canStartFromSnapshot(store)) {
      // All of history, read as it is folded (a journal without a usable snapshot).
      for (const entry of store.readFrom(0)) finish(entry.record());
    } else {
      const existing = isLoggedStore(store) ? log.records() : store.read();
      if (Symbol.iterator in existing) for (const record of existing) finish(record);
    }
  }

  /** Decides, stores and folds a parsed delivery. */
  function admit(parsed: ParseResult, ingestOptions: IngestOptions | undefined): Promise<IngestResult> {
    try {
      // No default `{}`: an object allocated per call when, as usual, no options are given.
      const receivedAt = toMs(ingestOptions?.receivedAt, clock);
      const naming = ingestOptions?.receivedAt === undefined ? undefined : receivedAt;
      const { record, text } = dedupe.decide(parsed, receivedAt, ingestOptions?.source ?? null, naming);
      // A shared store decides the order: fold what the log says, when the log says it.
      if (following !== null) return (store.append(record, text) as Promise<StoreRecord>).then((stored) => following.resultOf(stored.position));
      const appended = store.append(record, text);
      // A synchronous store (in memory) needs no async machinery per event.
      if (!(appended instanceof Promise)) return Promise.resolve(finish(appended, true));
      const identity = dedupe.mark(record, naming);
      // Its stream must not retire while the delivery is on its way to the fold.
      const stream = record.kind === 'event' ? record.event.stream : null;
      if (stream !== null) retirement.inFlight(stream, 1);
      // Apply in position order, whatever order the store acknowledges in.
      const result = Promise.all([applied, appended]).then(([, stored]) => {
        if (stream !== null) retirement.inFlight(stream, -1);
        return finish(stored, true);
      }, (error: unknown) => {
        if (stream !== null) retirement.inFlight(stream, -1);
        dedupe.unmark(identity);
        throw error;
      });
      applied = result.then(() => undefined, () => undefined);
      return result;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Archives the final views of retired streams, when the store keeps an archive. */
  function archive(retired: readonly AnyStream[]): void {
    if (historyStore?.archive === undefined) return;
    const views = retired.flatMap(historyQueries.archivedViewOf);
    if (views.length === 0) return;
    const done = historyStore.archive(views);
    if (done instanceof Promise) done.catch((error: unknown) => notify({ type: 'archive-failed', message: (error as Error).message, error }));
  }

  const historyQueries = createHistoryQueries(picture, queries, history, historyStore);
  const kpiQueries = createKpiQueries(picture, queries, history, historyStore, clock);

  return {
    store,
    ready: following?.ready ?? Promise.resolve(),
    close: () => following?.close() ?? Promise.resolve(),

    async health() {
      let own: StoreHealth;
      try {
        own = (await store.health?.()) ?? { ok: true };
      } catch (error) {
        own = { ok: false, message: (error as Error).message };
      }
      const failure = following?.failure() ?? null;
      if (!own.ok || failure === null) return own;
      return { ok: false, message: `following the shared store fails: ${failure instanceof Error ? failure.message : String(failure)}` };
    },

    ingest(body, ingestOptions) {
      try {
        const parsed = dedupe.parse(body);
        // An event for a retired stream (a late submission, a retried delivery): the stream comes
        // back from the store first, so it is folded, and deduplicated, against all it holds.
        if (parsed.ok && history !== null && !picture.isRecent(parsed.event) && history.mayBeRetired(parsed.event.stream)) {
          return history.bringBack(parsed.event.stream).then(() => admit(parsed, ingestOptions));
        }
        return admit(parsed, ingestOptions);
      } catch (error) {
        return Promise.reject(error);
      }
    },

    findSession: historyQueries.findSession,
    findEmailThread: historyQueries.findEmailThread,
    findOperator: historyQueries.findOperator,
    findTimeline: historyQueries.findTimeline,
    findSessions: historyQueries.findSessions,
    kpis: kpiQueries.kpis,
    now: kpiQueries.now,
    retire,
    session: queries.session,
    sessions: queries.sessions,
    operator: queries.operator,
    operators: queries.operators,
    emailThread: queries.emailThread,
    emailThreads: queries.emailThreads,
    anomalies: queries.anomalies,
    timeline: queries.timeline,
    stats: queries.stats,
    snapshotImage() {
      if (!picture.ownLog) return null;
      const { meta, parts } = picture.toImage();
      return encodeImage(picture.snapshotOf().position, meta, parts);
    },

    snapshot(): TrackerSnapshot {
      return {
        version: 3, ...picture.snapshotOf(), retired: history?.keys() ?? [], retiredCounts: retirement.savedCounts(),
        latestReceivedAt: Number.isFinite(latestReceivedAt) ? latestReceivedAt : 0,
      };
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    sweepStalled() {
      const current = new Map(queries.stalledAnomalies().map((a) => [stalledKey(a), a]));
      const raised = [...current].filter(([key]) => !lastStalled.has(key)).map(([, a]) => a);
      const resolved = [...lastStalled].filter(([key]) => !current.has(key)).map(([, a]) => a);
      lastStalled = current;
      for (const anomaly of raised) notify({ type: 'anomaly-raised', anomaly });
      for (const anomaly of resolved) notify({ type: 'anomaly-resolved', anomaly });
      return { raised, resolved };
    },
  };
}
