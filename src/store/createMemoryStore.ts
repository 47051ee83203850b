import type { ArchivedView, ArchiveQuery, HistoryStore, LoggedStore, NewStoreRecord, StoreRecord } from './eventStore.js';
import { createPackedLog } from './packedLog.js';
import { archiveMatches, streamOfRecord } from './records.js';
import type { StreamId } from '../types.js';

/**
 * An in-memory {@link EventStore}: its records packed in a {@link PackedLog} (a few dozen bytes
 * per event plus its payload's encoding), which a tracker over it folds from directly. Lost with
 * the process. It keeps everything by nature: a tracker over it retires streams' folded state,
 * but their events stay here.
 */
export interface MemoryStore extends LoggedStore, HistoryStore {
  append(record: NewStoreRecord): StoreRecord;
  /** Every record in position order (decoded afresh on each call). */
  read(): StoreRecord[];
  readStream(stream: StreamId): StoreRecord[];
  archive(views: readonly ArchivedView[]): void;
  archived(query: ArchiveQuery): ArchivedView[];
}

export function createMemoryStore(): MemoryStore {
  const log = createPackedLog();
  /** Stream -> slots, indexed up to `indexed` on the first `readStream` after appends. */
  const byStream = new Map<StreamId, number[]>();
  let indexed = 0;
  const views = new Map<StreamId, ArchivedView>();
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
    readStream(stream) {
      for (; indexed < log.length; indexed++) {
        const of = streamOfRecord(log.record(indexed));
        if (of === null) continue;
        const slots = byStream.get(of);
        if (slots === undefined) byStream.set(of, [indexed]);
        else slots.push(indexed);
      }
      return (byStream.get(stream) ?? []).map((slot) => log.record(slot));
    },
    archive(entries) {
      for (const entry of entries) views.set(entry.stream, entry);
    },
    archived: (query) => [...views.values()].filter((entry) => archiveMatches(entry, query)),
  };
}
