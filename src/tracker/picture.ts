/**
 * The tracker's in-memory picture: every stream folded in canonical order, the operators' index,
 * the anomalies, the counters; and `apply`, which folds one store record into it. A pure function
 * of the record sequence: a tracker rebuilt from the same store holds the same picture.
 */
import { freeze } from 'immer';
import { identityKeyOfText } from '../catalogue/identity.js';
import { emailThreadFolder } from '../fold/emailThreadFold.js';
import type { Folder, ProcessAnomaly } from '../fold/folder.js';
import { noFolder } from '../fold/noFold.js';
import { presenceFolder } from '../fold/presenceFold.js';
import { sessionFolder } from '../fold/sessionFold.js';
import { appended } from '../fold/appended.js';
import { createStreamFold, SortTimeColumn, type AnomalyChange, type StreamFold } from '../fold/streamFold.js';
import type { StoreRecord } from '../store/eventStore.js';
import { PackedLog } from '../store/packedLog.js';
import { iso } from '../views/views.js';
import type { Anomaly, AnomalyKind, AnomalySeverity, NormalizedEvent, StreamId } from '../types.js';
import type { Dedupe } from './dedupe.js';
import type { IngestResult, TrackerSnapshot } from './types.js';

export const SEVERITY: Record<AnomalyKind, AnomalySeverity> = {
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

export type AnyStream = StreamFold<unknown>;

export const NONE: readonly never[] = Object.freeze([]);

export const entityIdOf = (stream: StreamId): number => Number(stream.slice(stream.indexOf(':') + 1));

function folderFor(stream: StreamId): Folder<unknown> {
  if (stream.startsWith('session:')) return sessionFolder as Folder<unknown>;
  if (stream.startsWith('email:')) return emailThreadFolder as Folder<unknown>;
  if (stream.startsWith('operator:')) return presenceFolder as Folder<unknown>;
  return noFolder as Folder<unknown>;
}

/** Unknown event types (outside sessions) with a stream of their own; the rest share {@link OTHER_UNKNOWN_STREAM}. */
const MAX_UNKNOWN_STREAMS = 100;
const OTHER_UNKNOWN_STREAM = 'unknown:(other)';

/** Entries of the cache of recent streams (a power of two; see `streamOf`). */
const RECENT_STREAMS = 1 << 13;

/** What `stream`'s state waits for (folder.awaits), or an empty list. */
export const awaitedBy = (stream: AnyStream): readonly string[] => stream.folder.awaits?.(stream.state) ?? NONE;

/**
 * The open missing-transition of a stream whose state waits for events (a session whose end an
 * activity reported, SessionEnded still due): not an event's anomaly but the state's, so it is
 * resolved when the awaited event arrives, whenever that is.
 */
export function awaitedAnomaly(stream: AnyStream, awaited: readonly string[]): Anomaly {
  const state = stream.state as { lastTime?: number | null };
  return freeze({
    kind: 'missing-transition', severity: SEVERITY['missing-transition'], stream: stream.id, eventType: null,
    message: `the state implies events that have not arrived: ${awaited.join(', ')}`, missing: [...awaited],
    position: null, source: null, time: iso(state.lastTime ?? null),
  }, true);
}

function deliveryAnomaly(kind: AnomalyKind, message: string, record: StoreRecord, event: NormalizedEvent | null, extra: Partial<Anomaly> = {}): Anomaly {
  return freeze({
    kind, severity: SEVERITY[kind], stream: event?.stream ?? null, eventType: event?.eventType ?? null,
    message, position: record.position, source: record.source, time: iso(event?.time ?? null), ...extra,
  }, true);
}

/**
 * Creates an empty picture over `log` (the store's own log, or the tracker's copy when `ownLog`:
 * then `apply` appends each event to it).
 */
export function createPicture(initialLog: PackedLog, ownLog: boolean, dedupe: Dedupe) {
  /** The events of the hot streams (a tracker's own log is replaced when compacted; see retirement.ts). */
  let log = initialLog;
  const streams = new Map<StreamId, AnyStream>();
  /** Where the streams keep their events' sort times, by slot of `log`. */
  const sortTimes = new SortTimeColumn();
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
  const counts = { deliveries: 0, applied: 0, duplicates: 0, rejected: 0, unknown: 0, refolded: 0 };
  /**
   * Streams of recently seen entity ids, direct-mapped by the id's low bits (an entry is checked
   * against the stream id, since ids of different entity kinds share numbers): the open sessions'
   * streams stay here, and reading this small table cost less than probing the map of every
   * stream of the day, a cache miss or two (3.5 % of an ingest in a profile).
   */
  const recentStreams = new Array<AnyStream | undefined>(RECENT_STREAMS);
  /** Streams of unknown event types outside sessions (see `streamOf`). */
  let unknownStreams = 0;
  let lastPosition = 0;
  /** The stream the last event applied went to (the tracker tells retirement about it). */
  let lastApplied: AnyStream | null = null;

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

  /** The public form of a process anomaly of the event in `slot` (`event`: that event, if at hand). */
  function processAnomaly(slot: number, anomaly: ProcessAnomaly, event: NormalizedEvent = log.event(slot)): Anomaly {
    return freeze({
      kind: anomaly.kind, severity: SEVERITY[anomaly.kind], stream: event.stream, eventType: event.eventType,
      message: anomaly.message, position: log.position(slot), source: log.source(slot), time: iso(event.time),
      ...(anomaly.missing === undefined ? {} : { missing: [...anomaly.missing] }),
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

  /** A dead letter or a re-delivery: counted, and its delivery anomaly kept. */
  function applyOther(record: Exclude<StoreRecord, { kind: 'event' }>): IngestResult {
    const { position } = record;
    if (record.kind === 'dead-letter') {
      counts.rejected++;
      const anomaly = deliveryAnomaly('invalid-payload', record.error.message, record, null, { eventType: record.error.eventType, error: record.error });
      deliveryAnomalies.push(anomaly);
      return { outcome: 'rejected', position, eventType: record.error.eventType, streams: NONE, raised: [anomaly], resolved: NONE, error: record.error };
    }
    counts.duplicates++;
    // A log that names a re-delivery before its original (a store bug) still yields an anomaly.
    const event = record.conflicting ?? dedupe.appliedHolder(identityKeyOfText(record.identity), record.identity)?.event ?? null;
    const anomaly = record.conflicting === null
      ? deliveryAnomaly('duplicate', `exact re-delivery of position ${record.originalPosition}, ignored`, record, event)
      : deliveryAnomaly('conflicting-duplicate', `same identity as position ${record.originalPosition} with different content; the first report is kept`, record, event);
    deliveryAnomalies.push(anomaly);
    return { outcome: 'duplicate', position, eventType: anomaly.eventType, streams: NONE, raised: [anomaly], resolved: NONE };
  }

  /** Applies one store record to the picture. */
  function apply(record: StoreRecord): IngestResult {
    const { position } = record;
    lastPosition = position;
    counts.deliveries++;
    if (record.kind !== 'event') return applyOther(record);
    const { event } = record;
    const slot = ownLog ? log.append(record) : log.slotOf(position);
    dedupe.index(event, record.receivedAt, slot);
    const stream = streamOf(event);
    lastApplied = stream;
    if (record.receivedAt > stream.lastReceivedAt) stream.lastReceivedAt = record.receivedAt;
    const awaitedBefore = awaitedBy(stream);
    const inserted = stream.insert(slot, event);
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
    const awaitedAfter = awaitedBy(stream);
    if (awaitedAfter !== awaitedBefore && awaitedAfter.join() !== awaitedBefore.join()) {
      if (awaitedBefore.length > 0) (resolved ??= []).push(awaitedAnomaly(stream, awaitedBefore));
      if (awaitedAfter.length > 0) (raised ??= []).push(awaitedAnomaly(stream, awaitedAfter));
    }
    return { outcome: event.known ? 'applied' : 'unknown', position, eventType: event.eventType, streams: stream.ids, raised: raised ?? NONE, resolved: resolved ?? NONE };
  }

  /** What a snapshot keeps of the picture (the tracker adds the rest): the hot streams with their first positions. */
  function snapshotOf(): Pick<TrackerSnapshot, 'position' | 'hot' | 'counts' | 'loose'> {
    const hot: [StreamId, number][] = [];
    for (const stream of streams.values()) {
      let first = Infinity;
      for (const slot of stream.slots) first = Math.min(first, log.position(slot));
      hot.push([stream.id, first]);
    }
    return { position: lastPosition, hot, counts: { ...counts }, loose: deliveryAnomalies.filter((a) => a.stream === null) };
  }

  /** Starts from a snapshot's counters and loose anomalies (the hot streams are reloaded apart). */
  function restoreCounts(snapshot: TrackerSnapshot): void {
    Object.assign(counts, snapshot.counts);
    lastPosition = snapshot.position;
    deliveryAnomalies.push(...snapshot.loose);
  }

  /**
   * Applies records of retired streams read back from the store (in position order): their
   * streams are rebuilt as they were, uncounted (the caller tells nobody).
   */
  function reload(records: Iterable<StoreRecord>): void {
    // Counted when they first arrived: the counters and the position stay as they are.
    const counted = { ...counts };
    const position = lastPosition;
    try {
      for (const record of records) apply(record);
    } finally {
      Object.assign(counts, counted);
      lastPosition = position;
    }
  }

  /** Forgets a stream (retirement.ts decides which, and cleans the indexes). */
  function forget(stream: AnyStream): void {
    streams.delete(stream.id);
    anomalous.delete(stream);
    const id = stream.id;
    const entry = entityIdOf(id) & (RECENT_STREAMS - 1);
    if (recentStreams[entry] === stream) recentStreams[entry] = undefined;
  }

  /** Replaces the log by its compacted form (retirement.ts made it and moved the streams). */
  function moveTo(compacted: PackedLog, slotMap: Int32Array): void {
    sortTimes.remap(slotMap, compacted.length);
    for (const stream of streams.values()) stream.moveTo(compacted, slotMap);
    dedupe.moveTo(compacted, slotMap);
    log = compacted;
  }

  /**
   * The picture as a snapshot image: the packed events and their sort times, the dedupe table,
   * and per stream its slots, state and anomalies (JSON beside the binary parts). Only a
   * tracker's own log has one (a store's log is the store's).
   */
  function toImage(): { meta: ImageMeta; parts: Uint8Array[] } {
    const slotCounts: number[] = [];
    const allSlots: number[] = [];
    const sortEnds: number[] = [];
    // Anomalies outside any stream travel in the snapshot itself (`loose`).
    const meta: ImageMeta = { streams: [], deliveryAnomalies: deliveryAnomalies.filter((a) => a.stream !== null), unknownStreams };
    for (const stream of streams.values()) {
      const { slots, lastSortTime } = stream.imageOf();
      slotCounts.push(slots.length);
      for (const slot of slots) allSlots.push(slot);
      sortEnds.push(lastSortTime, stream.lastReceivedAt);
      meta.streams.push([stream.id, stream.state, [...stream.anomalies ?? []], stream.operatorsIndexed]);
    }
    const bytes = (array: Int32Array | Float64Array) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    return {
      meta,
      parts: [
        bytes(Int32Array.from(slotCounts)), bytes(Int32Array.from(allSlots)), bytes(Float64Array.from(sortEnds)),
        bytes(sortTimes.toImage(log.length)), bytes(dedupe.identitiesImage()), ...log.toImage(),
      ],
    };
  }

  /** Takes an image {@link toImage} made (the picture is empty, its counters restored apart). */
  function restoreImage(meta: ImageMeta, parts: readonly Uint8Array[]): void {
    const ints = (part: Uint8Array) => new Int32Array(part.slice().buffer);
    const floats = (part: Uint8Array) => new Float64Array(part.slice().buffer);
    const slotCounts = ints(parts[0]!);
    const allSlots = ints(parts[1]!);
    const sortEnds = floats(parts[2]!);
    log = PackedLog.fromImage(parts.slice(5));
    sortTimes.restoreImage(floats(parts[3]!));
    dedupe.restoreImage(log, ints(parts[4]!));
    let at = 0;
    meta.streams.forEach(([id, state, anomalies, operatorsIndexed], i) => {
      const stream = createStreamFold(id, folderFor(id), log, sortTimes);
      stream.restoreImage(allSlots.subarray(at, at + slotCounts[i]!), sortEnds[2 * i]!, state, anomalies.length === 0 ? null : new Map(anomalies));
      at += slotCounts[i]!;
      stream.lastReceivedAt = sortEnds[2 * i + 1]!;
      streams.set(id, stream);
      if (stream.anomalies !== null) anomalous.add(stream);
      for (const userId of operatorsIndexed) {
        stream.operatorsIndexed = appended(stream.operatorsIndexed, userId);
        const index = id.startsWith('email:') ? operatorEmails : operatorSessions;
        const appearsIn = index.get(userId);
        if (appearsIn === undefined) index.set(userId, [stream]);
        else appearsIn.push(stream);
      }
    });
    deliveryAnomalies.push(...meta.deliveryAnomalies);
    unknownStreams = meta.unknownStreams;
  }

  return {
    toImage,
    restoreImage,
    get log() {
      return log;
    },
    /** The stream of the last event applied, or null (and cleared): for retirement's queue. */
    takeLastApplied(): AnyStream | null {
      const stream = lastApplied;
      lastApplied = null;
      return stream;
    },
    /** Whether `event`'s stream is among the recently seen ones (certainly in memory): a cheap test before a map look-up. */
    isRecent(event: NormalizedEvent): boolean {
      if (event.entityId === null) return false;
      return recentStreams[event.entityId & (RECENT_STREAMS - 1)]?.id === event.stream;
    },
    ownLog, streams, deliveryAnomalies, anomalous, operatorSessions, operatorEmails, counts,
    apply, snapshotOf, restoreCounts, processAnomaly, reload, forget, moveTo,
  };
}

export type Picture = ReturnType<typeof createPicture>;

/** The JSON part of a picture's image. */
export interface ImageMeta {
  /** Per stream, in the order of the binary parts: id, state, anomalies by slot, operators indexed. */
  streams: [id: StreamId, state: unknown, anomalies: [slot: number, anomalies: ProcessAnomaly[]][], operatorsIndexed: readonly number[]][];
  deliveryAnomalies: Anomaly[];
  unknownStreams: number;
}
