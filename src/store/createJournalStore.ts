/**
 * The embedded durable store: one append-only journal file holding every delivery (accepted
 * events as the body text mluvii sent, dead letters with their error, re-deliveries), each with
 * its global position and receive time. The file's header and framing are in journalFormat.ts,
 * a record's payload in journalRecords.ts. Beside it: the stream index (`<journal>.index/`,
 * journalIndex.ts), the tracker's snapshot (`<journal>.snapshot`) and the archive of retired
 * entities' final views (`<journal>.views/`, one file per day of close, journalArchive.ts).
 *
 * It keeps no records in memory: a tracker over it keeps what is live, reads one stream back
 * through the index (`readStream`) and, on start, reads the snapshot plus what it needs of the
 * journal (`readFrom`) rather than all of history.
 *
 * Opening never destroys data. A file that is not a journal is refused, unchanged. Opening reads
 * the part of the journal its index does not cover yet (the last few hundred thousand records at
 * most). A torn tail there (a last record cut short or failing its CRC, as a crash mid-append
 * leaves it) is cut, and the cut bytes are kept beside the journal (`<path>.torn-<offset>`), with
 * a warning saying how many. Damage followed by valid records is refused
 * ({@link JournalDamagedError}): `mluvii-state journal repair` moves it aside and keeps every
 * valid record; `journal verify` checks the whole file.
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
import { closeSync, fstatSync, fsyncSync, ftruncateSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { streamKeyOf } from '../catalogue/identity.js';
import type { StreamId } from '../types.js';
import { StoreUnavailableError, type HistoryStore, type StoreHealth, type StoreRecord } from './eventStore.js';
import { createJournalArchive } from './journalArchive.js';
import { checkFileHeader, FILE_HEADER, frame, framesFrom, readFrame } from './journalFormat.js';
import { Entry, openFile, readSnapshot, scan, type JournalEntry } from './journalReading.js';
import { StreamIndex } from './journalIndex.js';
import { payloadOf } from './journalRecords.js';
import type { ArchivedView, ArchiveQuery } from './records.js';
import type { TrackerSnapshot } from '../tracker/types.js';

export type { JournalEntry } from './journalReading.js';

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
  /**
   * Records per file of the stream index (default 131,072). Opening re-indexes at most this many
   * records; a look-up reads one block per file.
   */
  readonly indexRunEntries?: number;
}

export interface JournalStore extends HistoryStore {
  append(record: StoreRecord, body?: string | null): Promise<StoreRecord>;
  /** Every record in position order, read from the file (all of history: for tools, not a start). */
  read(): StoreRecord[];
  /** The records from byte `offset` on (a frame boundary: an index entry or a snapshot's `offset`). */
  readFrom(offset: number): Iterable<JournalEntry>;
  readStream(stream: StreamId): StoreRecord[];
  /** The byte offset of the first record of `stream`, or null. */
  firstOffsetOf(stream: StreamId): number | null;
  /** Where the file was cut on open, if it had a torn tail. */
  readonly truncatedAt: number | null;
  /**
   * The snapshot found beside the journal (`<path>.snapshot`) when it was opened, if readable
   * and reached by the journal. `createTracker({ store })` starts from it: the snapshot, the hot
   * streams' records and the journal after it, instead of all of history.
   */
  readonly snapshot: TrackerSnapshot | null;
  /**
   * Writes a tracker snapshot beside the journal, atomically (temporary file, fsync, rename),
   * with the byte offset where the journal after it starts; with `image` (the tracker's
   * `snapshotImage()`, taken with it), that too, first, so that a start decodes nothing the
   * snapshot covers. Its position must be one of the last 65,536 written (a tracker's own
   * snapshot always is).
   */
  writeSnapshot(snapshot: TrackerSnapshot, image?: readonly Uint8Array[] | null): Promise<void>;
  /** The snapshot image beside the journal, if there is one (its reader checks it fits the snapshot). */
  readImage(): Buffer | null;
  archive(views: readonly ArchivedView[]): void;
  archived(query: ArchiveQuery): ArchivedView[];
  /** Whether the last write succeeded (false from a failed write until one succeeds again). */
  health(): StoreHealth;
  /** Flushes, fsyncs and closes the file. */
  close(): Promise<void>;
}

