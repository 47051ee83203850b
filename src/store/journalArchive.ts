/**
 * The journal's archive of retired entities' final views (`<journal>.views`): one JSON line per
 * retirement, appended; a later line for the same stream supersedes an earlier one (an entity
 * brought back by a late event and retired again). A listing reads the file through: history
 * listings are occasional and their cost follows the archive, not the hot path.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { archiveMatches, type ArchivedView, type ArchiveQuery } from './records.js';

export function createJournalArchive(path: string) {
  return {
    add(views: readonly ArchivedView[]): void {
      if (views.length === 0) return;
      appendFileSync(path, views.map((view) => `${JSON.stringify(view)}\n`).join(''));
    },

    find(query: ArchiveQuery): ArchivedView[] {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        return [];
      }
      const latest = new Map<string, ArchivedView>();
      for (const line of text.split('\n')) {
        if (line === '') continue;
        try {
          const view = JSON.parse(line) as ArchivedView;
          latest.set(view.stream, view);
        } catch {
          // A line cut short by a crash mid-append: its entity is archived again when it retires again.
        }
      }
      return [...latest.values()].filter((view) => archiveMatches(view, query));
    },
  };
}
