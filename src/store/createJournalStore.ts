/**
 * The embedded durable store: one append-only journal file holding every delivery (accepted
 * events as the body text mluvii sent, dead letters with their error, re-deliveries), each with
 * its global position and receive time.
 *
 * Record framing: `u32 length | u32 crc32 | payload` (little-endian). The payload is a one-line
 * JSON header, then for events (and conflicting re-deliveries) a newline and the body text as
 * delivered, unescaped: re-opening parses each body once, without re-validating it (the CRC
 * guards the bytes; the body was validated when it was appended). On
 * open the journal is scanned; a torn tail (a record cut short or failing its CRC, as a crash
 * mid-append leaves it) is truncated, and every complete record before it is kept.
 *
 * Fsync policy (`fsync` option):
 * - `'every'` (default): an append resolves only after its bytes are fsynced. Appends issued
 *   together are written and fsynced together (group commit), so throughput holds under
 *   concurrent load. Nothing acknowledged is lost on a crash or power loss.
 * - `{ intervalMs }`: appends resolve once written to the OS; fsync runs every `intervalMs`. A
 *   process crash loses nothing acknowledged; a power loss may lose the last interval.
 * - `'none'`: the OS decides when to flush. Fastest; a power loss may lose more.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, readSync, renameSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { normalizeTrustedText } from '../catalogue/parseWebhook.js';
import type { ParseError } from '../types.js';
import { decodeRawBody, encodeRawBody, type EncodedRawBody } from './rawBody.js';
import type { LoggedStore, NewStoreRecord, StoreRecord } from './eventStore.js';
import { createPackedLog, type PackedLog } from './packedLog.js';
import type { TrackerSnapshot } from '../tracker/createTracker.js';

export type FsyncPolicy = 'every' | 'none' | { readonly intervalMs: number };

export interface JournalOptions {
  readonly path: string;
  readonly fsync?: FsyncPolicy;
}

export interface JournalStore extends LoggedStore {
  append(record: NewStoreRecord, body?: string | null): Promise<StoreRecord>;
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
  /** Flushes, fsyncs and closes the file. */
  close(): Promise<void>;
}

const HEADER = 8;

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

/** Reads every complete record into a log; returns it and the byte offset where the valid journal ends. */
function scan(fd: number): { log: PackedLog; end: number; size: number } {
  const size = fstatSync(fd).size;
  const log = createPackedLog();
  const chunk = Buffer.allocUnsafe(Math.min(Math.max(size, HEADER), 64 * 1024 * 1024));
  let fileOffset = 0; // where `chunk` starts in the file
  let filled = 0;
  let at = 0; // offset of the next record within `chunk`
  const fill = () => {
    // Move the unread tail to the front and read more behind it.
    chunk.copy(chunk, 0, at, filled);
    fileOffset += at;
    filled -= at;
    at = 0;
    filled += readSync(fd, chunk, filled, chunk.length - filled, fileOffset + filled);
  };
  fill();
  for (;;) {
    if (filled - at < HEADER) {
      if (fileOffset + filled >= size) break;
      fill();
      if (filled - at < HEADER) break;
    }
    const length = chunk.readUInt32LE(at);
    const checksum = chunk.readUInt32LE(at + 4);
    if (length > chunk.length - HEADER) break; // corrupt length: treat as torn
    if (filled - at < HEADER + length) {
      if (fileOffset + filled >= size) break;
      fill();
      if (filled - at < HEADER + length) break;
    }
    const payload = chunk.subarray(at + HEADER, at + HEADER + length);
    if (crc32(payload) !== checksum) break;
    const text = payload.toString('utf8');
    const newline = text.indexOf('\n');
    let header: Header;
    try {
      header = JSON.parse(newline === -1 ? text : text.slice(0, newline)) as Header;
    } catch {
      break;
    }
    if (header.k === 'e') {
      // An event's body was validated when it was appended: packed as it is, not normalized (the
      // tracker normalizes each event when it folds the log).
      const { eventType, data } = JSON.parse(text.slice(newline + 1)) as { eventType: string; data: Record<string, unknown> };
      log.appendEvent(header.p, header.r, header.s, eventType, data);
    } else {
      log.append(otherRecord(header, newline === -1 ? null : text.slice(newline + 1)));
    }
    at += HEADER + length;
  }
  return { log, end: fileOffset + at, size };
}

function frame(payload: string): Buffer {
  const json = Buffer.from(payload, 'utf8');
  const framed = Buffer.allocUnsafe(HEADER + json.length);
  framed.writeUInt32LE(json.length, 0);
  framed.writeUInt32LE(crc32(json), 4);
  json.copy(framed, HEADER);
  return framed;
}

/**
 * Opens (creating if needed) a journal, truncating a torn tail. The records it holds are
 * available at once through `read()`: `createTracker({ store })` re-folds them.
 */
export async function openJournalStore(options: JournalOptions): Promise<JournalStore> {
  const policy = options.fsync ?? 'every';
  const fd = openSync(options.path, 'a+');
  const { log, end, size } = scan(fd);
  let truncatedAt: number | null = null;
  if (end < size) {
    ftruncateSync(fd, end);
    fsyncSync(fd);
    truncatedAt = end;
  }
  let offset = end;
  const snapshotPath = `${options.path}.snapshot`;
  let snapshot: TrackerSnapshot | null = null;
  try {
    snapshot = JSON.parse(readFileSync(snapshotPath, 'utf8')) as TrackerSnapshot;
  } catch {
    // No snapshot (or an unreadable one): the tracker re-folds everything.
  }
  let pending: { buffers: Buffer[]; waiters: { record: StoreRecord; resolve: (r: StoreRecord) => void; reject: (e: unknown) => void }[] } | null = null;
  let closed = false;
  let dirty = false;
  const timer = typeof policy === 'object'
    ? setInterval(() => { if (dirty) { dirty = false; fsyncSync(fd); } }, policy.intervalMs).unref()
    : null;

  /** Writes everything appended since the last flush in one go, then fsyncs per policy. */
  function flush(): void {
    const batch = pending;
    pending = null;
    if (batch === null) return;
    try {
      const data = batch.buffers.length === 1 ? batch.buffers[0]! : Buffer.concat(batch.buffers);
      let written = 0;
      while (written < data.length) written += writeSync(fd, data, written, data.length - written, offset + written);
      offset += data.length;
      if (policy === 'every') fsyncSync(fd);
      else dirty = true;
      for (const w of batch.waiters) w.resolve(w.record);
    } catch (error) {
      for (const w of batch.waiters) w.reject(error);
    }
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
    append(record, body = null) {
      if (closed) return Promise.reject(new Error('journal is closed'));
      const stored = record as StoreRecord & { position: number };
      stored.position = log.length + 1;
      let framed: Buffer;
      try {
        framed = frame(payloadOf(stored, body));
      } catch (error) {
        return Promise.reject(error);
      }
      log.append(stored);
      return new Promise<StoreRecord>((resolve, reject) => {
        if (pending === null) {
          pending = { buffers: [], waiters: [] };
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
      fsyncSync(fd);
      closeSync(fd);
    },
  };
}
