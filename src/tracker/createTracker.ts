/**
 * `createTracker`: feed it every webhook body; ask it for the state of sessions, operators and
 * e-mail threads, and for what is wrong with the stream.
 *
 * Per delivery: parse (catalogue) -> dedupe by identity -> append to the store -> insert into its
 * stream in canonical order and fold (compiled machines) -> anomaly changes -> notify.
 */
import { freeze } from 'immer';
import { parseWebhook } from '../catalogue/parseWebhook.js';
import { typeCodeOf } from '../catalogue/catalogue.js';
import { formatTimestampUs } from '../catalogue/timestamp.js';
import { emailThreadFolder, type EmailThreadState } from '../fold/emailThreadFold.js';
import type { Folder, ProcessAnomaly } from '../fold/folder.js';
import { noFolder } from '../fold/noFold.js';
import { presenceFolder, type PresenceState } from '../fold/presenceFold.js';
import { findParticipation, isSignalOnly, PARTICIPATION_STATE_NAMES, sessionFolder, takesPart, type SessionState } from '../fold/sessionFold.js';
import { appended } from '../fold/appended.js';
import { createStreamFold, SortTimeColumn, type AnomalyChange, type StreamFold } from '../fold/streamFold.js';
import { getIdentity, identityKeyOf, identityKeyOfText, sameContent } from '../catalogue/identity.js';
import { createMemoryStore } from '../store/createMemoryStore.js';
import { isLoggedStore, isSharedStore, type EventStore, type StoreHealth, type NewStoreRecord, type StoreRecord, type StoredEvent } from '../store/eventStore.js';
import { createPackedLog } from '../store/packedLog.js';
import { IdentityIndex } from './identityIndex.js';
import { DEFAULT_STALLED_THRESHOLDS, findStalled, type StalledThresholds } from '../views/stalled.js';
import { buildEmailThreadView, buildOperatorView, buildSessionView, emailThreadStatus, iso } from '../views/views.js';
import type {
  Anomaly, AnomalyKind, AnomalySeverity, EmailThreadStatus, EmailThreadView, NormalizedEvent, OperatorView,
  ParseError, ParseOptions, RawBody, SessionStatus, SessionView, StreamId,
} from '../types.js';

export interface TrackerOptions {
  /** Where accepted events, dead letters and re-deliveries go. Default: a new in-memory store. */
  readonly store?: EventStore;
  /** Now, in epoch milliseconds; used by `stalled`. Default: `Date.now`. */
  readonly clock?: () => number;
  /**
   * Folded state to start from instead of re-folding the store's records up to its position
   * (see `Tracker.snapshot`). Default: the store's own `snapshot`, if it keeps one (journal).
   * Ignored for shared stores and when the store does not reach its position.
   */
  readonly snapshot?: TrackerSnapshot | null;
  /** Overrides of {@link DEFAULT_STALLED_THRESHOLDS} (milliseconds). */
  readonly stalledAfter?: Partial<StalledThresholds>;
  /** Body limits passed to {@link parseWebhook}. */
  readonly parse?: ParseOptions;
}

export interface IngestOptions {
  /** When the body was received (epoch ms, Date or ISO string). Default: the clock. */
  readonly receivedAt?: number | Date | string;
  /**
   * Where it came from (an input line, a request id): stored with the delivery and shown on its
   * anomalies, so a report can point back at the input.
   */
  readonly source?: string;
}

export type IngestOutcome = 'applied' | 'duplicate' | 'rejected' | 'unknown';

export interface IngestResult {
  readonly outcome: IngestOutcome;
  /** Store position of this delivery. */
  readonly position: number;
  readonly eventType: string | null;
  readonly streams: readonly StreamId[];
  readonly raised: readonly Anomaly[];
  readonly resolved: readonly Anomaly[];
  /** For `rejected`: why. */
  readonly error?: ParseError;
}

export type TrackerNotice =
  | { readonly type: 'state-changed'; readonly stream: StreamId; readonly position: number }
  | { readonly type: 'anomaly-raised'; readonly anomaly: Anomaly }
  | { readonly type: 'anomaly-resolved'; readonly anomaly: Anomaly }
  /**
   * Following a shared store failed (the database is unreachable, a record cannot be applied):
   * the tracker's views lag the log until a retry, `retryInMs` from now, succeeds. Ingests
   * waiting for their fold settle once it does.
   */
  | { readonly type: 'follow-failed'; readonly message: string; readonly error: unknown; readonly retryInMs: number };

/** A page of a listing, in id order: the entities with ids above `after`, at most `limit` of them. */
export interface PageFilter {
  /** Only ids greater than this (the last id of the previous page). */
  readonly after?: number;
  /** At most this many. Default: all. */
  readonly limit?: number;
}

export interface SessionFilter extends PageFilter {
  readonly status?: SessionStatus | readonly SessionStatus[];
  /** Sessions this operator takes part in (any participation status). */
  readonly operator?: number;
  readonly tenantId?: number;
  readonly channel?: string;
}
export interface OperatorFilter extends PageFilter {
  readonly status?: string;
  readonly availability?: string;
  /** Only operators with at least one session in after-call work. */
  readonly inAfterCallWork?: boolean;
}
export interface EmailThreadFilter extends PageFilter { readonly status?: EmailThreadStatus; readonly operator?: number; readonly tenantId?: number }
export interface AnomalyFilter {
  readonly kind?: AnomalyKind | readonly AnomalyKind[];
  readonly severity?: AnomalySeverity;
  readonly stream?: StreamId;
  /** Only anomalies attached to store positions >= this. */
  readonly sincePosition?: number;
}

