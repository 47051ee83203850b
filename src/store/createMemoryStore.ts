import type { EventStore, NewStoreRecord, StoreRecord } from './eventStore.js';

/** An in-memory {@link EventStore}: an array in position order. Lost with the process. */
export interface MemoryStore extends EventStore {
  append(record: NewStoreRecord): StoreRecord;
  read(): readonly StoreRecord[];
}

export function createMemoryStore(): MemoryStore {
  const records: StoreRecord[] = [];
  return {
    append(record) {
      const stored = { ...record, position: records.length + 1 } as StoreRecord;
      records.push(stored);
      return stored;
    },
    read: () => records,
  };
}
