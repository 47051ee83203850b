/** `--store <journal path | postgres URL>`: which durable store a command works on. */
import type { EventStore } from '../store/eventStore.js';
import { openJournalStore } from '../store/createJournalStore.js';
import { createPostgresStore } from '../store/createPostgresStore.js';

export interface OpenedStore { readonly store: EventStore; close(): Promise<void> }

/** A `postgres://` or `postgresql://` URL selects PostgreSQL; anything else is a journal path. */
export async function openStore(location: string): Promise<OpenedStore> {
  if (/^postgres(ql)?:\/\//.test(location)) {
    const store = await createPostgresStore({ url: location });
    return { store, close: () => store.close() };
  }
  const journal = await openJournalStore({ path: location });
  return { store: journal, close: () => journal.close() };
}
