/** `--store <journal path | postgres URL>`: which durable store a command works on. */
import type { EventStore } from '../store/eventStore.js';
import { createJournalStore, type FsyncPolicy } from '../store/createJournalStore.js';
import { createPostgresStore } from '../store/createPostgresStore.js';
import { redactSecrets, type Output } from './output.js';
import type { Tracker } from '../tracker/createTracker.js';

export interface OpenedStore {
  readonly store: EventStore;
  /** Saves the tracker's folded state beside a journal, for a faster next start (no-op for PostgreSQL). */
  saveSnapshot(tracker: Tracker): Promise<void>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Create a journal that does not exist (true for commands that write: replay, serve). */
  readonly create: boolean;
  /** A journal's fsync policy (default: every append). */
  readonly fsync?: FsyncPolicy;
  /** Where warnings about the file go (a torn tail cut on open). */
  readonly warn?: (message: string) => void;
}

const isPostgresUrl = (location: string) => /^postgres(ql)?:\/\//.test(location);

/** A `postgres://` or `postgresql://` URL selects PostgreSQL; anything else is a journal path. */
export async function openStore(location: string, options: OpenStoreOptions): Promise<OpenedStore> {
  if (isPostgresUrl(location)) {
    const store = await createPostgresStore({ url: location });
    return { store, saveSnapshot: async () => undefined, close: () => store.close() };
  }
  const journal = await createJournalStore({
    path: location, create: options.create, ...(options.fsync === undefined ? {} : { fsync: options.fsync }), ...(options.warn === undefined ? {} : { onWarning: options.warn }),
  });
  return { store: journal, saveSnapshot: (tracker) => journal.writeSnapshot(tracker.snapshot(), tracker.snapshotImage()), close: () => journal.close() };
}

/**
 * `--store` for a command: `null` when none was given, `undefined` when it could not be opened
 * (the reason is reported on stderr, with any password in a URL redacted; the command exits 2).
 */
export async function openStoreOption(location: string | undefined, io: Output, options: Omit<OpenStoreOptions, 'warn'>): Promise<OpenedStore | null | undefined> {
  if (location === undefined) return null;
  try {
    return await openStore(location, { ...options, warn: (message) => io.err(`mluvii-state: ${message}\n`) });
  } catch (error) {
    io.err(`mluvii-state: cannot open store ${redactSecrets(location)}: ${redactSecrets((error as Error).message)}\n`);
    return undefined;
  }
}
