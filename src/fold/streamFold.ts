/**
 * One entity stream: its events in canonical order (event time in µs, then causal rank, then
 * arrival), the state folded from them, and checkpoints of that state.
 *
 * The stream holds its events as slots of a packed log (see store/packedLog.ts), and their sort
 * times sit in a column indexed by slot that all of a tracker's streams share: a few numbers per
 * event, not objects. An event is decoded from the log only when a late arrival makes the stream
 * re-fold, or for a timeline.
 *
 * An event that arrives late is inserted in its place and the stream is re-folded from the
 * nearest checkpoint before it. The re-fold stops as soon as its state equals the old checkpoint
 * that describes the same prefix: from there on the old fold is still right. So a stream delivered
 * in reverse costs about `CHECKPOINT_INTERVAL` steps per event, not the whole stream each time.
 */
import type { NormalizedEvent } from '../types.js';
import { EMPTY_LIST } from './appended.js';
import type { Folder, ProcessAnomaly } from './folder.js';

/** Checkpoint spacing in events: memory for short streams, re-fold length for long ones. */
export const CHECKPOINT_INTERVAL = 32;

/** What a stream needs to know of the events in the log it refers to. */
export interface EventSource {
  /** Causal rank of the event in `slot`. */
  rank(slot: number): number;
  /** Whether it carries its own time (else it is placed by arrival). */
  hasOwnTime(slot: number): boolean;
  /** The event itself (decoded: only for re-folds and timelines). */
  event(slot: number): NormalizedEvent;
}

/** An event whose process anomalies changed because of an insertion. */
export interface AnomalyChange {
  readonly slot: number;
  readonly before: ProcessAnomaly[] | null;
  readonly after: ProcessAnomaly[] | null;
}

export interface InsertResult {
  /** Arrived after an event of its stream with a later place (only events with their own time). */
  readonly outOfOrder: boolean;
  readonly changes: readonly AnomalyChange[];
  /** Events evolved again because of this insertion (0 for an in-order event). */
  readonly refolded: number;
}

/**
 * Sort time of every event the streams hold, by log slot (an event belongs to one stream).
 * One typed column rather than an array per stream: a stream of a dozen events spent a
 * 184-byte array on them, which the garbage collector copied twice before it settled in the old
 * generation; the column holds 8 bytes per event, outside the objects the collector moves.
 */
export class SortTimeColumn {
  private times = new Float64Array(1024);

  get(slot: number): number {
    return this.times[slot]!;
  }

  set(slot: number, time: number): void {
    if (slot >= this.times.length) {
      const grown = new Float64Array(Math.max(slot + 1, Math.ceil(this.times.length * 1.5)));
      grown.set(this.times);
      this.times = grown;
    }
    this.times[slot] = time;
  }

  /** The times of slots 0..length-1, for a snapshot image. */
  toImage(length: number): Float64Array {
    return this.times.subarray(0, length);
  }

  /** Takes the times {@link toImage} gave. */
  restoreImage(times: Float64Array): void {
    this.times = new Float64Array(Math.max(1024, Math.ceil(times.length * 1.25)));
    this.times.set(times);
  }

  /** Moves each time to the slot `slotMap` gives (-1: dropped), for a compacted log of `length` slots. */
  remap(slotMap: Int32Array, length: number): void {
    const old = this.times;
    this.times = new Float64Array(Math.max(1024, Math.ceil(length * 1.25)));
    const upTo = Math.min(old.length, slotMap.length);
    for (let slot = 0; slot < upTo; slot++) {
      const moved = slotMap[slot]!;
      if (moved >= 0) this.times[moved] = old[slot]!;
    }
  }
}

interface Checkpoint<State> { index: number; state: State }

const NO_CHANGES: readonly AnomalyChange[] = Object.freeze([]);
const IN_ORDER: InsertResult = Object.freeze({ outOfOrder: false, changes: NO_CHANGES, refolded: 0 });

