/**
 * Checking and repairing a journal file offline (`mluvii-state journal verify|repair`): what a
 * start refuses to do on its own, since cutting damage in the middle would drop the valid records
 * after it.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { StreamIndex } from './journalIndex.js';
import { checkFileHeader, FILE_HEADER, walkJournal, type DamagedSpan } from './journalFormat.js';

export interface JournalReport {
  readonly path: string;
  /** File size in bytes. */
  readonly size: number;
  /** Valid records. */
  readonly records: number;
  /** Positions of the first and last valid record (null when there is none). */
  readonly firstPosition: number | null;
  readonly lastPosition: number | null;
  /** Spans holding no valid record, in file order. */
  readonly damaged: readonly DamagedSpan[];
}

export interface RepairReport extends JournalReport {
  /** Where each damaged span was moved: `<path>.damaged-<offset>` (`.torn-<offset>` for a torn tail). */
  readonly movedTo: readonly string[];
}

/** The position of a valid payload (its header's `p`). */
function positionOf(payload: Buffer): number {
  const newline = payload.indexOf(0x0a);
  return (JSON.parse(payload.subarray(0, newline === -1 ? payload.length : newline).toString('utf8')) as { p: number }).p;
}

/** Walks a whole journal, going past every damaged span; `onFrame` sees each valid frame's bytes. */
function survey(path: string, fd: number, onFrame: (frameBytes: Buffer) => void): JournalReport {
  const size = fstatSync(fd).size;
  const start = checkFileHeader(fd, path);
  let records = 0;
  let firstPosition: number | null = null;
  let lastPosition: number | null = null;
  const damaged: DamagedSpan[] = [];
  walkJournal(fd, start, size, (payload) => {
    records++;
    lastPosition = positionOf(payload);
    firstPosition ??= lastPosition;
    // The frame is the 8 bytes before the payload and the payload (a view of the same buffer).
    onFrame(Buffer.from(payload.buffer, payload.byteOffset - 8, payload.length + 8));
  }, (span) => {
    damaged.push(span);
    return true;
  });
  return { path, size, records, firstPosition, lastPosition, damaged };
}

/** Reads a journal without changing it: its valid records and every damaged span. */
export function verifyJournal(path: string): JournalReport {
  const fd = openSync(path, 'r');
  try {
    return survey(path, fd, () => undefined);
  } finally {
    closeSync(fd);
  }
}

/**
 * Rewrites a journal without its damaged spans, keeping every valid record (positions unchanged)
 * and each damaged span's bytes in a file beside it. The new journal is written to a temporary
 * file, fsynced and renamed over the old one, so a crash leaves one or the other whole. A clean
 * journal is left as it is.
 */
export function repairJournal(path: string): RepairReport {
  const fd = openSync(path, 'r');
  const temporary = `${path}.repair-tmp`;
  let out: number | null = null;
  try {
    const report = survey(path, fd, () => undefined);
    if (report.damaged.length === 0) return { ...report, movedTo: [] };
    out = openSync(temporary, 'w');
    const target = out;
    writeSync(target, FILE_HEADER);
    survey(path, fd, (frameBytes) => { writeSync(target, frameBytes); });
    const movedTo: string[] = [];
    for (const span of report.damaged) {
      const aside = `${path}.${span.kind === 'torn-tail' ? 'torn' : 'damaged'}-${span.offset}`;
      const bytes = Buffer.allocUnsafe(span.length);
      const read = readAll(fd, bytes, span.offset);
      writeFileSync(aside, bytes.subarray(0, read), { flush: true });
      movedTo.push(aside);
    }
    fsyncSync(target);
    closeSync(target);
    out = null;
    renameSync(temporary, path);
    // Records moved: the stream index's offsets are rebuilt on the next open; the snapshot's too.
    StreamIndex.clear(path);
    rmSync(`${path}.snapshot`, { force: true });
    return { ...report, movedTo };
  } finally {
    if (out !== null) closeSync(out);
    closeSync(fd);
  }
}

/** Reads `into.length` bytes from `at`, or up to the end of the file; returns how many. */
function readAll(fd: number, into: Buffer, at: number): number {
  let read = 0;
  while (read < into.length) {
    const n = readSync(fd, into, read, into.length - read, at + read);
    if (n === 0) break;
    read += n;
  }
  return read;
}