/** Writes `pieces` to `path` atomically: a temporary file, fsynced, renamed over it. */
async function writeAtomically(path: string, pieces: readonly Uint8Array[]): Promise<void> {
  const temporary = `${path}.tmp`;
  const out = await open(temporary, 'w');
  try {
    for (const piece of pieces) {
      let written = 0;
      while (written < piece.byteLength) written += (await out.write(piece, written, piece.byteLength - written)).bytesWritten;
    }
    await out.sync();
  } finally {
    await out.close();
  }
  await rename(temporary, path);
}

/** Records whose end offsets a journal remembers, for snapshots taken while appends are in flight. */
const RECENT = 1 << 16;

/**
 * Opens (creating it if needed, unless `create: false`) a journal, cutting a torn tail. Rejects,
 * changing nothing, for a file that is not a journal or is damaged before its end.
 */
export async function createJournalStore(options: JournalOptions): Promise<JournalStore> {
  const { path } = options;
  const policy = options.fsync ?? 'every';
  const warn = options.onWarning ?? ((message: string) => process.emitWarning(message, 'MluviiStateJournal'));
  const fd = openFile(path, options.create !== false);
  let index: StreamIndex;
  let scanned: ReturnType<typeof scan>;
  try {
    if (fstatSync(fd).size === 0) {
      // A new journal: its header first, durably, before any record; no index of another file.
      writeSync(fd, FILE_HEADER, 0, FILE_HEADER.length, 0);
      fsyncSync(fd);
      StreamIndex.clear(path);
    }
    const start = checkFileHeader(fd, path);
    index = new StreamIndex(path, start, options.indexRunEntries);
    if (index.coveredTo > fstatSync(fd).size) {
      // The index covers more than the file holds (the file was replaced or cut): index it again.
      index.close();
      StreamIndex.clear(path);
      index = new StreamIndex(path, start, options.indexRunEntries);
    }
    scanned = scan(fd, path, index, warn);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  const { truncatedAt } = scanned;
  /** Where the next write goes: the end of the last durable record. */
  let offset = scanned.end;
  /** The last position written (and the one being written). */
  let lastPosition = scanned.lastPosition;
  let writtenPosition = lastPosition;
  /**
   * Where the journal after each of the latest records starts (a ring of RECENT entries): a
   * snapshot taken while appends are in flight covers a position a little behind the last.
   */
  const recentPositions = new Float64Array(RECENT).fill(-1);
  const recentEnds = new Float64Array(RECENT);
  const remember = (position: number, end: number) => {
    recentPositions[position % RECENT] = position;
    recentEnds[position % RECENT] = end;
  };
  remember(writtenPosition, offset);
  const snapshotPath = `${path}.snapshot`;
  const imagePath = `${path}.snapshot.image`;
  /** The snapshot being written, if any (the next one waits for it). */
  let snapshotting: Promise<void> = Promise.resolve();
  const snapshot = readSnapshot(snapshotPath, lastPosition, offset);
  const archive = createJournalArchive(`${path}.views`);
  interface Waiter { readonly record: StoreRecord; resolve(r: StoreRecord): void; reject(e: unknown): void }
  let pending: { buffers: Buffer[]; waiters: Waiter[]; streams: (StreamId | null)[] } | null = null;
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
      undo(batch.waiters[0]!.record.position, error as Error);
      const refused = new StoreUnavailableError(`journal ${path}: cannot write (${(error as Error).message}); nothing was acknowledged`, { cause: error });
      for (const w of batch.waiters) w.reject(refused);
      return;
    }
    let at = offset;
    batch.buffers.forEach((buffer, i) => {
      const stream = batch.streams[i]!;
      if (stream !== null) index.add(streamKeyOf(stream), at);
      at += buffer.length;
      remember(batch.waiters[i]!.record.position, at);
    });
    offset += data.length;
    writtenPosition = batch.waiters.at(-1)!.record.position;
    failure = null;
    try {
      index.sealIfFull(offset, writtenPosition);
    } catch (error) {
      warn(`journal ${path}: could not write an index run (${(error as Error).message}); it is rebuilt on the next open`);
    }
    for (const w of batch.waiters) w.resolve(w.record);
  }

  /** Leaves the file as it was before a batch whose write failed; its positions are taken again. */
  function undo(firstPosition: number, error: Error): void {
    failure = error;
    try {
      ftruncateSync(fd, offset);
    } catch {
      // Rare (shrinking needs no space): the next write starts at `offset` all the same, and
      // whatever partial bytes remain past it are a torn tail to the next open.
    }
    lastPosition = firstPosition - 1;
  }

  /** The entries from `from` on, each decoded only when asked. */
  /** The entries of `stream`, through the index (each read into its own buffer). */
  function* entriesOf(stream: StreamId): Generator<Entry> {
    for (const at of index.lookup(streamKeyOf(stream))) {
      const payload = readFrame(fd, at);
      if (payload === null) continue;
      const entry = new Entry(payload, at);
      // Keys are hashes: a record of another stream with the same key is passed over.
      if (entry.stream === stream) yield entry;
    }
  }

  function* entriesFrom(from: number): Generator<JournalEntry> {
    for (const { payload, offset: at } of framesFrom(fd, path, from, offset)) yield new Entry(payload, at);
  }

  return {
    truncatedAt,
    snapshot,
    async writeSnapshot(value, image = null) {
      if (value.position > writtenPosition || recentPositions[value.position % RECENT] !== value.position) {
        throw new Error(`journal ${path}: a snapshot must be of a position written lately (it is of position ${value.position}, the journal holds ${writtenPosition})`);
      }
      const after = recentEnds[value.position % RECENT]!;
      const json = Buffer.from(JSON.stringify({ ...value, offset: after }), 'utf8');
      // One snapshot at a time; the image first: a crash between the two leaves an image of
      // another position than the snapshot, which a start ignores. The image (hundreds of MB
      // for a busy day) is written without blocking: webhooks keep being acknowledged meanwhile.
      const write = snapshotting.then(async () => {
        if (image !== null) await writeAtomically(imagePath, image);
        else rmSync(imagePath, { force: true });
        await writeAtomically(snapshotPath, [json]);
      });
      snapshotting = write.catch(() => undefined);
      return write;
    },
    readImage() {
      try {
        return readFileSync(imagePath);
      } catch {
        return null;
      }
    },
    read() {
      const records: StoreRecord[] = [];
      for (const entry of entriesFrom(FILE_HEADER.length)) records.push(entry.record());
      return records;
    },
    readFrom: (from) => entriesFrom(Math.max(from, FILE_HEADER.length)),
    readStream(stream) {
      const records: StoreRecord[] = [];
      for (const entry of entriesOf(stream)) records.push(entry.record());
      return records;
    },
    firstOffsetOf(stream) {
      for (const entry of entriesOf(stream)) return entry.offset;
      return null;
    },
    archive: archive.add,
    archived: archive.find,
    health: () => (failure === null ? { ok: true } : { ok: false, message: `journal ${path}: last write failed: ${failure.message}` }),
    append(record, body = null) {
      if (closed) return Promise.reject(new StoreUnavailableError('journal is closed'));
      const stored = record as StoreRecord & { position: number };
      stored.position = lastPosition + 1;
      let framed: Buffer;
      try {
        framed = frame(payloadOf(stored, body));
      } catch (error) {
        return Promise.reject(error);
      }
      lastPosition = stored.position;
      const stream = record.kind === 'event' ? record.event.stream : record.kind === 'redelivery' ? record.stream ?? null : null;
      return new Promise<StoreRecord>((resolve, reject) => {
        if (pending === null) {
          pending = { buffers: [], waiters: [], streams: [] };
          // Group commit: everything appended in this turn of the event loop shares one write.
          setImmediate(flush);
        }
        pending.buffers.push(framed);
        pending.streams.push(stream);
        pending.waiters.push({ record: stored, resolve, reject });
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      flush();
      if (timer !== null) clearInterval(timer);
      index.close();
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    },
  };
}
