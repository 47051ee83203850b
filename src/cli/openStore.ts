/** `--store <journal path | postgres URL>`: which durable store a command works on. */
import type { EventStore } from '../store/eventStore.js';
import { openJournalStore } from '../store/createJournalStore.js';

export interface OpenedStore { readonly store: EventStore; close(): Promise<void> }

export async function openStore(location: string): Promise<OpenedStore> {
  if (/^postgres(ql)?:\/\//.test(location)) {
    throw new Error('PostgreSQL stores are not built yet (issue 5, second part); use a journal path');
  }
  const journal = await openJournalStore({ path: location });
  return { store: journal, close: () => journal.close() };
}