export interface TimelineItem {
  readonly position: number;
  /** The delivery's `source` (see IngestOptions). */
  readonly source: string | null;
  readonly eventType: string;
  readonly time: string | null;
  readonly receivedAt: string;
  /** Anomalies attached to this event (its process anomalies and its delivery anomalies). */
  readonly anomalies: readonly Anomaly[];
  /** The stream's view after this event (`null` for streams without a lifecycle). */
  readonly state: SessionView | EmailThreadView | OperatorView | null;
}

/**
 * The folded state of a tracker at a store position: restoring from it skips re-folding every
 * event on restart (the events themselves still come from the store). JSON-safe.
 */
export interface TrackerSnapshot {
  readonly version: 2;
  /** The last store position folded into it. */
  readonly position: number;
  /** Per stream: its id, its folded state, and the process anomalies of its events by position. */
  readonly streams: readonly (readonly [id: StreamId, state: unknown, anomalies: readonly (readonly [position: number, anomalies: ProcessAnomaly[]])[]])[];
}

export interface TrackerStats {
  readonly deliveries: number;
  readonly applied: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly unknown: number;
  readonly streams: number;
  readonly sessionsByStatus: Readonly<Record<SessionStatus, number>>;
  readonly emailThreadsByStatus: Readonly<Record<EmailThreadStatus, number>>;
  readonly operators: number;
  /**
   * Session ids known only from refresh signals (a SessionCallParamsUpdated for a session never
   * seen otherwise): not in `sessionsByStatus` nor in `sessions()`; `session(id)` still answers.
   */
  readonly signalOnlySessions: number;
  readonly anomaliesByKind: Readonly<Partial<Record<AnomalyKind, number>>>;
  /** Events evolved again because late events were inserted before them. */
  readonly refoldedEvents: number;
}

export interface Tracker {
  /** Validates, stores and folds one webhook body. Never rejects for a bad body. */
  ingest(body: RawBody, options?: IngestOptions): Promise<IngestResult>;
  session(id: number): SessionView | null;
  sessions(filter?: SessionFilter): SessionView[];
  operator(userId: number): OperatorView | null;
  operators(filter?: OperatorFilter): OperatorView[];
  emailThread(id: number): EmailThreadView | null;
  emailThreads(filter?: EmailThreadFilter): EmailThreadView[];
  anomalies(filter?: AnomalyFilter): Anomaly[];
  timeline(stream: StreamId): TimelineItem[];
  stats(): TrackerStats;
  /** Calls `listener` for every state change and anomaly raised or resolved. Returns unsubscribe. */
  subscribe(listener: (notice: TrackerNotice) => void): () => void;
  /**
   * Re-judges `stalled` against the clock and notifies subscribers of stalled anomalies raised or
   * resolved since the last sweep (events cannot: a session gets stuck when nothing happens).
   * Call it on a timer; `mluvii-state serve` does, every 30 s. Returns what changed.
   */
  sweepStalled(): { raised: Anomaly[]; resolved: Anomaly[] };
  /** The folded state now, for a faster restart (journal: `store.writeSnapshot(tracker.snapshot())`). */
  snapshot(): TrackerSnapshot;
  /** The store this tracker appends to. */
  readonly store: EventStore;
  /**
   * Settles once the tracker has folded what its store held when it was created. Immediate for
   * in-memory and journal stores (re-folded synchronously); for a shared store (PostgreSQL) it
   * is the initial catch-up, after which the tracker keeps following the log. It rejects when
   * that catch-up fails; later failures to follow are `follow-failed` notices, and retried.
   */
  readonly ready: Promise<void>;
  /**
   * Whether the tracker can take webhooks and keep its views current now: its store can append
   * (a full disk, an unreachable database say no) and, over a shared store, following it works.
   * `mluvii-state serve` answers `/health` with it.
   */
  health(): Promise<StoreHealth>;
  /** Stops following a shared store. */
  close(): Promise<void>;
}

const USER_STATUS_CHANGED = typeCodeOf('UserStatusChanged');

/** First and longest delay before a failed pump of a shared log is retried. */
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 10_000;

/**
 * Follows a shared store's log: catches up, then wakes on every notification or poll tick and
 * applies what is new, one pump at a time. `resultOf` resolves when a position has been applied.
 * A failed initial catch-up rejects `ready`; a later failed pump is reported to `failed` and
 * retried after a delay that doubles while failures go on.
 */