function sameAnomalies(a: ProcessAnomaly[] | null, b: ProcessAnomaly[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((x, i) => {
    const y = b[i]!;
    return x.kind === y.kind && x.message === y.message && String(x.missing) === String(y.missing);
  });
}

/** Creates an empty stream folded by `folder`, over the events of `log`, keeping sort times in `sortTimes`. */
export function createStreamFold<State>(id: string, folder: Folder<State>, log: EventSource, sortTimes: SortTimeColumn): StreamFold<State> {
  return new StreamFold(id, folder, log, sortTimes);
}

export class StreamFold<State> {
  /** Log slots of the stream's events, in canonical order. */
  readonly slots: number[] = [];
  /**
   * Sort time of the last of them, kept here too: an in-order event compares against it only, and
   * reading it from the shared column cost a cache miss per event (the stream's last event was
   * written there long before, among the day's others).
   */
  private lastSortTime = -Infinity;
  /** Process anomalies of the events whose current fold raises some, by slot; `null` when none. */
  anomalies: Map<number, ProcessAnomaly[]> | null = null;
  state: State;
  private checkpoints: Checkpoint<State>[] | null = null;

  /** Operators (user ids) the owning tracker has indexed as appearing in this stream; its bookkeeping. */
  operatorsIndexed: readonly number[] = EMPTY_LIST;

  /** `[id]`, frozen: what an ingest result names as the streams it touched, made once per stream. */
  readonly ids: readonly string[];

  /** Latest receive time (epoch ms) of the stream's events: how long it has been idle, for retirement. */
  lastReceivedAt = -Infinity;

  /** The receive time the owning tracker last queued the stream for retirement at; its bookkeeping. */
  retirementQueuedAt = NaN;

  constructor(readonly id: string, readonly folder: Folder<State>, private log: EventSource, private readonly sortTimes: SortTimeColumn) {
    this.ids = Object.freeze([id]);
    this.state = folder.initialState();
  }

  get length(): number {
    return this.slots.length;
  }

  /** Earliest event time of the stream (its first timed event in canonical order), or null. */
  firstTime(): number | null {
    for (const slot of this.slots) if (this.log.hasOwnTime(slot)) return this.sortTimes.get(slot);
    return null;
  }

  /**
   * Event time used for ordering. Events without their own time: SessionCreated opens the stream
   * (-Infinity); the others are placed by arrival, after everything already in the stream.
   */
  private sortTimeOf(event: NormalizedEvent): number {
    if (event.time !== null) return event.time;
    if (event.eventType === 'SessionCreated') return -Infinity;
    return this.lastSortTime;
  }

  /** Index where an event belongs: after every entry that sorts before or equal to it. */
  private placeOf(sortTime: number, rank: number, slot: number): number {
    const { slots, sortTimes, log } = this;
    let low = 0;
    let high = slots.length;
    // The usual case, an event later than the stream's last: no search.
    if (high > 0 && this.lastSortTime < sortTime) return high;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const other = slots[mid]!;
      const order = sortTimes.get(other) - sortTime || log.rank(other) - rank || other - slot;
      if (order <= 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private setAnomalies(slot: number, anomalies: ProcessAnomaly[] | null): void {
    if (anomalies !== null) (this.anomalies ??= new Map()).set(slot, anomalies);
    else if (this.anomalies?.delete(slot) && this.anomalies.size === 0) this.anomalies = null;
  }

  anomaliesOf(slot: number): ProcessAnomaly[] | null {
    return this.anomalies?.get(slot) ?? null;
  }

  private maybeCheckpoint(): void {
    const last = this.checkpoints?.at(-1)?.index ?? 0;
    if (this.slots.length - last >= CHECKPOINT_INTERVAL) {
      (this.checkpoints ??= []).push({ index: this.slots.length, state: this.folder.clone(this.state) });
    }
  }

  /** Puts a new event in its canonical place; returns its index. */
  private place(slot: number, event: NormalizedEvent): number {
    const sortTime = this.sortTimeOf(event);
    const index = this.placeOf(sortTime, event.rank, slot);
    this.sortTimes.set(slot, sortTime);
    if (index === this.slots.length) {
      this.slots.push(slot);
      this.lastSortTime = sortTime;
    } else {
      this.slots.splice(index, 0, slot);
    }
    return index;
  }

  /**
   * Whether the event just placed at `index` arrived out of order: after an event of its stream
   * with a later place (events with their own time only; events placed by arrival never are).
   */
  private arrivedLate(index: number, event: NormalizedEvent): boolean {
    if (event.time === null) return false;
    for (let i = index + 1; i < this.slots.length; i++) if (this.log.hasOwnTime(this.slots[i]!)) return true;
    return false;
  }

  /** Inserts the event of `slot` in canonical place and brings the fold up to date. */
  insert(slot: number, event: NormalizedEvent): InsertResult {
    const index = this.place(slot, event);
    if (index === this.slots.length - 1) {
      const anomalies = this.folder.evolve(this.state, event);
      this.maybeCheckpoint();
      if (anomalies === null) return IN_ORDER;
      this.setAnomalies(slot, anomalies);
      return { outOfOrder: false, changes: [{ slot, before: null, after: anomalies }], refolded: 0 };
    }
    const outOfOrder = this.arrivedLate(index, event);
    const { changes, refolded } = this.refoldFrom(index, slot, event);
    return { outOfOrder, changes, refolded };
  }

  /**
   * Re-folds after an insertion at `index`, stopping where the old fold becomes valid again.
   * `inserted` is the new event, already decoded; the others are decoded from the log.
   */
  private refoldFrom(index: number, insertedSlot: number, inserted: NormalizedEvent): { changes: AnomalyChange[]; refolded: number } {
    const checkpoints = (this.checkpoints ??= []);
    // The last checkpoint at or before the insertion still describes a valid prefix.
    let k = checkpoints.length;
    while (k > 0 && checkpoints[k - 1]!.index > index) k--;
    const start = k > 0 ? checkpoints[k - 1]! : null;
    const state = start === null ? this.folder.initialState() : this.folder.clone(start.state);
    const changes: AnomalyChange[] = [];
    let refolded = 0;
    let lastCheckpoint = start?.index ?? 0;
    for (let j = lastCheckpoint; j < this.slots.length; j++) {
      // Checkpoints after the insertion describe their old prefix, now one entry longer.
      const old = checkpoints[k];
      if (old !== undefined && old.index + 1 === j) {
        if (this.folder.equals(state, old.state)) {
          for (let c = k; c < checkpoints.length; c++) checkpoints[c]!.index++;
          return { changes, refolded };
        }
        old.index = j;
        old.state = this.folder.clone(state);
        k++;
        lastCheckpoint = j;
      } else if (j - lastCheckpoint >= CHECKPOINT_INTERVAL) {
        // Keep checkpoints dense in the re-folded part too, or repeated insertions at the front
        // would all re-fold up to one checkpoint drifting away from them.
        checkpoints.splice(k++, 0, { index: j, state: this.folder.clone(state) });
        lastCheckpoint = j;
      }
      const slot = this.slots[j]!;
      const before = this.anomaliesOf(slot);
      const after = this.folder.evolve(state, slot === insertedSlot ? inserted : this.log.event(slot));
      refolded++;
      if (!sameAnomalies(before, after)) {
        this.setAnomalies(slot, after);
        changes.push({ slot, before, after });
      }
    }
    // The re-fold ran to the end: a shifted old checkpoint it did not reach (one whose prefix now
    // ends with the stream's last event) still holds the state before the insertion. Dropped, it
    // is taken again from the state just folded.
    checkpoints.length = k;
    this.state = state;
    this.maybeCheckpoint();
    return { changes, refolded };
  }

  /** What a snapshot image keeps of the stream beside its state: its slots and sort time. */
  imageOf(): { slots: readonly number[]; lastSortTime: number } {
    return { slots: this.slots, lastSortTime: this.lastSortTime };
  }

  /**
   * Takes what an image kept (slots already in canonical order, the state folded from them, the
   * anomalies by slot). Without checkpoints: a later re-fold starts from the beginning.
   */
  restoreImage(slots: Iterable<number>, lastSortTime: number, state: State, anomalies: Map<number, ProcessAnomaly[]> | null): void {
    this.slots.length = 0;
    for (const slot of slots) this.slots.push(slot);
    this.lastSortTime = lastSortTime;
    this.state = state;
    this.anomalies = anomalies;
    this.checkpoints = null;
  }

  /**
   * Moves the stream to a compacted log: `slotMap` gives each old slot its new one (the
   * relative order of slots, which breaks ties of equal time and rank, is kept by compaction).
   */
  moveTo(log: EventSource, slotMap: Int32Array): void {
    for (let i = 0; i < this.slots.length; i++) this.slots[i] = slotMap[this.slots[i]!]!;
    if (this.anomalies !== null) this.anomalies = new Map([...this.anomalies].map(([slot, list]) => [slotMap[slot]!, list]));
    this.log = log;
  }

  /** Each event with the state after it, folded afresh (for timelines; not on the hot path). */
  *replay(): Generator<{ slot: number; event: NormalizedEvent; state: State }> {
    const state = this.folder.initialState();
    for (const slot of this.slots) {
      const event = this.log.event(slot);
      this.folder.evolve(state, event);
      yield { slot, event, state };
    }
  }
}
