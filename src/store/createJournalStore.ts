/**
 * The embedded durable store: one append-only journal file holding every delivery (accepted
 * events as the body text mluvii sent, dead letters with their error, re-deliveries), each with
 * its global position and receive time. The file's header and framing are in journalFormat.ts.
 * A record's payload is a one-line JSON header, then for events (and conflicting re-deliveries)
 * a newline and the body text as delivered, unescaped: re-opening parses each body once, without
 * re-validating it (the CRC guards the bytes; the body was validated when it was appended).
 *
 * Opening never destroys data. A file that is not a journal is refused, unchanged. A torn tail
 * (a last record cut short or failing its CRC, as a crash mid-append leaves it) is cut, and the
 * cut bytes are kept beside the journal (`<path>.torn-<offset>`), with a warning saying how many.
 * Damage followed by valid records is refused ({@link JournalDamagedError}):
 * `mluvii-state journal repair` moves it aside and keeps every valid record.
 *
 * Appends are written at explicit offsets (the file is not opened for O_APPEND). A write or fsync
 * that fails (a full disk) is undone: the file is truncated back to where it was, the records
 * leave memory and consume no position, their appends reject with {@link StoreUnavailableError},
 * and `health()` reports the failure until a write succeeds again.
 *
 * Fsync policy (`fsync` option):
 * - `'every'` (default): an append resolves only after its bytes are fsynced. Appends issued
 *   together are written and fsynced together (group commit), so throughput holds under
 *   concurrent load. Nothing acknowledged is lost on a crash or power loss.
 * - `{ intervalMs }`: appends resolve once written to the OS; fsync runs every `intervalMs`. A
 *   process crash loses nothing acknowledged; a power loss may lose the last interval.
 * - `'none'`: the OS decides when to flush. Fastest; a power loss may lose more.
 */