function createFollower(
  store: import('../store/eventStore.js').SharedEventStore,
  apply: (record: StoreRecord) => IngestResult,
  failed: (error: unknown, retryInMs: number) => void,
) {
  let checkpoint: unknown = null;
  let pumping: Promise<void> | null = null;
  let again = false;
  let stop: (() => Promise<void>) | null = null;
  let closed = false;
  let caughtUp = false;
  let retryMs = 0;
  let retry: ReturnType<typeof setTimeout> | null = null;
  /** Why the last pump failed, until one succeeds. */
  let failure: unknown = null;
  // Results of recently applied positions, for ingests whose append returned after the pump
  // had already applied their record (bounded: old entries are dropped).
  const recent = new Map<number, IngestResult>();
  const waiters = new Map<number, (result: IngestResult) => void>();
  const RECENT_LIMIT = 10_000;
  /** Records read per query. */
  const PAGE = 5000;

  /**
   * Positions applied lately, oldest first. A page is applied before the checkpoint moves past it,
   * so a pump that fails partway reads the page's start again; applying a position twice would
   * put each of those events behind its own first copy. Bounded: re-reads only reach back a page.
   */
  const applied = new Set<number>();
  const APPLIED_LIMIT = 2 * PAGE;

  async function drain(): Promise<void> {
    for (;;) {
      const page = await store.readAfter(checkpoint, PAGE);
      for (const record of page.records) {
        if (applied.has(record.position)) continue;
        apply(record);
        applied.add(record.position);
        if (applied.size > APPLIED_LIMIT) applied.delete(applied.values().next().value!);
      }
      checkpoint = page.checkpoint;
      if (page.records.length === 0) return;
    }
  }
  function pump(): Promise<void> {
    if (pumping !== null) {
      again = true;
      return pumping;
    }
    pumping = (async () => {
      try {
        do {
          again = false;
          await drain();
        } while (again && !closed);
        retryMs = 0;
        failure = null;
      } catch (error) {
        if (!caughtUp) throw error;
        if (!closed) scheduleRetry(error);
      } finally {
        pumping = null;
      }
    })();
    return pumping;
  }
  function scheduleRetry(error: unknown): void {
    failure = error;
    if (retry !== null) return; // a retry is due already (pumps woken meanwhile failed too)
    retryMs = Math.min(retryMs === 0 ? RETRY_FIRST_MS : retryMs * 2, RETRY_MAX_MS);
    failed(error, retryMs);
    retry = setTimeout(() => {
      retry = null;
      if (!closed) void pump();
    }, retryMs);
  }
  const ready = (async () => {
    await pump();
    caughtUp = true;
    stop = await store.watch(() => { if (!closed) void pump(); });
  })();

  return {
    ready,
    /** Why following fails now, or null. */
    failure: () => failure,
    settle(result: IngestResult) {
      const waiter = waiters.get(result.position);
      if (waiter !== undefined) {
        waiters.delete(result.position);
        waiter(result);
        return;
      }
      recent.set(result.position, result);
      if (recent.size > RECENT_LIMIT) recent.delete(recent.keys().next().value!);
    },
    resultOf(position: number): Promise<IngestResult> {
      const done = recent.get(position);
      if (done !== undefined) {
        recent.delete(position);
        return Promise.resolve(done);
      }
      const result = new Promise<IngestResult>((resolve) => waiters.set(position, resolve));
      void pump().catch(() => undefined); // before catch-up, a failure is `ready`'s to report
      return result;
    },
    async close() {
      closed = true;
      if (retry !== null) clearTimeout(retry);
      await ready.catch(() => undefined);
      await pumping?.catch(() => undefined);
      await stop?.();
    },
  };
}

const SEVERITY: Record<AnomalyKind, AnomalySeverity> = {
  duplicate: 'info',
  'conflicting-duplicate': 'warning',
  'out-of-order': 'info',
  'missing-transition': 'warning',
  'unexpected-event': 'error',
  'inconsistent-data': 'warning',
  stalled: 'warning',
  'invalid-payload': 'error',
  'unknown-event-type': 'info',
};

type AnyStream = StreamFold<unknown>;

function folderFor(stream: StreamId): Folder<unknown> {
  if (stream.startsWith('session:')) return sessionFolder as Folder<unknown>;
  if (stream.startsWith('email:')) return emailThreadFolder as Folder<unknown>;
  if (stream.startsWith('operator:')) return presenceFolder as Folder<unknown>;
  return noFolder as Folder<unknown>;
}

const entityIdOf = (stream: StreamId): number => Number(stream.slice(stream.indexOf(':') + 1));

function toMs(receivedAt: IngestOptions['receivedAt'], clock: () => number): number {
  if (receivedAt === undefined) return clock();
  if (typeof receivedAt === 'number') return receivedAt;
  return receivedAt instanceof Date ? receivedAt.getTime() : Date.parse(receivedAt);
}

const NONE: readonly never[] = Object.freeze([]);

/** Unknown event types (outside sessions) with a stream of their own; the rest share {@link OTHER_UNKNOWN_STREAM}. */
const MAX_UNKNOWN_STREAMS = 100;
const OTHER_UNKNOWN_STREAM = 'unknown:(other)';

/** Entries of a tracker's cache of recent streams (a power of two; see `streamOf`). */
const RECENT_STREAMS = 1 << 13;

/**
 * The page `filter` asks for of `items` with their ids: sorted by id, after `after`, at most
 * `limit`; views are built for the page only.
 */
function page<T>(items: T[], idOf: (item: T) => number, filter: PageFilter): T[] {
  items.sort((a, b) => idOf(a) - idOf(b));
  let from = 0;
  if (filter.after !== undefined) while (from < items.length && idOf(items[from]!) <= filter.after) from++;
  return items.slice(from, filter.limit === undefined ? undefined : from + Math.max(0, filter.limit));
}

