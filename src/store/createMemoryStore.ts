import type { EventStore, NewStoreRecord, StoreRecord } from './eventStore.js';

/**
 * An in-memory {@link EventStore}: an array in position order. Lost with the process. Generic
 * activities are held without their null-valued keys (see compactEvent.ts).
 */
export interface MemoryStore extends EventStore {
  append(record: NewStoreRecord): StoreRecord;
  read(): readonly StoreRecord[];
}

export function createMemoryStore(): MemoryStore {
  const records: StoreRecord[] = [];
  return {
    append(record) {
      // The tracker hands over a fresh record: take it as is (no copy per event).
      const stored = record as StoreRecord & { position: number };
      stored.position = records.length + 1;
      records.push(stored);
      return stored;
    },
    read: () => records,
  };
}