import { closeSync, constants, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, readSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { normalizeTrustedText } from '../catalogue/parseWebhook.js';
import type { ParseError } from '../types.js';
import { decodeRawBody, encodeRawBody, type EncodedRawBody } from './rawBody.js';
import { StoreUnavailableError, type LoggedStore, type StoreHealth, type StoreRecord } from './eventStore.js';
import { checkFileHeader, FILE_HEADER, frame, JournalDamagedError, walkJournal } from './journalFormat.js';
import { createPackedLog, type PackedLog } from './packedLog.js';
import type { TrackerSnapshot } from '../tracker/types.js';

export type FsyncPolicy = 'every' | 'none' | { readonly intervalMs: number };

export interface JournalOptions {
  readonly path: string;
  readonly fsync?: FsyncPolicy;
  /**
   * Create the journal when the file does not exist (default true). With false, a missing file
   * is an error: what commands that only read a journal (`rebuild`, `inspect`) want.
   */
  readonly create?: boolean;
  /** Told about what opening did to the file (a torn tail cut). Default: `process.emitWarning`. */
  readonly onWarning?: (message: string) => void;
}

export interface JournalStore extends LoggedStore {
  append(record: StoreRecord, body?: string | null): Promise<StoreRecord>;
  /** Every record in position order (decoded afresh from the in-memory log on each call). */
  read(): StoreRecord[];
  /** Where the file was cut on open, if it had a torn tail. */
  readonly truncatedAt: number | null;
  /**
   * The snapshot found beside the journal (`<path>.snapshot`) when it was opened, if any and
   * readable. `createTracker({ store })` restores from it instead of re-folding what it covers.
   */
  readonly snapshot: TrackerSnapshot | null;
  /**
   * Writes a tracker snapshot beside the journal, atomically (temporary file, fsync, rename).
   * Take it after the appends it should cover have resolved.
   */
  writeSnapshot(snapshot: TrackerSnapshot): Promise<void>;
  /** Whether the last write succeeded (false from a failed write until one succeeds again). */
  health(): StoreHealth;
  /** Flushes, fsyncs and closes the file. */
  close(): Promise<void>;
}

/**
 * Header fields: `p` position, `r` receivedAt, `s` source; a body follows for events and
 * conflicting re-deliveries; dead letters: `raw`, `e` error; re-deliveries: `o` original
 * position, `i` identity, `c` whether a conflicting body follows.
 */
type Header =
  | { k: 'e'; p: number; r: number; s: string | null }
  | { k: 'd'; p: number; r: number; s: string | null; raw: EncodedRawBody; e: ParseError }
  | { k: 'r'; p: number; r: number; s: string | null; o: number; i: string; c: boolean };

/** A dead letter or a re-delivery, as appended (a conflicting one's event normalized as on ingest). */
function otherRecord(header: Exclude<Header, { k: 'e' }>, body: string | null): StoreRecord {
  switch (header.k) {
    case 'd': return { kind: 'dead-letter', position: header.p, receivedAt: header.r, source: header.s, raw: decodeRawBody(header.raw), error: header.e };
    case 'r': return {
      kind: 'redelivery', position: header.p, receivedAt: header.r, source: header.s, originalPosition: header.o, identity: header.i,
      conflicting: header.c ? normalizeTrustedText(body!) : null,
    };
  }
}

function payloadOf(record: StoreRecord, body: string | null): string {
  switch (record.kind) {
    case 'event':
      if (body === null) throw new Error('a journal needs the body text of every event');
      return `${JSON.stringify({ k: 'e', p: record.position, r: record.receivedAt, s: record.source })}\n${body}`;
    case 'dead-letter':
      return JSON.stringify({ k: 'd', p: record.position, r: record.receivedAt, s: record.source, raw: encodeRawBody(record.raw), e: record.error });
    case 'redelivery': {
      const conflicting = record.conflicting !== null && body !== null;
      const header = { k: 'r', p: record.position, r: record.receivedAt, s: record.source, o: record.originalPosition, i: record.identity, c: conflicting };
      return conflicting ? `${JSON.stringify(header)}\n${body}` : JSON.stringify(header);
    }
  }
}

/** Opens the journal file, read-write and never for O_APPEND (a failed append is undone by offset). */
function openFile(path: string, create: boolean): number {
  try {
    return openSync(path, create ? constants.O_RDWR | constants.O_CREAT : constants.O_RDWR, 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`journal ${path} does not exist`, { cause: error });
    if (code === 'EISDIR') throw new Error(`${path} is a directory, not a journal`, { cause: error });
    throw error;
  }
}

/** Reads every record after the file header into a log; cuts a torn tail, refuses damage before valid records. */
function scan(fd: number, path: string, warn: (message: string) => void): { log: PackedLog; end: number; truncatedAt: number | null } {
  let size = fstatSync(fd).size;
  if (size === 0) {
    // A new journal: its header first, durably, before any record.
    writeSync(fd, FILE_HEADER, 0, FILE_HEADER.length, 0);
    fsyncSync(fd);
    size = FILE_HEADER.length;
  }
  const start = checkFileHeader(fd, path);
  const log = createPackedLog();
  let end = size;
  let truncatedAt: number | null = null;
  walkJournal(fd, start, size, (payload) => {
    const text = payload.toString('utf8');
    const newline = text.indexOf('\n');
    const header = JSON.parse(newline === -1 ? text : text.slice(0, newline)) as Header;
    if (header.k === 'e') {
      // An event's body was validated when it was appended: packed as it is, not normalized (the
      // tracker normalizes each event when it folds the log).
      const { eventType, data } = JSON.parse(text.slice(newline + 1)) as { eventType: string; data: Record<string, unknown> };
      log.appendEvent(header.p, header.r, header.s, eventType, data);
    } else {
      log.append(otherRecord(header, newline === -1 ? null : text.slice(newline + 1)));
    }
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
  return { log, end, truncatedAt };
}

/** The position after the log's last. */
const nextPosition = (log: PackedLog): number => (log.length === 0 ? 1 : log.position(log.length - 1) + 1);

/**
 * Opens (creating it if needed, unless `create: false`) a journal, cutting a torn tail. The
 * records it holds are available at once through `read()`: `createTracker({ store })` re-folds
 * them. Rejects, changing nothing, for a file that is not a journal or is damaged before its end.
 */
export async function createJournalStore(options: JournalOptions): Promise<JournalStore> {
  const { path } = options;
  const policy = options.fsync ?? 'every';
  const warn = options.onWarning ?? ((message: string) => process.emitWarning(message, 'MluviiStateJournal'));
  const fd = openFile(path, options.create !== false);
  let scanned: ReturnType<typeof scan>;
  try {
    scanned = scan(fd, path, warn);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  const { log, truncatedAt } = scanned;
  /** Where the next write goes: the end of the last durable record. */
  let offset = scanned.end;
  const snapshotPath = `${path}.snapshot`;
  let snapshot: TrackerSnapshot | null = null;
  try {
    snapshot = JSON.parse(readFileSync(snapshotPath, 'utf8')) as TrackerSnapshot;
  } catch {
    // No snapshot (or an unreadable one): the tracker re-folds everything.
  }
  interface Waiter { readonly record: StoreRecord; resolve(r: StoreRecord): void; reject(e: unknown): void }
  let pending: { buffers: Buffer[]; waiters: Waiter[]; firstSlot: number } | null = null;
  let closed = false;
  let dirty = false;
  /** The last write's failure, until a write succeeds. */
  let failure: Error | null = null;
  const timer = typeof policy === 'object'
    ? setInterval(() => {
      if (!dirty) return;
      try {
        fsyncSync(fd);
        dirty = false;
      } catch (error) {
        failure = error as Error; // acknowledged already (the policy's promise); retried next tick
      }
    }, policy.intervalMs).unref()
    : null;

  /** Writes everything appended since the last flush in one go, then fsyncs per policy; undoes it all on failure. */
  function flush(): void {
    const batch = pending;
    pending = null;
    if (batch === null) return;
    const data = batch.buffers.length === 1 ? batch.buffers[0]! : Buffer.concat(batch.buffers);
    try {
      let written = 0;
      while (written < data.length) written += writeSync(fd, data, written, data.length - written, offset + written);
      if (policy === 'every') fsyncSync(fd);
      else dirty = true;
    } catch (error) {
      undo(batch.firstSlot, error as Error);
      const refused = new StoreUnavailableError(`journal ${path}: cannot write (${(error as Error).message}); nothing was acknowledged`, { cause: error });
      for (const w of batch.waiters) w.reject(refused);
      return;
    }
    offset += data.length;
    failure = null;
    for (const w of batch.waiters) w.resolve(w.record);
  }

  /** Leaves the file and the log as they were before a batch whose write failed. */
  function undo(firstSlot: number, error: Error): void {
    failure = error;
    try {
      ftruncateSync(fd, offset);
    } catch {
      // Rare (shrinking needs no space): the next write starts at `offset` all the same, and
      // whatever partial bytes remain past it are a torn tail to the next open.
    }
    log.truncate(firstSlot);
  }

  return {
    truncatedAt,
    snapshot,
    async writeSnapshot(value) {
      const temporary = `${snapshotPath}.tmp`;
      const fd = openSync(temporary, 'w');
      try {
        writeSync(fd, JSON.stringify(value));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, snapshotPath);
    },
    log,
    read: () => [...log.records()],
    health: () => (failure === null ? { ok: true } : { ok: false, message: `journal ${path}: last write failed: ${failure.message}` }),
    append(record, body = null) {
      if (closed) return Promise.reject(new StoreUnavailableError('journal is closed'));
      const stored = record as StoreRecord & { position: number };
      stored.position = nextPosition(log);
      let framed: Buffer;
      try {
        framed = frame(payloadOf(stored, body));
      } catch (error) {
        return Promise.reject(error);
      }
      const slot = log.append(stored);
      return new Promise<StoreRecord>((resolve, reject) => {
        if (pending === null) {
          pending = { buffers: [], waiters: [], firstSlot: slot };
          // Group commit: everything appended in this turn of the event loop shares one write.
          setImmediate(flush);
        }
        pending.buffers.push(framed);
        pending.waiters.push({ record: stored, resolve, reject });
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      flush();
      if (timer !== null) clearInterval(timer);
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    },
  };
}
