/** The tracker's public types: options, results, filters, notices, snapshots and the Tracker itself. */
import type { EventStore, StoreHealth } from '../store/eventStore.js';
import type { KpiOptions } from '../views/kpis.js';
import type { NowPicture, TrackerKpis } from './kpiQueries.js';
import type { StalledThresholds } from '../views/stalled.js';
import type {
  Anomaly, AnomalyKind, AnomalySeverity, EmailThreadStatus, EmailThreadView, OperatorView,
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
  /**
   * How long (ms) a finished stream stays in memory after its last event: a closed session, an
   * e-mail thread or an operator's presence idle that long retires, to come back from the store
   * when asked for (`findSession`, ...) or when an event for it arrives. Default 24 h (after-call
   * work, recordings and call-script submissions follow a session's end by minutes to hours).
   * `Infinity`: never. Needs a store that reads streams back (memory, journal); ignored over a
   * shared store.
   */
  readonly retainFor?: number;
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
  | { readonly type: 'follow-failed'; readonly message: string; readonly error: unknown; readonly retryInMs: number }
  /** The store could not archive retired views: listings over time miss them until they retire again. */
  | { readonly type: 'archive-failed'; readonly message: string; readonly error: unknown };

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
/** A listing over memory and the archive of retired sessions (`Tracker.findSessions`). */
export interface SessionHistoryFilter extends SessionFilter {
  /** Only sessions closed at or after this instant (epoch ms, Date or ISO). */
  readonly closedFrom?: number | Date | string;
  /** Only sessions closed before this instant. */
  readonly closedTo?: number | Date | string;
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
 * What a tracker needs to start again without reading all of history (JSON-safe): which streams
 * were in memory at a store position, with the first position of each, and what it counts of
 * everything else. A start over a journal reads the hot streams' records and the journal after
 * the snapshot, and folds them: its cost follows the hot set and the tail, not history.
 */
export interface TrackerSnapshot {
  readonly version: 3;
  /** The last store position folded into it. */
  readonly position: number;
  /** Where the journal after `position` starts (set by the journal store when it writes the snapshot). */
  readonly offset?: number;
  /** The streams in memory, each with the position of its first record. */
  readonly hot: readonly (readonly [stream: StreamId, firstPosition: number])[];
  /** Keys of the retired streams (see history.ts). */
  readonly retired: readonly number[];
  /** The delivery counters at `position`. */
  readonly counts: Readonly<Record<'deliveries' | 'applied' | 'duplicates' | 'rejected' | 'unknown' | 'refolded', number>>;
  /** What stats count of retired streams (retirement.ts), JSON. */
  readonly retiredCounts: unknown;
  /** Anomalies of deliveries outside any stream (rejected bodies). */
  readonly loose: readonly Anomaly[];
  /** The latest receive time folded (epoch ms). */
  readonly latestReceivedAt: number;
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
  /** `session`, reaching retired sessions too (read back from the store). */
  findSession(id: number): Promise<SessionView | null>;
  /** `emailThread`, reaching retired threads too. */
  findEmailThread(id: number): Promise<EmailThreadView | null>;
  /** `operator`, with a retired presence read back from the store. */
  findOperator(userId: number): Promise<OperatorView | null>;
  /** `timeline`, reaching retired streams too. */
  findTimeline(stream: StreamId): Promise<TimelineItem[]>;
  /** `sessions` over memory and the store's archive of retired sessions, optionally by close time. */
  findSessions(filter?: SessionHistoryFilter): Promise<SessionView[]>;
  /**
   * Contact-center KPIs of the sessions offered (started) in `[from, to)`, in memory or retired,
   * optionally per interval, with per-operator handled counts, handle time and occupancy.
   * Formulas: docs/kpis.md.
   */
  kpis(options: KpiOptions): Promise<TrackerKpis>;
  /** What is happening at the clock's instant: sessions waiting and for how long, operators by presence and work. */
  now(): NowPicture;
  /** Retires what has finished and idled for `retainFor` now (also done every few thousand deliveries); returns how many. */
  retire(): number;
  /** Calls `listener` for every state change and anomaly raised or resolved. Returns unsubscribe. */
  subscribe(listener: (notice: TrackerNotice) => void): () => void;
  /**
   * Re-judges `stalled` against the clock and notifies subscribers of stalled anomalies raised or
   * resolved since the last sweep (events cannot: a session gets stuck when nothing happens).
   * Call it on a timer; `mluvii-state serve` does, every 30 s. Returns what changed.
   */
  sweepStalled(): { raised: Anomaly[]; resolved: Anomaly[] };
  /** What a restart needs to skip history (journal: `store.writeSnapshot(tracker.snapshot(), tracker.snapshotImage())`). */
  snapshot(): TrackerSnapshot;
  /**
   * The hot set in binary, taken with `snapshot()` (call both in the same turn): a start from
   * both decodes and folds nothing the snapshot covers. Null over a store that keeps the events
   * in memory itself (the in-memory store).
   */
  snapshotImage(): Uint8Array[] | null;
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
