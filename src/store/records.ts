/**
 * The records a store holds: every delivery under a global position, as an accepted event, a
 * dead letter or a re-delivery.
 */
import type { NormalizedEvent, ParseError, RawBody, StreamId } from '../types.js';

/** An accepted event. */
export interface StoredEvent {
  readonly kind: 'event';
  /** Global position, 1-based, in arrival order. */
  readonly position: number;
  /** When it was received (epoch milliseconds). */
  readonly receivedAt: number;
  /** Where the delivery came from, as the ingesting code said (`line 12`, a request id), or null. */
  readonly source: string | null;
  readonly event: NormalizedEvent;
}

/** A body that failed validation, kept with its error. */
export interface DeadLetter {
  readonly kind: 'dead-letter';
  readonly position: number;
  readonly receivedAt: number;
  /** Where the delivery came from, as the ingesting code said (`line 12`, a request id), or null. */
  readonly source: string | null;
  readonly raw: RawBody;
  readonly error: ParseError;
}

/** A re-delivery of an accepted event's identity: an exact retry, or a conflicting report (kept whole). */
export interface Redelivery {
  readonly kind: 'redelivery';
  readonly position: number;
  readonly receivedAt: number;
  /** Where the delivery came from, as the ingesting code said (`line 12`, a request id), or null. */
  readonly source: string | null;
  /** Position of the event it repeats, and their shared identity. */
  readonly originalPosition: number;
  readonly identity: string;
  /** Set for a conflicting report: the event as it arrived. */
  readonly conflicting: NormalizedEvent | null;
  /**
   * The stream of the event it repeats, so that a stream read back from the store brings its
   * re-deliveries with it. Absent in records written before it was kept.
   */
  readonly stream?: StreamId | null;
}

export type StoreRecord = StoredEvent | DeadLetter | Redelivery;
/** A record before the store gives it a position (`position` is 0 until then). */
export type NewStoreRecord = StoreRecord;

/** The final view of a retired entity, as archived for listings. */
export interface ArchivedView {
  readonly stream: StreamId;
  /** The view's `status` (a session's or e-mail thread's; an operator's presence). */
  readonly status: string | null;
  readonly tenantId: number | null;
  /** A session's close time (ISO), else null. */
  readonly closedAt: string | null;
  /** The view, JSON. */
  readonly view: unknown;
}

/** What to list of the archive: one kind of stream, optionally closed in `[closedFrom, closedTo)`. */
export interface ArchiveQuery {
  /** Stream id prefix: `session:`, `email:` or `operator:`. */
  readonly prefix: string;
  readonly closedFrom?: number;
  readonly closedTo?: number;
}

/** The stream a record belongs to: an event's own, a re-delivery's original's; null for dead letters. */
export function streamOfRecord(record: StoreRecord): StreamId | null {
  if (record.kind === 'event') return record.event.stream;
  if (record.kind === 'redelivery') return record.stream ?? record.conflicting?.stream ?? null;
  return null;
}

/** Whether an archived view answers `query`. */
export function archiveMatches(entry: ArchivedView, query: ArchiveQuery): boolean {
  if (!entry.stream.startsWith(query.prefix)) return false;
  if (query.closedFrom === undefined && query.closedTo === undefined) return true;
  const closed = entry.closedAt === null ? NaN : Date.parse(entry.closedAt);
  return !Number.isNaN(closed) && closed >= (query.closedFrom ?? -Infinity) && closed < (query.closedTo ?? Infinity);
}
