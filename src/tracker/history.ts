/**
 * The tracker's history: which streams have retired (retirement.ts) and bringing one back from
 * the store when it is asked for or an event for it arrives. A retired stream is read back with
 * `readStream` (its events and their re-deliveries, in position order) and rebuilt by the same
 * fold, so it comes back exactly as it left.
 */
import { streamKeyOf } from '../catalogue/identity.js';
import type { HistoryStore, StoreRecord } from '../store/eventStore.js';
import type { StreamId } from '../types.js';
import { IdentityIndex } from './identityIndex.js';
import type { AnyStream, Picture } from './picture.js';
import type { Retirement } from './retirement.js';

/**
 * `through`: for a shared store, the follower's checkpoint now (a stream is read back only up to
 * what the tracker has folded).
 */
export function createHistory(picture: Picture, retirement: Retirement, store: HistoryStore, through?: () => unknown) {
  const read = (id: StreamId) => (through === undefined ? store.readStream(id) : store.readStream(id, through()));
  /**
   * 32-bit keys of the retired streams (4 to 8 bytes each, not their ids): a key found here is
   * confirmed by reading the store, which answers nothing for a collision.
   */
  const retired = new IdentityIndex();
  /** Streams being read back, so that concurrent askers share one read. */
  const reading = new Map<StreamId, Promise<AnyStream | null>>();

  async function readBack(id: StreamId, key: number): Promise<AnyStream | null> {
    const records = await read(id);
    // Another reader may have brought it back meanwhile (a snapshot restore, a late apply).
    const present = picture.streams.get(id);
    if (present !== undefined) return present;
    return install(id, key, records);
  }

  /** Rebuilds retired stream `id` from its records. */
  function install(id: StreamId, key: number, records: readonly StoreRecord[]): AnyStream | null {
    picture.reload(records);
    const stream = picture.streams.get(id) ?? null;
    if (stream !== null) {
      retirement.restored(stream);
      retirement.touched(stream);
      retired.remove(key, 1);
    }
    return stream;
  }

  return {
    /**
     * Brings retired stream `id` back with its records before `position`, now (a record of it is
     * about to be folded at a start reading the store). For a store that reads synchronously
     * (journal, memory); a shared store's pages are brought back before they are folded instead.
     */
    bringBackBefore(id: StreamId, position: number): void {
      if (!this.mayBeRetired(id)) return;
      const records = store.readStream(id);
      if (records instanceof Promise) throw new Error('bringBackBefore needs a store that reads synchronously');
      install(id, streamKeyOf(id), records.filter((record) => record.position < position));
    },

    /** Whether any stream has retired (a cheap test before `mayBeRetired`). */
    get any(): boolean {
      return retired.entries > 0;
    },

    /** Notes that `streams` have retired. */
    retired(streams: readonly AnyStream[]): void {
      for (const stream of streams) retired.add(streamKeyOf(stream.id), 1);
    },

    /** Whether `id` may have retired (false: it is in memory, or was never seen). */
    mayBeRetired(id: StreamId): boolean {
      return !picture.streams.has(id) && retired.next(streamKeyOf(id)) >= 0;
    },

    /** The stream `id`, brought back from the store if it retired; null when there is none. */
    bringBack(id: StreamId): Promise<AnyStream | null> {
      const present = picture.streams.get(id);
      if (present !== undefined) return Promise.resolve(present);
      const key = streamKeyOf(id);
      if (retired.next(key) < 0) return Promise.resolve(null);
      let pending = reading.get(id);
      if (pending === undefined) {
        pending = readBack(id, key).finally(() => reading.delete(id));
        reading.set(id, pending);
      }
      return pending;
    },

    /** The retired streams' keys, for a snapshot. */
    keys(): number[] {
      return retired.keys();
    },

    /** Restores the retired streams' keys from a snapshot. */
    restoreKeys(keys: readonly number[]): void {
      retired.reserve(keys.length);
      for (const key of keys) retired.add(key, 1);
    },
  };
}

export type History = ReturnType<typeof createHistory>;
