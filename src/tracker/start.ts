/**
 * How a tracker starts over a store that already holds records: from a snapshot when the store
 * can read single streams and the journal after a point (a journal), else by folding every
 * record (retiring as it goes, so memory stays bounded even then).
 *
 * From a snapshot: its counters and retired keys are taken as they are; the hot streams' records
 * up to its position are folded again, uncounted (the few that began long ago read one by one
 * through the stream index, the rest in one pass over the journal from the earliest of them);
 * the records after its position are folded as new. Its cost follows the hot set and the tail.
 * Which hot streams are read one by one (those that began long before the rest: operators'
 * presence, long e-mail threads) is chosen by estimated cost.
 */
import type { EventStore, StoreRecord } from '../store/eventStore.js';
import type { StreamId } from '../types.js';
import type { History } from './history.js';
import type { Picture } from './picture.js';
import type { Retirement } from './retirement.js';
import { decodeImage } from './snapshotImage.js';
import type { TrackerSnapshot } from './types.js';

/**
 * Estimated costs that decide how a start reads the hot streams: reading one stream through the
 * index (a block per index file, then its records), against passing over one record of the
 * journal that belongs to no hot stream (its header parsed). Measured orders of magnitude on the
 * soak bench, not tuned to a machine: the choice only needs them roughly right.
 */
const STREAM_READ_COST = 200;
const RECORD_SKIP_COST = 1;
/** At most this share of the hot streams is read one by one. */
const ONE_BY_ONE_SHARE = 0.2;

/**
 * How many of the hot streams (by first position, earliest first) to read one by one, the rest
 * in one pass from the first position of the next: the cheapest by the estimates above.
 */
function oneByOneCount(firstPositions: readonly number[], lastPosition: number): number {
  let best = 0;
  let bestCost = Infinity;
  const limit = Math.floor(firstPositions.length * ONE_BY_ONE_SHARE);
  for (let k = 0; k <= limit && k < firstPositions.length; k++) {
    const cost = k * STREAM_READ_COST + (lastPosition - firstPositions[k]!) * RECORD_SKIP_COST;
    if (cost < bestCost) {
      best = k;
      bestCost = cost;
    }
  }
  return best;
}

/** A store a tracker can start from a snapshot over (the journal). */
export interface SnapshotStartStore extends EventStore {
  readonly snapshot: TrackerSnapshot | null;
  /** The snapshot's image, if the store keeps one. */
  readImage?(): Buffer | null;
  readStream(stream: StreamId): StoreRecord[];
  firstOffsetOf(stream: StreamId): number | null;
  readFrom(offset: number): Iterable<{ readonly position: number; readonly stream: StreamId | null; record(): StoreRecord }>;
}

export function canStartFromSnapshot(store: EventStore): store is SnapshotStartStore {
  const s = store as Partial<SnapshotStartStore>;
  return typeof s.readFrom === 'function' && typeof s.firstOffsetOf === 'function' && typeof s.readStream === 'function';
}

/**
 * Restores `snapshot` over `store`; `apply` folds a record after the snapshot as new. Returns
 * false, having changed nothing, when the snapshot cannot be used (it names no offset).
 */
export function startFromSnapshot(
  snapshot: TrackerSnapshot, store: SnapshotStartStore,
  parts: { picture: Picture; retirement: Retirement; history: History | null },
  apply: (record: StoreRecord) => void,
): boolean {
  if (snapshot.version !== 3 || snapshot.offset === undefined) return false;
  const { picture, retirement, history } = parts;
  picture.restoreCounts(snapshot);
  retirement.restoreCounts(snapshot.retiredCounts);
  history?.restoreKeys(snapshot.retired);
  const image = picture.ownLog ? store.readImage?.() ?? null : null;
  const decoded = image === null ? null : decodeImage(image, snapshot.position);
  if (decoded !== null) {
    // The hot set as it was, in binary: only the journal after the snapshot is read.
    picture.restoreImage(decoded.meta, decoded.parts);
    for (const entry of store.readFrom(snapshot.offset)) if (entry.position > snapshot.position) apply(entry.record());
    return true;
  }
  const byFirst = [...snapshot.hot].sort((a, b) => a[1] - b[1]);
  const oneByOne = byFirst.slice(0, oneByOneCount(byFirst.map(([, first]) => first), snapshot.position));
  const scanned = new Set<StreamId>(byFirst.slice(oneByOne.length).map(([id]) => id));
  const covered = (record: StoreRecord) => record.position <= snapshot.position;
  for (const [id] of oneByOne) picture.reload(store.readStream(id).filter(covered));
  const firstScanned = byFirst[oneByOne.length];
  const from = firstScanned === undefined ? snapshot.offset : Math.min(store.firstOffsetOf(firstScanned[0]) ?? snapshot.offset, snapshot.offset);
  for (const entry of store.readFrom(from)) {
    if (entry.position > snapshot.position) apply(entry.record());
    else if (entry.stream !== null && scanned.has(entry.stream)) picture.reload([entry.record()]);
  }
  return true;
}
