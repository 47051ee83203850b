/**
 * The event store: every delivery the tracker accepted, in arrival order, under a global
 * position, plus every body it could not accept (dead letters) and every re-delivery it ignored.
 * Nothing is dropped: a tracker rebuilt from a store reproduces the same views and anomalies.
 */
import type { PackedLog } from './packedLog.js';
import type { StreamId } from '../types.js';
import type { ArchivedView, ArchiveQuery, NewStoreRecord, StoreRecord } from './records.js';

export type { StoredEvent, DeadLetter, Redelivery, StoreRecord, NewStoreRecord, ArchivedView, ArchiveQuery } from './records.js';

/**
 * Storage of the tracker's log. Implementations: {@link createMemoryStore} (in process); durable
 * ones follow the same contract: `append` resolves only once the record is durable.
 */
export interface EventStore {
  /**
   * Appends a record and returns it with its global position. The record is the store's to keep
   * (the tracker never touches it again), so a store may set `position` on it instead of copying.
   * A store must assign positions in the order `append` is called, before it returns.
   * `body` is the body text as delivered, for events and conflicting re-deliveries: durable
   * stores keep it (it is the form mluvii sent), the in-memory store keeps the parsed payload.
   */
  append(record: NewStoreRecord, body?: string | null): StoreRecord | Promise<StoreRecord>;
  /** Every record in position order. */
  read(): Iterable<StoreRecord> | AsyncIterable<StoreRecord>;
  /**
   * Whether the store can take appends now (a full disk, an unreachable database say no). A
   * receiver reports it on `/health`. Stores without it are taken as always healthy.
   */
  health?(): StoreHealth | Promise<StoreHealth>;
}

/** What {@link EventStore.health} says. */
export interface StoreHealth {
  readonly ok: boolean;
  /** Why not, when not ok (secrets redacted). */
  readonly message?: string;
}

/**
 * An append the store could not make durable (disk full, database unreachable): nothing was
 * stored and nothing may be acknowledged; the same delivery can be retried later. A receiver
 * answers 503 with Retry-After.
 */
export class StoreUnavailableError extends Error {
  readonly code = 'store-unavailable';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * A store that reads one stream's records back without reading the whole log: a tracker over it
 * retires finished streams from memory and brings them back from it on demand.
 */
export interface HistoryStore extends EventStore {
  /**
   * The records of `stream` in log order: its events and the re-deliveries of them (none: an
   * empty list). A shared store takes `through`, a follower's checkpoint: only what the tracker
   * has folded.
   */
  readStream(stream: StreamId, through?: unknown): StoreRecord[] | Promise<StoreRecord[]>;
  /** Keeps the final views of retired entities, for listings over time (see ArchivedView). */
  archive?(views: readonly ArchivedView[]): void | Promise<void>;
  /** Archived views matching `query`, the latest archived of each entity. */
  archived?(query: ArchiveQuery): ArchivedView[] | Promise<ArchivedView[]>;
}

export function isHistoryStore(store: EventStore): store is HistoryStore {
  return typeof (store as Partial<HistoryStore>).readStream === 'function';
}

/**
 * A store that holds its records in memory too, packed, with positions `1, 2, 3, ...` (the
 * in-memory and journal stores): a tracker over it folds from that log rather than keep a copy.
 */
export interface LoggedStore extends EventStore {
  readonly log: PackedLog;
}

export function isLoggedStore(store: EventStore): store is LoggedStore {
  return (store as Partial<LoggedStore>).log !== undefined;
}

/**
 * A store several tracker processes share (PostgreSQL). Trackers over it fold the log as the
 * store orders it, reading it (and following it) rather than folding what they appended, so
 * every process converges to the same views.
 */
export interface SharedEventStore<Checkpoint = unknown> extends EventStore {
  readonly shared: true;
  append(record: NewStoreRecord, body?: string | null): Promise<StoreRecord>;
  /** Records after `checkpoint` (null: from the start) that are safe to consume, in log order. */
  readAfter(checkpoint: Checkpoint | null, limit?: number): Promise<{ records: StoreRecord[]; checkpoint: Checkpoint | null }>;
  /** Calls `wake` whenever the log may have grown; resolves to a function that stops watching. */
  watch(wake: () => void): Promise<() => Promise<void>>;
}

export function isSharedStore(store: EventStore): store is SharedEventStore {
  return (store as Partial<SharedEventStore>).shared === true;
}
