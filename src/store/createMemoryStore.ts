import type { EventStore, LoggedStore, NewStoreRecord, StoreRecord } from './eventStore.js';
import { createPackedLog } from './packedLog.js';

/**
 * An in-memory {@link EventStore}: its records packed in a {@link PackedLog} (a few dozen bytes
 * per event plus its payload's encoding), which a tracker over it folds from directly. Lost with
 * the process.
 */
export interface MemoryStore extends LoggedStore {
  append(record: NewStoreRecord): StoreRecord;
  /** Every record in position order (decoded afresh on each call). */
  read(): StoreRecord[];
}

export function createMemoryStore(): MemoryStore {
  const log = createPackedLog();
  return {
    log,
    append(record) {
      // The tracker hands over a fresh record: take it as is (no copy per event).
      const stored = record as StoreRecord & { position: number };
      stored.position = log.length + 1;
      log.append(stored);
      return stored;
    },
    read: () => [...log.records()],
  };
}
