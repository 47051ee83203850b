/**
 * One entity stream: its events in canonical order (event time in µs, then causal rank, then
 * arrival), the state folded from them, and checkpoints of that state.
 *
 * An event that arrives late is inserted in its place and the stream is re-folded from the
 * nearest checkpoint before it. The re-fold stops as soon as its state equals the old checkpoint
 * that describes the same prefix: from there on the old fold is still right. So a stream delivered
 * in reverse costs about `CHECKPOINT_INTERVAL` steps per event, not the whole stream each time.
 */
import type { StoredEvent } from '../store/eventStore.js';
import type { Folder, ProcessAnomaly } from './folder.js';

/** Checkpoint spacing in events: memory for short streams, re-fold length for long ones. */
export const CHECKPOINT_INTERVAL = 32;

export interface StreamEntry {
  readonly stored: StoredEvent;
  /**
   * Event time used for ordering. Events without their own time: SessionCreated opens the stream
   * (-Infinity); the others are placed by arrival, after everything already in the stream.
   */
  readonly sortTime: number;
  /** Process anomalies this event raises in the current fold. */
  anomalies: ProcessAnomaly[] | null;
}

/** An entry whose process anomalies changed because of an insertion. */
export interface AnomalyChange {
  readonly entry: StreamEntry;
  readonly before: ProcessAnomaly[] | null;
  readonly after: ProcessAnomaly[] | null;
}

export interface InsertResult {
  readonly entry: StreamEntry;
  /** Arrived after an event of its stream with a later place (only events with their own time). */
  readonly outOfOrder: boolean;
  readonly changes: readonly AnomalyChange[];
  /** Events evolved again because of this insertion (0 for an in-order event). */
  readonly refolded: number;
}

interface Checkpoint<State> { index: number; state: State }

const NO_CHANGES: readonly AnomalyChange[] = Object.freeze([]);

function compareEntries(a: StreamEntry, b: StreamEntry): number {
  return a.sortTime - b.sortTime || a.stored.event.rank - b.stored.event.rank || a.stored.position - b.stored.position;
}

function sameAnomalies(a: ProcessAnomaly[] | null, b: ProcessAnomaly[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((x, i) => {
    const y = b[i]!;
    return x.kind === y.kind && x.message === y.message && String(x.missing) === String(y.missing);
  });
}

/** Creates an empty stream folded by `folder`. */
export function createStreamFold<State>(id: string, folder: Folder<State>): StreamFold<State> {
  return new StreamFold(id, folder);
}

export class StreamFold<State> {
  readonly entries: StreamEntry[] = [];
  state: State;
  private checkpoints: Checkpoint<State>[] | null = null;

  constructor(readonly id: string, readonly folder: Folder<State>) {
    this.state = folder.initialState();
  }

  private sortTimeOf(stored: StoredEvent): number {
    const { event } = stored;
    if (event.time !== null) return event.time;
    if (event.eventType === 'SessionCreated') return -Infinity;
    return this.entries.at(-1)?.sortTime ?? -Infinity;
  }

  /** Index where `entry` belongs: after every entry that sorts before or equal to it. */
  private placeOf(entry: StreamEntry): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compareEntries(this.entries[mid]!, entry) <= 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private maybeCheckpoint(): void {
    const last = this.checkpoints?.at(-1)?.index ?? 0;
    if (this.entries.length - last >= CHECKPOINT_INTERVAL) {
      (this.checkpoints ??= []).push({ index: this.entries.length, state: this.folder.clone(this.state) });
    }
  }

  /**
   * Puts a new entry in its canonical place. Returns its index and whether it arrived out of
   * order: after an event of its stream with a later place (events with their own time only;
   * the check starts at the entry, so an in-order append costs nothing).
   */
  private place(stored: StoredEvent, anomalies: ProcessAnomaly[] | null): { entry: StreamEntry; index: number; outOfOrder: boolean } {
    const entry: StreamEntry = { stored, sortTime: this.sortTimeOf(stored), anomalies };
    const index = this.placeOf(entry);
    if (index === this.entries.length) {
      this.entries.push(entry);
      return { entry, index, outOfOrder: false };
    }
    this.entries.splice(index, 0, entry);
    let outOfOrder = false;
    if (stored.event.time !== null) {
      for (let i = index + 1; i < this.entries.length && !outOfOrder; i++) outOfOrder = this.entries[i]!.stored.event.time !== null;
    }
    return { entry, index, outOfOrder };
  }

  /** Inserts an event in canonical place and brings the fold up to date. */
  insert(stored: StoredEvent): InsertResult {
    const { entry, index, outOfOrder } = this.place(stored, null);
    if (index === this.entries.length - 1) {
      entry.anomalies = this.folder.evolve(this.state, stored);
      this.maybeCheckpoint();
      const changes = entry.anomalies === null ? NO_CHANGES : [{ entry, before: null, after: entry.anomalies }];
      return { entry, outOfOrder, changes, refolded: 0 };
    }
    const { changes, refolded } = this.refoldFrom(index);
    return { entry, outOfOrder, changes, refolded };
  }

  /**
   * Puts an event in its place without folding it, with the anomalies a snapshot recorded for it
   * (restoring from a snapshot: the state comes from the snapshot too, see `restoreState`).
   */
  restore(stored: StoredEvent, anomalies: ProcessAnomaly[] | null): InsertResult {
    const { entry, outOfOrder } = this.place(stored, anomalies);
    return { entry, outOfOrder, changes: NO_CHANGES, refolded: 0 };
  }

  /** Sets the folded state after `restore`d entries. Without checkpoints, a later re-fold starts from the beginning. */
  restoreState(state: State): void {
    this.state = state;
    this.checkpoints = null;
  }

  /** Re-folds after an insertion at `index`, stopping where the old fold becomes valid again. */
  private refoldFrom(index: number): { changes: AnomalyChange[]; refolded: number } {
    const checkpoints = (this.checkpoints ??= []);
    // The last checkpoint at or before the insertion still describes a valid prefix.
    let k = checkpoints.length;
    while (k > 0 && checkpoints[k - 1]!.index > index) k--;
    const start = k > 0 ? checkpoints[k - 1]! : null;
    const state = start === null ? this.folder.initialState() : this.folder.clone(start.state);
    const changes: AnomalyChange[] = [];
    let refolded = 0;
    let lastCheckpoint = start?.index ?? 0;
    for (let j = lastCheckpoint; j < this.entries.length; j++) {
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
      const entry = this.entries[j]!;
      const before = entry.anomalies;
      entry.anomalies = this.folder.evolve(state, entry.stored);
      refolded++;
      if (!sameAnomalies(before, entry.anomalies)) changes.push({ entry, before, after: entry.anomalies });
    }
    this.state = state;
    this.maybeCheckpoint();
    return { changes, refolded };
  }

  /** The state after each entry, folded afresh (for timelines; not on the hot path). */
  *replay(): Generator<{ entry: StreamEntry; state: State }> {
    const state = this.folder.initialState();
    for (const entry of this.entries) {
      this.folder.evolve(state, entry.stored);
      yield { entry, state };
    }
  }
}
