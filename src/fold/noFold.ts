/** Streams with no lifecycle (contacts, settings, unknown event types): kept and shown, not folded. */
import type { Folder } from './folder.js';

export const noFolder: Folder<null> = {
  initialState: () => null,
  evolve: () => null,
  clone: () => null,
  equals: () => true,
};
