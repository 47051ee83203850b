/**
 * Reading a journal: opening it (the header, the part the stream index does not cover yet, a torn
 * tail, the snapshot beside it) and its records as entries whose header alone is decoded.
 */
import { constants, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { streamKeyOf } from '../catalogue/identity.js';
import type { StreamId } from '../types.js';
import type { TrackerSnapshot } from '../tracker/types.js';
import type { StoreRecord } from './eventStore.js';
import { JournalDamagedError, walkJournal } from './journalFormat.js';
import type { StreamIndex } from './journalIndex.js';
import { bodyOf, headerOfBytes, recordFrom, streamOfHeader, type Header } from './journalRecords.js';

/** A record read from the journal, with the byte offset of its frame. */
export interface JournalEntry {
  readonly offset: number;
  readonly position: number;
  /** Its stream, read from the header alone (null: a dead letter). */
  readonly stream: StreamId | null;
  /**
   * The record, decoded on demand (an entry a reader skips costs its header only). Only while
   * the entry is the current one: its bytes are reused for the next.
   */
  record(): StoreRecord;
}

/**
 * A record as read: the header alone is decoded; the body only when the record is asked for (a
 * start passes over most of the journal before its snapshot). One object per record, no closures:
 * a start reads a day of them.
 */
export class Entry implements JournalEntry {
  readonly position: number;
  readonly stream: StreamId | null;
  private readonly header: Header;
  private readonly bodyAt: number;

  constructor(private readonly payload: Buffer, readonly offset: number) {
    const { header, bodyAt } = headerOfBytes(payload);
    this.header = header;
    this.bodyAt = bodyAt;
    this.position = header.p;
    this.stream = streamOfHeader(header, payload, bodyAt);
  }

  record(): StoreRecord {
    return recordFrom(this.header, bodyOf(this.payload, this.bodyAt));
  }
}

/** Opens the journal file, read-write and never for O_APPEND (a failed append is undone by offset). */
export function openFile(path: string, create: boolean): number {
  try {
    return openSync(path, create ? constants.O_RDWR | constants.O_CREAT : constants.O_RDWR, 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`journal ${path} does not exist`, { cause: error });
    if (code === 'EISDIR') throw new Error(`${path} is a directory, not a journal`, { cause: error });
    throw error;
  }
}

/**
 * Reads the records the index does not cover yet into it; cuts a torn tail, refuses damage before
 * valid records. Returns the end of the valid records and the last position.
 */
export function scan(fd: number, path: string, index: StreamIndex, warn: (message: string) => void): { end: number; lastPosition: number; truncatedAt: number | null } {
  const size = fstatSync(fd).size;
  let end = size;
  let lastPosition = index.lastPosition;
  let truncatedAt: number | null = null;
  walkJournal(fd, index.coveredTo, size, (payload, offset) => {
    const { header, bodyAt } = headerOfBytes(payload);
    const stream = streamOfHeader(header, payload, bodyAt);
    if (stream !== null) index.add(streamKeyOf(stream), offset);
    lastPosition = header.p;
  }, (span) => {
    if (span.kind === 'damaged') throw new JournalDamagedError(path, span.offset, span.offset + span.length);
    // A torn tail: kept beside the journal, then cut.
    const torn = Buffer.allocUnsafe(span.length);
    readSync(fd, torn, 0, span.length, span.offset);
    writeFileSync(`${path}.torn-${span.offset}`, torn, { flush: true });
    ftruncateSync(fd, span.offset);
    fsyncSync(fd);
    warn(`journal ${path}: cut a torn tail of ${span.length} bytes at byte ${span.offset} (kept in ${path}.torn-${span.offset})`);
    end = span.offset;
    truncatedAt = span.offset;
    return false;
  });
  return { end, lastPosition, truncatedAt };
}

/** The snapshot beside the journal, if readable, of this version, and reached by the journal. */
export function readSnapshot(path: string, lastPosition: number, end: number): TrackerSnapshot | null {
  try {
    const snapshot = JSON.parse(readFileSync(path, 'utf8')) as TrackerSnapshot;
    if (snapshot.version !== 3 || typeof snapshot.offset !== 'number') return null;
    return snapshot.position <= lastPosition && snapshot.offset <= end ? snapshot : null;
  } catch {
    return null; // no snapshot (or an unreadable one): the tracker reads all of history
  }
}

