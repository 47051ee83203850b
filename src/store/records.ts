/**
 * The records a store holds: every delivery under a global position, as an accepted event, a
 * dead letter or a re-delivery.
 */
import type { NormalizedEvent, ParseError, RawBody } from '../types.js';

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
}

export type StoreRecord = StoredEvent | DeadLetter | Redelivery;
/** A record before the store gives it a position (`position` is 0 until then). */
export type NewStoreRecord = StoreRecord;