const wants = <T>(filter: T | readonly T[] | undefined, value: T): boolean =>
  filter === undefined || (Array.isArray(filter) ? (filter as readonly T[]).includes(value) : filter === value);

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
  const streams = new Map<StreamId, AnyStream>();
  /**
   * The accepted events, packed, addressed by slot: the store's own log when it keeps one in
   * memory, else a copy (a shared store's rows live in the database).
   */
  const log = isLoggedStore(store) ? store.log : createPackedLog();
  const ownLog = !isLoggedStore(store);
  /** Where the streams keep their events' sort times, by slot of `log`. */
  const sortTimes = new SortTimeColumn();
  /** Identity -> slot of the accepted event that holds it. */
  const identities = new IdentityIndex();
  /**
   * `identityKeyOf` (0: no identity), remembered for the event at hand (asked when deciding, again
   * when applying).
   */
  let keyed: NormalizedEvent | null = null;
  let keyedAt: number | undefined;
  let keyedKey = 0;
  /** `receivedAt` names only a UserStatusChanged delivery (see getIdentity). */
  const keyOf = (event: NormalizedEvent, receivedAt: number | undefined): number => {
    if (event !== keyed || (receivedAt !== keyedAt && event.typeCode === USER_STATUS_CHANGED)) {
      keyed = event;
      keyedAt = receivedAt;
      keyedKey = identityKeyOf(event, receivedAt);
    }
    return keyedKey;
  };
  /**
   * The applied event holding the identity whose key is `key` (`wanted`: that identity, or an
   * event that has it, whose text is made only if some event has the key), with its slot, or null.
   */
  function appliedHolder(key: number, wanted: string | NormalizedEvent, receivedAt?: number): { slot: number; event: NormalizedEvent } | null {
    let identity: string | null = typeof wanted === 'string' ? wanted : null;
    for (let entry = identities.next(key); entry >= 0; entry = identities.next(key, entry)) {
      // The candidate is decoded once, to confirm the key match, and handed back with its slot.
      const slot = identities.slotAt(entry);
      const event = log.event(slot);
      identity ??= getIdentity(wanted as NormalizedEvent, receivedAt);
      if (getIdentity(event, log.receivedAt(slot)) === identity) return { slot, event };
    }
    return null;
  }
  /** Delivery anomalies: they stay once raised. */
  const deliveryAnomalies: Anomaly[] = [];
  /** Streams some of whose events raise process anomalies in the current fold. */
  const anomalous = new Set<AnyStream>();
  /**
   * userId -> session / e-mail streams the operator appears in, each once (`indexOperators`
   * guarantees it): arrays, not Sets, as adding to a Set of thousands cost a cache miss and now and
   * then a rehash of the whole table (1.4 % of an ingest, perf).
   */
  const operatorSessions = new Map<number, AnyStream[]>();
  const operatorEmails = new Map<number, AnyStream[]>();
  const listeners = new Set<(notice: TrackerNotice) => void>();
  const counts = { deliveries: 0, applied: 0, duplicates: 0, rejected: 0, unknown: 0, refolded: 0 };
  /** Settles when every append issued so far has been applied (async stores). */
  let applied: Promise<void> = Promise.resolve();

  /**
   * Streams of recently seen entity ids, direct-mapped by the id's low bits (as normalize.ts's
   * `recentlyMade` keeps their ids; here an entry is checked against the stream id, since ids of
   * different entity kinds share numbers): the open sessions' streams stay here, and reading this small table cost less than probing the map of every
   * stream of the day, a cache miss or two (3.5 % of an ingest in a profile).
   */
  const recentStreams = new Array<AnyStream | undefined>(RECENT_STREAMS);

  /** Streams of unknown event types outside sessions (see `streamOf`). */
  let unknownStreams = 0;

  /** The stream of `event`, created when it is the stream's first. */
  function streamOf(event: NormalizedEvent): AnyStream {
    const id = event.stream;
    const entry = event.entityId === null ? -1 : event.entityId & (RECENT_STREAMS - 1);
    const recent = entry < 0 ? undefined : recentStreams[entry];
    // Equal ids are usually the same string, compared by reference; other entities of the same
    // low bits (a thread and a session both numbered 5) differ and go to the map.
    if (recent !== undefined && recent.id === id) return recent;
    let stream = streams.get(id);
    if (stream === undefined) {
      // A sender inventing event types must not grow the streams without bound: past the cap,
      // unknown types outside any session share one stream (decided in log order, so a rebuild
      // decides the same).
      const own = id.startsWith('unknown:') && unknownStreams >= MAX_UNKNOWN_STREAMS ? OTHER_UNKNOWN_STREAM : id;
      stream = streams.get(own);
      if (stream === undefined) {
        stream = createStreamFold(own, folderFor(own), log, sortTimes);
        streams.set(own, stream);
        if (own.startsWith('unknown:')) unknownStreams++;
      }
    }
    if (entry >= 0) recentStreams[entry] = stream;
    return stream;
  }

  function deliveryAnomaly(kind: AnomalyKind, message: string, record: StoreRecord, event: NormalizedEvent | null, extra: Partial<Anomaly> = {}): Anomaly {
    return freeze({
      kind, severity: SEVERITY[kind], stream: event?.stream ?? null, eventType: event?.eventType ?? null,
      message, position: record.position, source: record.source, time: iso(event?.time ?? null), ...extra,
    }, true);
  }

  /** The public form of a process anomaly of the event in `slot` (`event`: that event, if at hand). */
  function processAnomaly(slot: number, anomaly: ProcessAnomaly, event: NormalizedEvent = log.event(slot)): Anomaly {
    return freeze({
      kind: anomaly.kind, severity: SEVERITY[anomaly.kind], stream: event.stream, eventType: event.eventType,
      message: anomaly.message, position: log.position(slot), source: log.source(slot), time: iso(event.time),
      ...(anomaly.missing === undefined ? {} : { missing: [...anomaly.missing] }),
    }, true);
  }

  /** What `stream`'s state waits for (folder.awaits), or an empty list. */
  const awaitedBy = (stream: AnyStream): readonly string[] => stream.folder.awaits?.(stream.state) ?? NONE;

  /**
   * The open missing-transition of a stream whose state waits for events (a session whose end an
   * activity reported, SessionEnded still due): not an event's anomaly but the state's, so it is
   * resolved when the awaited event arrives, whenever that is.
   */
  function awaitedAnomaly(stream: AnyStream, awaited: readonly string[]): Anomaly {
    const state = stream.state as { lastTime?: number | null };
    return freeze({
      kind: 'missing-transition', severity: SEVERITY['missing-transition'], stream: stream.id, eventType: null,
      message: `the state implies events that have not arrived: ${awaited.join(', ')}`, missing: [...awaited],
      position: null, source: null, time: iso(state.lastTime ?? null),
    }, true);
  }

  /** Records that the operator of `event` appears in `stream`, once per stream and operator. */
  function indexOperators(stream: AnyStream, event: NormalizedEvent): void {
    const userId = event.participant;
    // The stream's own short list is asked first: an operator's list holds thousands of streams,
    // and looking there for each of their events cost a cache miss each (3 % of an ingest).
    if (userId === null || stream.operatorsIndexed.includes(userId)) return;
    const index = event.family === 'email' ? operatorEmails : event.stream.startsWith('session:') ? operatorSessions : null;
    if (index === null) return;
    stream.operatorsIndexed = appended(stream.operatorsIndexed, userId);
    const appearsIn = index.get(userId);
    if (appearsIn === undefined) index.set(userId, [stream]);
    else appearsIn.push(stream);
  }

  function notify(notice: TrackerNotice): void {
    for (const listener of listeners) {
      try {
        listener(notice);
      } catch {
        // A failing listener must not break ingestion or the other listeners.
      }
    }
  }

  /** While re-reading a store from a snapshot: its anomalies by position. */
  let restoring: Map<number, ProcessAnomaly[]> | null = null;
  let lastPosition = 0;

  /** Applies one store record to the in-memory picture. Pure function of the record sequence. */
  function apply(record: StoreRecord): IngestResult {
    const { position } = record;
    lastPosition = position;
    counts.deliveries++;
    if (record.kind === 'dead-letter') {
      counts.rejected++;
      const anomaly = deliveryAnomaly('invalid-payload', record.error.message, record, null, {
        eventType: record.error.eventType, error: record.error,
      });
      deliveryAnomalies.push(anomaly);
      return { outcome: 'rejected', position, eventType: record.error.eventType, streams: NONE, raised: [anomaly], resolved: NONE, error: record.error };
    }
    if (record.kind === 'redelivery') {
      counts.duplicates++;
      // A log that names a re-delivery before its original (a store bug) still yields an anomaly.
      const event = record.conflicting ?? appliedHolder(identityKeyOfText(record.identity), record.identity)?.event ?? null;
      const anomaly = record.conflicting === null
        ? deliveryAnomaly('duplicate', `exact re-delivery of position ${record.originalPosition}, ignored`, record, event)
        : deliveryAnomaly('conflicting-duplicate', `same identity as position ${record.originalPosition} with different content; the first report is kept`, record, event);
      deliveryAnomalies.push(anomaly);
      return { outcome: 'duplicate', position, eventType: anomaly.eventType, streams: NONE, raised: [anomaly], resolved: NONE };
    }

    const { event } = record;
    const slot = ownLog ? log.append(record) : log.slotOf(position);
    // Every UserStatusChanged is indexed under its receive time: a capture replayed again (the
    // same envelopes) finds it; a live delivery names none and is never taken for a repeat.
    const key = keyOf(event, record.receivedAt);
    if (key !== 0) identities.add(key, slot);
    const stream = streamOf(event);
    const awaitedBefore = awaitedBy(stream);
    const inserted = restoring === null ? stream.insert(slot, event) : stream.restore(slot, event, restoring.get(position) ?? null);
    if (restoring !== null && stream.anomalies !== null) anomalous.add(stream);
    counts.refolded += inserted.refolded;
    indexOperators(stream, event);
    let raised: Anomaly[] | null = null;
    let resolved: Anomaly[] | null = null;
    if (!event.known) {
      counts.unknown++;
      const anomaly = deliveryAnomaly('unknown-event-type', `unknown event type ${event.eventType}, kept raw`, record, event, { stream: stream.id });
      deliveryAnomalies.push(anomaly);
      (raised ??= []).push(anomaly);
    } else {
      counts.applied++;
    }
    if (inserted.outOfOrder) {
      const anomaly = deliveryAnomaly('out-of-order', `arrived after a later event of ${event.stream}; the stream was re-folded`, record, event);
      deliveryAnomalies.push(anomaly);
      (raised ??= []).push(anomaly);
    }
    if (inserted.changes.length > 0) {
      raised ??= [];
      resolved ??= [];
      applyChanges(stream, inserted.changes, slot, event, raised, resolved);
    }
    const awaitedAfter = restoring === null ? awaitedBy(stream) : awaitedBefore;
    if (awaitedAfter !== awaitedBefore && awaitedAfter.join() !== awaitedBefore.join()) {
      if (awaitedBefore.length > 0) (resolved ??= []).push(awaitedAnomaly(stream, awaitedBefore));
      if (awaitedAfter.length > 0) (raised ??= []).push(awaitedAnomaly(stream, awaitedAfter));
    }
    return { outcome: event.known ? 'applied' : 'unknown', position, eventType: event.eventType, streams: stream.ids, raised: raised ?? NONE, resolved: resolved ?? NONE };
  }

  /** Turns a stream's anomaly changes into raised / resolved anomalies (`event`: the one in `slot`). */
  function applyChanges(stream: AnyStream, changes: readonly AnomalyChange[], slot: number, event: NormalizedEvent, raised: Anomaly[], resolved: Anomaly[]): void {
    const key = (a: ProcessAnomaly) => `${a.kind}|${a.message}`;
    for (const change of changes) {
      const changed = change.slot === slot ? event : log.event(change.slot);
      const afterKeys = new Set(change.after?.map(key));
      const beforeKeys = new Set(change.before?.map(key));
      for (const a of change.before ?? []) if (!afterKeys.has(key(a))) resolved.push(processAnomaly(change.slot, a, changed));
      for (const a of change.after ?? []) if (!beforeKeys.has(key(a))) raised.push(processAnomaly(change.slot, a, changed));
    }
    if (stream.anomalies === null) anomalous.delete(stream);
    else anomalous.add(stream);
  }

  /**
   * Events appended but not applied yet (a durable store acknowledges later): a re-delivery
   * arriving meanwhile must still be recognised.
   */
  const pendingIdentities = new Map<string, StoredEvent>();

  /**
   * The accepted event with the identity of `event` (whose identity key is `key`), applied or
   * pending, with its position.
   */
  function holderOf(event: NormalizedEvent, key: number, naming: number | undefined): { event: NormalizedEvent; position: number } | undefined {
    const applied = appliedHolder(key, event, naming);
    if (applied !== null) return { event: applied.event, position: log.position(applied.slot) };
    return pendingIdentities.size === 0 ? undefined : pendingIdentities.get(getIdentity(event, naming)!);
  }

  /**
   * Decides what a delivery is, without changing anything yet; `text` is the body to persist.
   * `naming`: the receive time the caller gave (a capture's envelope), which names a delivery.
   */
  function decide(body: RawBody, receivedAt: number, source: string | null, naming: number | undefined): { record: NewStoreRecord; text: string | null } {
    const parsed = parseWebhook(body, options.parse);
    if (!parsed.ok) return { record: { kind: 'dead-letter', position: 0, receivedAt, source, raw: parsed.raw, error: parsed.error }, text: null };
    const { event } = parsed;
    const key = keyOf(event, naming);
    const holder = key === 0 ? undefined : holderOf(event, key, naming);
    if (holder !== undefined) {
      const conflicting = sameContent(holder.event, event) ? null : event;
      return {
        record: { kind: 'redelivery', position: 0, receivedAt, source, originalPosition: holder.position, identity: getIdentity(event, naming)!, conflicting },
        text: conflicting === null ? null : parsed.text,
      };
    }
    return { record: { kind: 'event', position: 0, receivedAt, source, event }, text: parsed.text };
  }

  function finish(record: StoreRecord): IngestResult {
    const result = apply(record);
    if (record.kind === 'event' && pendingIdentities.size > 0) {
      const identity = getIdentity(record.event, record.receivedAt);
      if (identity !== null) pendingIdentities.delete(identity);
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
    })
    : null;
  if (following === null) {
    const existing: Iterable<StoreRecord> | AsyncIterable<StoreRecord> = isLoggedStore(store) ? log.records() : store.read();
    if (Symbol.iterator in existing) {
      const snapshot = options.snapshot !== undefined ? options.snapshot : (store as { snapshot?: TrackerSnapshot | null }).snapshot ?? null;
      const usable = snapshot !== null && snapshot.version === 2 && isLoggedStore(store)
        && snapshot.position <= log.length && log.position(snapshot.position - 1) === snapshot.position;
      if (usable) restoring = new Map(snapshot.streams.flatMap(([, , anomalies]) => anomalies.map(([p, a]) => [p, a] as const)));
      for (const record of existing) {
        if (restoring !== null && record.position > snapshot!.position) installSnapshot(snapshot!);
        apply(record);
      }
      if (restoring !== null) installSnapshot(snapshot!);
    }
  }

  /** Ends a restore: the streams take the snapshot's states; later records fold normally. */
  function installSnapshot(snapshot: TrackerSnapshot): void {
    for (const [id, state] of snapshot.streams) {
      const stream = streams.get(id);
      if (stream !== undefined) stream.restoreState(stream.folder.fromJSON(state));
    }
    restoring = null;
  }

  function sessionView(stream: AnyStream): SessionView {
    return buildSessionView(entityIdOf(stream.id), stream.state as SessionState, stream as StreamFold<SessionState>);
  }
  function emailView(stream: AnyStream): EmailThreadView {
    return buildEmailThreadView(entityIdOf(stream.id), stream.state as EmailThreadState, stream.length);
  }

  function operatorView(userId: number): OperatorView {
    const activeSessionIds: number[] = [];
    const afterCallWorkSessionIds: number[] = [];
    for (const stream of operatorSessions.get(userId) ?? NONE) {
      const p = findParticipation(stream.state as SessionState, userId);
      const name = p === undefined ? null : PARTICIPATION_STATE_NAMES[p.machine];
      if (name === 'joined') activeSessionIds.push(entityIdOf(stream.id));
      else if (name === 'afterCallWork') afterCallWorkSessionIds.push(entityIdOf(stream.id));
    }
    const assignedEmailThreadIds: number[] = [];
    for (const stream of operatorEmails.get(userId) ?? NONE) {
      const state = stream.state as EmailThreadState;
      if (emailThreadStatus(state) === 'assigned' && state.operatorUserId === userId) assignedEmailThreadIds.push(entityIdOf(stream.id));
    }
    const presenceStream = streams.get(`operator:${userId}`);
    const presence = (presenceStream?.state ?? null) as PresenceState | null;
    const byNumber = (a: number, b: number) => a - b;
    return buildOperatorView(userId, presence, {
      activeSessionIds: activeSessionIds.sort(byNumber),
      afterCallWorkSessionIds: afterCallWorkSessionIds.sort(byNumber),
      assignedEmailThreadIds: assignedEmailThreadIds.sort(byNumber),
    }, presenceStream === undefined ? null : statusSinceOf(presenceStream));
  }

  /**
   * When an operator's current status began: the receive time of the first of the latest run of
   * deliveries reporting it (UserStatusChanged has no time of its own; they fold in arrival order).
   */
  function statusSinceOf(stream: AnyStream): number | null {
    const current = (stream.state as PresenceState).status;
    let since: number | null = null;
    for (let i = stream.slots.length - 1; i >= 0; i--) {
      const slot = stream.slots[i]!;
      const event = log.event(slot);
      if (event.eventType !== 'UserStatusChanged') continue;
      if ((event.data as { status?: unknown }).status !== current) break;
      since = log.receivedAt(slot);
    }
    return since;
  }

  /**
   * Whether operator `userId` takes part in session `stream` (a participation its machine
   * accepted). The index of operators' sessions grows by every event naming them; an event the
   * machines reject (a join after the end) names them without making them take part.
   */
  function participatesIn(stream: AnyStream, userId: number): boolean {
    return takesPart(stream.state as SessionState, userId);
  }

  function knownOperatorIds(): number[] {
    const ids = new Set<number>(operatorEmails.keys());
    for (const [userId, sessionStreams] of operatorSessions) if (sessionStreams.some((stream) => participatesIn(stream, userId))) ids.add(userId);
    for (const id of streams.keys()) if (id.startsWith('operator:')) ids.add(entityIdOf(id));
    return [...ids].sort((a, b) => a - b);
  }

  function stalledAnomalies(): Anomaly[] {
    const nowUs = clock() * 1000;
    const found: Anomaly[] = [];
    for (const stream of streams.values()) {
      if (!stream.id.startsWith('session:')) continue;
      for (const s of findStalled(stream.state as SessionState, nowUs, thresholds)) {
        const who = s.userId === undefined ? '' : ` (operator ${s.userId})`;
        found.push(freeze({
          kind: 'stalled', severity: SEVERITY.stalled, stream: stream.id, eventType: null,
          message: `${s.what}${who} for longer than ${Math.round(s.thresholdMs / 60_000)} min`,
          position: null, source: null, time: null,
          stalled: { what: s.what, since: formatTimestampUs(s.sinceUs), thresholdMs: s.thresholdMs },
        }, true));
      }
    }
    return found;
  }

  /** Stalled anomalies of the last sweep, by what they are about. */
  let lastStalled = new Map<string, Anomaly>();
  const stalledKey = (a: Anomaly) => `${a.stream}|${a.message}|${a.stalled?.since}`;

  function allAnomalies(): Anomaly[] {
    const process: Anomaly[] = [];
    for (const stream of anomalous) {
      for (const [slot, list] of stream.anomalies ?? []) for (const a of list) process.push(processAnomaly(slot, a));
    }
    for (const stream of streams.values()) {
      const awaited = awaitedBy(stream);
      if (awaited.length > 0) process.push(awaitedAnomaly(stream, awaited));
    }
    return [...deliveryAnomalies, ...process, ...stalledAnomalies()]
      .sort((a, b) => (a.position ?? Infinity) - (b.position ?? Infinity) || a.kind.localeCompare(b.kind));
  }

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
        // No default `{}`: an object allocated per call when, as usual, no options are given.
        const receivedAt = toMs(ingestOptions?.receivedAt, clock);
        const naming = ingestOptions?.receivedAt === undefined ? undefined : receivedAt;
        const { record, text } = decide(body, receivedAt, ingestOptions?.source ?? null, naming);
        // A shared store decides the order: fold what the log says, when the log says it.
        if (following !== null) return (store.append(record, text) as Promise<StoreRecord>).then((stored) => following.resultOf(stored.position));
        const appended = store.append(record, text);
        // A synchronous store (in memory) needs no async machinery per event.
        if (!(appended instanceof Promise)) return Promise.resolve(finish(appended));
        const identity = record.kind === 'event' ? getIdentity(record.event, naming) : null;
        if (identity !== null) pendingIdentities.set(identity, record as StoredEvent);
        // Apply in position order, whatever order the store acknowledges in.
        const result = Promise.all([applied, appended]).then(([, stored]) => finish(stored), (error: unknown) => {
          if (identity !== null) pendingIdentities.delete(identity);
          throw error;
        });
        applied = result.then(() => undefined, () => undefined);
        return result;
      } catch (error) {
        return Promise.reject(error);
      }
    },

    session(id) {
      const stream = streams.get(`session:${id}`);
      return stream === undefined ? null : sessionView(stream);
    },

    sessions(filter = {}) {
      const candidates = filter.operator === undefined ? streams.values() : operatorSessions.get(filter.operator) ?? NONE;
      const matching: AnyStream[] = [];
      for (const stream of candidates) {
        if (!stream.id.startsWith('session:')) continue;
        if (filter.operator !== undefined && !participatesIn(stream, filter.operator)) continue;
        const state = stream.state as SessionState;
        if (isSignalOnly(state)) continue;
        if (!wants(filter.status, state.status)) continue;
        if (filter.tenantId !== undefined && state.tenantId !== filter.tenantId) continue;
        if (filter.channel !== undefined && state.channel !== filter.channel) continue;
        matching.push(stream);
      }
      return page(matching, (stream) => entityIdOf(stream.id), filter).map(sessionView);
    },

    operator(userId) {
      const known = (operatorSessions.get(userId) ?? NONE).some((stream) => participatesIn(stream, userId)) || operatorEmails.has(userId) || streams.has(`operator:${userId}`);
      return known ? operatorView(userId) : null;
    },

    operators(filter = {}) {
      const views = knownOperatorIds().map(operatorView).filter((o) =>
        (filter.status === undefined || o.status === filter.status)
        && (filter.availability === undefined || o.availability === filter.availability)
        && (filter.inAfterCallWork === undefined || (o.afterCallWorkSessionIds.length > 0) === filter.inAfterCallWork));
      return page(views, (o) => o.userId, filter);
    },

    emailThread(id) {
      const stream = streams.get(`email:${id}`);
      return stream === undefined ? null : emailView(stream);
    },

    emailThreads(filter = {}) {
      const views: EmailThreadView[] = [];
      for (const stream of streams.values()) {
        if (!stream.id.startsWith('email:')) continue;
        const view = emailView(stream);
        if (filter.status !== undefined && view.status !== filter.status) continue;
        if (filter.operator !== undefined && view.operatorUserId !== filter.operator) continue;
        if (filter.tenantId !== undefined && view.tenantId !== filter.tenantId) continue;
        views.push(view);
      }
      return page(views, (view) => view.id, filter);
    },

    anomalies(filter = {}) {
      return allAnomalies().filter((a) =>
        wants(filter.kind, a.kind)
        && (filter.severity === undefined || a.severity === filter.severity)
        && (filter.stream === undefined || a.stream === filter.stream)
        && (filter.sincePosition === undefined || (a.position ?? Infinity) >= filter.sincePosition));
    },

    timeline(streamId) {
      const stream = streams.get(streamId);
      if (stream === undefined) return [];
      const delivery = deliveryAnomalies.filter((a) => a.stream === streamId);
      const items: TimelineItem[] = [];
      let count = 0;
      for (const { slot, event, state } of stream.replay()) {
        count++;
        const position = log.position(slot);
        const viewState = stream.id.startsWith('session:')
          ? buildSessionView(entityIdOf(stream.id), state as SessionState, stream as StreamFold<SessionState>, count)
          : stream.id.startsWith('email:') ? buildEmailThreadView(entityIdOf(stream.id), state as EmailThreadState, count)
          : stream.id.startsWith('operator:') ? buildOperatorView(entityIdOf(stream.id), state as PresenceState, { activeSessionIds: [], afterCallWorkSessionIds: [], assignedEmailThreadIds: [] })
          : null;
        items.push(freeze({
          position, source: log.source(slot), eventType: event.eventType, time: iso(event.time), receivedAt: new Date(log.receivedAt(slot)).toISOString(),
          anomalies: [...(stream.anomaliesOf(slot) ?? []).map((a) => processAnomaly(slot, a, event)), ...delivery.filter((a) => a.position === position)],
          state: viewState,
        }, true));
      }
      return items;
    },

    stats() {
      const sessionsByStatus: Record<SessionStatus, number> = { created: 0, queued: 0, active: 0, ended: 0, 'after-call-work': 0, closed: 0 };
      const emailThreadsByStatus: Record<EmailThreadStatus, number> = { unassigned: 0, assigned: 0 };
      let signalOnlySessions = 0;
      for (const stream of streams.values()) {
        if (stream.id.startsWith('session:')) {
          if (isSignalOnly(stream.state as SessionState)) signalOnlySessions++;
          else sessionsByStatus[(stream.state as SessionState).status]++;
        } else if (stream.id.startsWith('email:')) emailThreadsByStatus[emailThreadStatus(stream.state as EmailThreadState)]++;
      }
      // Counted, not built: /metrics asks for this on every scrape.
      const counted: Partial<Record<AnomalyKind, number>> = {};
      const count = (kind: AnomalyKind, n = 1) => { counted[kind] = (counted[kind] ?? 0) + n; };
      for (const a of deliveryAnomalies) count(a.kind);
      for (const stream of anomalous) for (const list of stream.anomalies?.values() ?? []) for (const a of list) count(a.kind);
      for (const stream of streams.values()) if (awaitedBy(stream).length > 0) count('missing-transition');
      const nowUs = clock() * 1000;
      for (const stream of streams.values()) {
        if (stream.id.startsWith('session:')) count('stalled', findStalled(stream.state as SessionState, nowUs, thresholds).length);
      }
      const anomaliesByKind: Partial<Record<AnomalyKind, number>> = {};
      for (const kind of Object.keys(SEVERITY) as AnomalyKind[]) if ((counted[kind] ?? 0) > 0) anomaliesByKind[kind] = counted[kind]!;
      return freeze({
        deliveries: counts.deliveries, applied: counts.applied, duplicates: counts.duplicates, rejected: counts.rejected,
        unknown: counts.unknown, streams: streams.size, sessionsByStatus, emailThreadsByStatus,
        operators: knownOperatorIds().length, signalOnlySessions, anomaliesByKind, refoldedEvents: counts.refolded,
      }, true);
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    snapshot() {
      const snapshotStreams: [StreamId, unknown, [number, ProcessAnomaly[]][]][] = [];
      for (const stream of streams.values()) {
        const anomalies: [number, ProcessAnomaly[]][] = [];
        for (const [slot, list] of stream.anomalies ?? []) anomalies.push([log.position(slot), list]);
        snapshotStreams.push([stream.id, stream.folder.toJSON(stream.state), anomalies]);
      }
      return { version: 2, position: lastPosition, streams: snapshotStreams };
    },

    sweepStalled() {
      const current = new Map(stalledAnomalies().map((a) => [stalledKey(a), a]));
      const raised = [...current].filter(([key]) => !lastStalled.has(key)).map(([, a]) => a);
      const resolved = [...lastStalled].filter(([key]) => !current.has(key)).map(([, a]) => a);
      lastStalled = current;
      for (const anomaly of raised) notify({ type: 'anomaly-raised', anomaly });
      for (const anomaly of resolved) notify({ type: 'anomaly-resolved', anomaly });
      return { raised, resolved };
    },
  };
}
