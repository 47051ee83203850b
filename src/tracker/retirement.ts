/**
 * Retirement: a stream whose entity has finished (a session closed; an e-mail thread or an
 * operator's presence idle) and that has seen no event for `retainFor` leaves memory: its state,
 * its events (the log is compacted once they are most of it), its dedupe identities, its
 * operator index entries and its delivery anomalies. It comes back from the store, rebuilt by the
 * same fold, when it is asked for or when an event for it arrives (createTracker.ts), so every
 * view, anomaly and timeline is the same as if it had never left. What `stats()` counts of it
 * stays counted here meanwhile.
 *
 * Akka's passivation of idle entities, with recovery from the journal on the next message, is
 * the model; the difference is that an entity here retires only once its lifecycle says no more
 * is expected (a closed session), not merely when idle.
 */
import { takesPart } from '../fold/participations.js';
import { isSignalOnly, type SessionState } from '../fold/sessionFold.js';
import type { EmailThreadState } from '../fold/emailThreadFold.js';
import { createPackedLog } from '../store/packedLog.js';
import { emailThreadStatus } from '../views/views.js';
import type { Anomaly, AnomalyKind, EmailThreadStatus, SessionStatus, StreamId } from '../types.js';
import type { Dedupe } from './dedupe.js';
import { awaitedBy, NONE, type AnyStream, type Picture } from './picture.js';

/** Default retention: 24 hours, so after-call work, recordings and call-script submissions that
 * follow a session's end by hours still find it in memory. */
export const DEFAULT_RETAIN_FOR_MS = 24 * 60 * 60 * 1000;

/**
 * A log is compacted when retired events are a quarter of the live ones, and at least this many:
 * it then holds at most 1.25 times what is live. Each compaction copies the live events (their
 * bytes, no decoding) and frees at least a quarter as many, so copying costs at most four event
 * copies per retired event, whatever the size; the minimum only spares tiny logs the work.
 */
const COMPACT_AT_LEAST = 256;
const COMPACT_DEAD_SHARE = 0.25;

/** What `stats()` counts of the retired streams. */
export interface RetiredCounts {
  streams: number;
  sessionsByStatus: Record<SessionStatus, number>;
  emailThreadsByStatus: Record<EmailThreadStatus, number>;
  signalOnlySessions: number;
  anomaliesByKind: Partial<Record<AnomalyKind, number>>;
  /** Operators known from retired streams. */
  readonly operators: Set<number>;
  /** Retired e-mail threads still assigned, by operator: their views still list them. */
  readonly assignedEmailThreads: Map<number, Set<number>>;
}

export const emptyRetiredCounts = (): RetiredCounts => ({
  streams: 0,
  sessionsByStatus: { created: 0, queued: 0, active: 0, ended: 0, 'after-call-work': 0, closed: 0 },
  emailThreadsByStatus: { unassigned: 0, assigned: 0 },
  signalOnlySessions: 0,
  anomaliesByKind: {},
  operators: new Set(),
  assignedEmailThreads: new Map(),
});

/** Whether `stream`'s entity expects nothing more by its lifecycle (sessions); idle is judged apart. */
function finished(stream: AnyStream): boolean {
  if (stream.id.startsWith('session:')) {
    const state = stream.state as SessionState;
    return state.status === 'closed' || isSignalOnly(state);
  }
  // Unknown event types share capped streams decided in log order: they stay.
  return stream.id.startsWith('email:') || stream.id.startsWith('operator:');
}

