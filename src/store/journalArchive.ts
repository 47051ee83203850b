/**
 * The journal's archive of retired entities' final views: `<journal>.views/`, one file per UTC
 * day of the close time (`2024-05-06.ndjson`; `open.ndjson` for entities without one: e-mail
 * threads, presences, sessions retired without closing), one JSON line per retirement, appended.
 * A listing bounded by close time reads only the days it spans, line by line; a later line for a
 * stream supersedes an earlier one (an entity brought back by a late event and retired again).
 */
import { appendFileSync, closeSync, mkdirSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { archiveMatches, type ArchivedView, type ArchiveQuery } from './records.js';

const DAY_MS = 86_400_000;
const OPEN = 'open.ndjson';

const dayFile = (closedAt: string | null): string => (closedAt === null ? OPEN : `${closedAt.slice(0, 10)}.ndjson`);

/** The lines of a file, read in chunks (an archive file can be far larger than a string may be). */
function* linesOf(path: string): Generator<string> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return;
  }
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    let rest = '';
    for (let read = readSync(fd, chunk); read > 0; read = readSync(fd, chunk)) {
      const text = rest + chunk.toString('utf8', 0, read);
      const lines = text.split('\n');
      rest = lines.pop()!;
      yield* lines;
    }
    if (rest !== '') yield rest;
  } finally {
    closeSync(fd);
  }
}

export function createJournalArchive(dir: string) {
  mkdirSync(dir, { recursive: true });

  /** The files a query must read: the days it spans, or every file. */
  function filesFor(query: ArchiveQuery): string[] {
    const all = readdirSync(dir).filter((name) => name.endsWith('.ndjson')).sort();
    if (query.closedFrom === undefined && query.closedTo === undefined) return all;
    const from = query.closedFrom === undefined || !Number.isFinite(query.closedFrom) ? -Infinity : Math.floor(query.closedFrom / DAY_MS) * DAY_MS;
    const to = query.closedTo === undefined || !Number.isFinite(query.closedTo) ? Infinity : query.closedTo;
    return all.filter((name) => {
      if (name === OPEN) return false;
      const day = Date.parse(name.slice(0, 10));
      return day >= from && day < to;
    });
  }

  return {
    add(views: readonly ArchivedView[]): void {
      const byFile = new Map<string, string[]>();
      for (const view of views) {
        const file = dayFile(view.closedAt);
        byFile.set(file, [...(byFile.get(file) ?? []), `${JSON.stringify(view)}\n`]);
      }
      for (const [file, lines] of byFile) appendFileSync(join(dir, file), lines.join(''));
    },

    find(query: ArchiveQuery): ArchivedView[] {
      const latest = new Map<string, ArchivedView>();
      for (const file of filesFor(query)) {
        for (const line of linesOf(join(dir, file))) {
          if (line === '') continue;
          let view: ArchivedView;
          try {
            view = JSON.parse(line) as ArchivedView;
          } catch {
            continue; // a line cut short by a crash mid-append: its entity is archived again when it retires again
          }
          if (archiveMatches(view, query)) latest.set(view.stream, view);
          else latest.delete(view.stream); // a later report moved it out of the query
        }
      }
      return [...latest.values()];
    },
  };
}
