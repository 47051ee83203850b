/** `--store <journal path | postgres URL>`: which durable store a command works on. */
import type { EventStore } from '../store/eventStore.js';
import { openJournalStore } from '../store/createJournalStore.js';
import { createPostgresStore } from '../store/createPostgresStore.js';
import type { Output } from './replayCommand.js';
import type { Tracker } from '../tracker/createTracker.js';

export interface OpenedStore {
  readonly store: EventStore;
  /** Saves the tracker's folded state beside a journal, for a faster next start (no-op for PostgreSQL). */
  saveSnapshot(tracker: Tracker): Promise<void>;
  close(): Promise<void>;
}

/** A `postgres://` or `postgresql://` URL selects PostgreSQL; anything else is a journal path. */
export async function openStore(location: string): Promise<OpenedStore> {
  if (/^postgres(ql)?:\/\//.test(location)) {
    const store = await createPostgresStore({ url: location });
    return { store, saveSnapshot: async () => undefined, close: () => store.close() };
  }
  const journal = await openJournalStore({ path: location });
  return { store: journal, saveSnapshot: (tracker) => journal.writeSnapshot(tracker.snapshot()), close: () => journal.close() };
}

/**
 * `--store` for a command: `null` when none was given, `undefined` when it could not be opened
 * (the reason is reported on stderr; the command exits 2).
 */
export async function openStoreOption(location: string | undefined, io: Output): Promise<OpenedStore | null | undefined> {
  if (location === undefined) return null;
  try {
    return await openStore(location);
  } catch (error) {
    io.err(`mluvii-state: cannot open store ${location}: ${(error as Error).message}\n`);
    return undefined;
  }
}