export function createRetirement(picture: Picture, dedupe: Dedupe, retainFor: number) {
  const counts = emptyRetiredCounts();
  /** Streams with deliveries appended but not applied yet: not retired under them. */
  const inFlight = new Map<StreamId, number>();
  /**
   * Finished streams in the order their last event arrived, each with that event's receive
   * time: a sweep takes from the front what has idled long enough, instead of walking every
   * stream in memory (a walk every few thousand deliveries cost a tenth of an ingest). An entry
   * whose stream got another event since is stale: the newer entry stands for it.
   */
  let queue: ({ stream: AnyStream; at: number } | null)[] = [];
  let head = 0;
  /** Queues `stream` once per receive time, when it is finished (most events are of open sessions). */
  function enqueue(stream: AnyStream): void {
    if (!finished(stream) || stream.retirementQueuedAt === stream.lastReceivedAt) return;
    stream.retirementQueuedAt = stream.lastReceivedAt;
    queue.push({ stream, at: stream.lastReceivedAt });
  }

  /** Adds (sign 1) or removes (-1) what `stream` contributes to the stats. */
  function count(stream: AnyStream, sign: 1 | -1, delivery: readonly Anomaly[]): void {
    const kinds = counts.anomaliesByKind;
    const add = (kind: AnomalyKind, n = 1) => { kinds[kind] = (kinds[kind] ?? 0) + sign * n; };
    counts.streams += sign;
    if (stream.id.startsWith('session:')) {
      const state = stream.state as SessionState;
      if (isSignalOnly(state)) counts.signalOnlySessions += sign;
      else counts.sessionsByStatus[state.status] += sign;
    } else if (stream.id.startsWith('email:')) {
      const state = stream.state as EmailThreadState;
      const status = emailThreadStatus(state);
      counts.emailThreadsByStatus[status] += sign;
      if (status === 'assigned' && state.operatorUserId !== null) {
        const threadId = Number(stream.id.slice('email:'.length));
        const assigned = counts.assignedEmailThreads.get(state.operatorUserId) ?? new Set<number>();
        if (sign > 0) assigned.add(threadId);
        else assigned.delete(threadId);
        if (assigned.size === 0) counts.assignedEmailThreads.delete(state.operatorUserId);
        else counts.assignedEmailThreads.set(state.operatorUserId, assigned);
      }
    }
    if (awaitedBy(stream).length > 0) add('missing-transition');
    for (const list of stream.anomalies?.values() ?? []) for (const a of list) add(a.kind);
    for (const a of delivery) add(a.kind);
  }

  /** The delivery anomalies of each of `ids`. */
  function deliveryAnomaliesOf(ids: ReadonlySet<StreamId>): Map<StreamId, Anomaly[]> {
    const found = new Map<StreamId, Anomaly[]>();
    for (const a of picture.deliveryAnomalies) {
      if (a.stream === null || !ids.has(a.stream)) continue;
      const list = found.get(a.stream);
      if (list === undefined) found.set(a.stream, [a]);
      else list.push(a);
    }
    return found;
  }

  /** Operators `stream` makes known (kept known while it is retired). */
  function rememberOperators(stream: AnyStream): void {
    if (stream.id.startsWith('operator:')) counts.operators.add(Number(stream.id.slice('operator:'.length)));
    for (const userId of stream.operatorsIndexed) {
      if (stream.id.startsWith('email:') || takesPart(stream.state as SessionState, userId)) counts.operators.add(userId);
    }
  }

  /** Takes `retiring` out of every index and of memory. */
  function retireAll(retiring: AnyStream[]): void {
    const gone = new Set(retiring);
    const ids = new Set(retiring.map((stream) => stream.id));
    const delivery = deliveryAnomaliesOf(ids);
    const touchedOperators = new Set<number>();
    for (const stream of retiring) {
      count(stream, 1, delivery.get(stream.id) ?? NONE);
      rememberOperators(stream);
      for (const slot of stream.slots) dedupe.forget(slot);
      for (const userId of stream.operatorsIndexed) touchedOperators.add(userId);
      picture.forget(stream);
    }
    for (const index of [picture.operatorSessions, picture.operatorEmails]) {
      for (const userId of touchedOperators) {
        const list = index.get(userId);
        if (list === undefined) continue;
        const kept = list.filter((stream) => !gone.has(stream));
        if (kept.length === 0) index.delete(userId);
        else if (kept.length !== list.length) index.set(userId, kept);
      }
    }
    const all = picture.deliveryAnomalies;
    let kept = 0;
    for (const a of all) if (a.stream === null || !ids.has(a.stream)) all[kept++] = a;
    all.length = kept;
  }

  /**
   * Copies the hot streams' events into a fresh log when retired ones are a quarter of it (a
   * copying collector: the cost follows what is live).
   */
  function compactIfWorthIt(): boolean {
    if (!picture.ownLog) return false;
    const { log } = picture;
    let live = 0;
    for (const stream of picture.streams.values()) live += stream.length;
    const dead = log.length - live;
    if (dead < COMPACT_AT_LEAST || dead < live * COMPACT_DEAD_SHARE) return false;
    const alive = new Uint8Array(log.length);
    for (const stream of picture.streams.values()) for (const slot of stream.slots) alive[slot] = 1;
    const compacted = createPackedLog();
    const slotMap = new Int32Array(log.length).fill(-1);
    for (let slot = 0; slot < log.length; slot++) if (alive[slot] === 1) slotMap[slot] = compacted.copyEvent(log, slot);
    picture.moveTo(compacted, slotMap);
    return true;
  }

  return {
    counts,

    /** Notes that a delivery for `stream` was appended and awaits its fold (`-1`: it was folded or failed). */
    inFlight(stream: StreamId, delta: 1 | -1): void {
      const n = (inFlight.get(stream) ?? 0) + delta;
      if (n <= 0) inFlight.delete(stream);
      else inFlight.set(stream, n);
    },

    /** Notes that an event was folded into `stream` (it may have finished, or be idle from now on). */
    touched: enqueue,

    /** Queues every stream in memory (after a start, which folds without `touched`). */
    touchedAll(): void {
      for (const stream of picture.streams.values()) enqueue(stream);
    },

    /** The finished streams idle since `now - retainFor`: what `retire` should take. */
    due(now: number): AnyStream[] {
      const due: AnyStream[] = [];
      const idleSince = now - retainFor;
      const waiting: { stream: AnyStream; at: number }[] = [];
      while (head < queue.length && queue[head]!.at <= idleSince) {
        const entry = queue[head]!;
        // Taken entries let go of their stream at once: a retired stream keeps the log it was
        // folded from alive (a compacted one, with all its bytes) for as long as it is referenced.
        queue[head++] = null;
        const { stream } = entry;
        if (picture.streams.get(stream.id) !== stream || stream.lastReceivedAt !== entry.at || !finished(stream)) continue;
        // A delivery on its way: looked at again next time.
        if (inFlight.has(stream.id)) waiting.push(entry);
        else due.push(stream);
      }
      if (head > 1024 && head * 2 > queue.length) {
        queue = queue.slice(head);
        head = 0;
      }
      queue.push(...waiting);
      return due;
    },

    /** Takes `streams` (from `due`) out of memory; compacts the log when that is worth it. */
    retire(streams: AnyStream[]): void {
      if (streams.length === 0) return;
      retireAll(streams);
      compactIfWorthIt();
    },

    /** Takes the counts a snapshot kept (see `counts`). */
    restoreCounts(saved: unknown): void {
      const { operators, assignedEmailThreads, ...rest } = saved as Omit<RetiredCounts, 'operators' | 'assignedEmailThreads'> & { operators: number[]; assignedEmailThreads: [number, number[]][] };
      Object.assign(counts, rest);
      for (const id of operators) counts.operators.add(id);
      for (const [userId, threads] of assignedEmailThreads) counts.assignedEmailThreads.set(userId, new Set(threads));
    },

    /** The counts, JSON-safe, for a snapshot. */
    savedCounts(): unknown {
      return {
        ...counts, operators: [...counts.operators],
        assignedEmailThreads: [...counts.assignedEmailThreads].map(([userId, threads]) => [userId, [...threads]]),
      };
    },

    /** A retired stream was read back from the store and rebuilt: it no longer counts as retired. */
    restored(stream: AnyStream): void {
      count(stream, -1, deliveryAnomaliesOf(new Set([stream.id])).get(stream.id) ?? NONE);
    },
  };
}

export type Retirement = ReturnType<typeof createRetirement>;
