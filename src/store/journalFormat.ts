/**
 * The journal file's format, apart from what its records mean (createJournalStore.ts):
 *
 * - A file header: the text `mluvii-state journal v1\n`. A file without it is not opened, so a
 *   capture or any other file named by mistake is never taken for an empty journal and cut.
 * - Then records, each framed `u32 length | u32 crc32 | payload` (little-endian). A payload is
 *   a one-line JSON header starting `{"k":"`, then for events a newline and the body text.
 *
 * A frame that is cut short or fails its checksum is damage. {@link walkJournal} reads the valid
 * frames and reports each damaged span up to the next valid frame (found by searching for a
 * frame that checks out), so a caller can tell a torn tail (nothing valid after it: what a crash
 * mid-append leaves) from damage in the middle (valid records after it, which must not be cut).
 */
import { readSync } from 'node:fs';
import { crc32 } from 'node:zlib';

/** The version this library writes and reads. */
export const JOURNAL_VERSION = 1;
const MAGIC = 'mluvii-state journal v';
/** The file header this library writes. */
export const FILE_HEADER = Buffer.from(`${MAGIC}${JOURNAL_VERSION}\n`, 'latin1');
/** Bytes before a frame's payload. */
const FRAME_HEADER = 8;
/** Every payload starts with these bytes (a record header's first key). */
const PAYLOAD_START = Buffer.from('{"k":"', 'latin1');
/** Largest payload a frame may claim: larger lengths are damage, not a record. */
const MAX_PAYLOAD = 64 * 1024 * 1024;

/** The journal file is not one this library can open: nothing was changed. */
export class JournalFormatError extends Error {
  readonly code = 'not-a-journal';
  constructor(readonly path: string, message: string) {
    super(message);
    this.name = 'JournalFormatError';
  }
}

/** Damage before valid records: opening would have to drop acknowledged data, so it refuses. */
export class JournalDamagedError extends Error {
  readonly code = 'journal-damaged';
  constructor(readonly path: string, readonly offset: number, readonly nextValidOffset: number) {
    super(`journal ${path} is damaged at byte ${offset} (${nextValidOffset - offset} bytes up to the next valid record); `
      + `nothing was changed. Run \`mluvii-state journal repair --store ${path}\` to move the damaged span aside and keep every valid record`);
    this.name = 'JournalDamagedError';
  }
}

/**
 * The version named by a file's first bytes, or null when they are not a journal's header.
 * `first`: at least the header's length of the file's bytes (fewer when the file is shorter).
 */
function journalVersionOf(first: Buffer): number | null {
  const text = first.toString('latin1');
  const match = /^mluvii-state journal v(\d{1,6})\n/.exec(text);
  return match === null ? null : Number(match[1]);
}

/** Checks the file header of an open, non-empty journal; returns where its records start. */
export function checkFileHeader(fd: number, path: string): number {
  const first = Buffer.alloc(FILE_HEADER.length + 8);
  const read = readSync(fd, first, 0, first.length, 0);
  const version = journalVersionOf(first.subarray(0, read));
  if (version === null) {
    throw new JournalFormatError(path, `${path} is not a mluvii-state journal (it does not begin with "${MAGIC}${JOURNAL_VERSION}"); nothing was changed. `
      + '(`replay <capture> --store <journal>` takes the capture first and the journal after --store.)');
  }
  if (version !== JOURNAL_VERSION) {
    throw new JournalFormatError(path, `${path} is a journal of format v${version}; this version of mluvii-state reads v${JOURNAL_VERSION}; nothing was changed`);
  }
  return FILE_HEADER.length;
}

/** Frames a record's payload. */
export function frame(payload: string): Buffer {
  const bytes = Buffer.from(payload, 'utf8');
  const framed = Buffer.allocUnsafe(FRAME_HEADER + bytes.length);
  framed.writeUInt32LE(bytes.length, 0);
  framed.writeUInt32LE(crc32(bytes), 4);
  bytes.copy(framed, FRAME_HEADER);
  return framed;
}

/** Whether a valid frame starts at `offset` of the file (`size` bytes long). */
function validFrameAt(fd: number, offset: number, size: number): boolean {
  if (offset + FRAME_HEADER > size) return false;
  const head = Buffer.alloc(FRAME_HEADER);
  readSync(fd, head, 0, FRAME_HEADER, offset);
  const length = head.readUInt32LE(0);
  if (length < PAYLOAD_START.length || length > MAX_PAYLOAD || offset + FRAME_HEADER + length > size) return false;
  const payload = Buffer.allocUnsafe(length);
  readSync(fd, payload, 0, length, offset + FRAME_HEADER);
  return payload.subarray(0, PAYLOAD_START.length).equals(PAYLOAD_START) && crc32(payload) === head.readUInt32LE(4);
}

/** The offset of the first valid frame at or after `from`, or null. Searches for payload starts, then checks each candidate. */
function findNextFrame(fd: number, from: number, size: number): number | null {
  const WINDOW = 1024 * 1024;
  const window = Buffer.allocUnsafe(WINDOW + PAYLOAD_START.length);
  for (let base = from + FRAME_HEADER; base < size; base += WINDOW) {
    const read = readSync(fd, window, 0, Math.min(window.length, size - base), base);
    for (let at = window.indexOf(PAYLOAD_START); at >= 0 && at < read; at = window.indexOf(PAYLOAD_START, at + 1)) {
      if (at + PAYLOAD_START.length > read) break;
      const candidate = base + at - FRAME_HEADER;
      if (validFrameAt(fd, candidate, size)) return candidate;
    }
  }
  return null;
}

/** A span of bytes that holds no valid frame. */
export interface DamagedSpan {
  readonly offset: number;
  readonly length: number;
  /** `torn-tail`: no valid record after it (a crash mid-append); `damaged`: valid records follow. */
  readonly kind: 'torn-tail' | 'damaged';
}

/**
 * Reads the frames of a journal from `start` in order: `onFrame` gets each valid payload (a view
 * valid during the call) and its offset; `onDamage` each damaged span, and returns whether to go
 * on past it. Reads in large chunks: a start reads the whole journal this way.
 */
export function walkJournal(
  fd: number, start: number, size: number,
  onFrame: (payload: Buffer, offset: number) => void,
  onDamage: (span: DamagedSpan) => boolean,
): void {
  const chunk = Buffer.allocUnsafe(Math.min(Math.max(size, FRAME_HEADER), FRAME_HEADER + MAX_PAYLOAD));
  let fileOffset = start; // where `chunk` starts in the file
  let filled = 0;
  let at = 0; // offset of the next frame within `chunk`
  const fill = (): void => {
    // Move the unread rest to the front and read more behind it.
    chunk.copy(chunk, 0, at, filled);
    fileOffset += at;
    filled -= at;
    at = 0;
    filled += readSync(fd, chunk, filled, chunk.length - filled, fileOffset + filled);
  };
  /** Makes `bytes` from `at` readable; false at the end of the file. */
  const have = (bytes: number): boolean => {
    if (filled - at >= bytes) return true;
    if (fileOffset + filled < size) fill();
    return filled - at >= bytes;
  };
  while (fileOffset + at < size) {
    const offset = fileOffset + at;
    let valid = false;
    if (have(FRAME_HEADER)) {
      const length = chunk.readUInt32LE(at);
      if (length >= PAYLOAD_START.length && length <= MAX_PAYLOAD && have(FRAME_HEADER + length)) {
        const payload = chunk.subarray(at + FRAME_HEADER, at + FRAME_HEADER + length);
        valid = payload.subarray(0, PAYLOAD_START.length).equals(PAYLOAD_START) && crc32(payload) === chunk.readUInt32LE(at + 4);
        if (valid) {
          onFrame(payload, offset);
          at += FRAME_HEADER + length;
        }
      }
    }
    if (valid) continue;
    const next = findNextFrame(fd, offset + 1, size);
    const span: DamagedSpan = next === null
      ? { offset, length: size - offset, kind: 'torn-tail' }
      : { offset, length: next - offset, kind: 'damaged' };
    if (!onDamage(span) || next === null) return;
    // Go on from the next valid frame: drop what is buffered and read from there.
    fileOffset = next;
    filled = 0;
    at = 0;
  }
}

/** The payload of the valid frame at `offset`, or null (the index pointed past the end, or at damage). */
export function readFrame(fd: number, offset: number): Buffer | null {
  const head = Buffer.alloc(FRAME_HEADER);
  if (readSync(fd, head, 0, FRAME_HEADER, offset) !== FRAME_HEADER) return null;
  const length = head.readUInt32LE(0);
  if (length > MAX_PAYLOAD) return null;
  const payload = Buffer.allocUnsafe(length);
  if (readSync(fd, payload, 0, length, offset + FRAME_HEADER) !== length || crc32(payload) !== head.readUInt32LE(4)) return null;
  return payload;
}

/**
 * The valid frames from `from` to `end` of a journal already opened (checked up to `end`), read
 * forward in large chunks: a generator, so a reader can stop early or interleave its own work.
 * A frame that does not check out is damage: it throws {@link JournalDamagedError}.
 */
export function* framesFrom(fd: number, path: string, from: number, end: number): Generator<{ payload: Buffer; offset: number }> {
  let chunk = Buffer.allocUnsafe(Math.min(Math.max(end - from, FRAME_HEADER), 8 * 1024 * 1024));
  let fileOffset = from;
  let filled = 0;
  let at = 0;
  const have = (bytes: number): boolean => {
    if (filled - at >= bytes) return true;
    if (bytes > chunk.length) {
      const grown = Buffer.allocUnsafe(bytes);
      chunk.copy(grown, 0, at, filled);
      chunk = grown;
    } else {
      chunk.copy(chunk, 0, at, filled);
    }
    fileOffset += at;
    filled -= at;
    at = 0;
    filled += readSync(fd, chunk, filled, Math.min(chunk.length - filled, end - fileOffset - filled), fileOffset + filled);
    return filled - at >= bytes;
  };
  while (fileOffset + at < end) {
    const offset = fileOffset + at;
    const length = have(FRAME_HEADER) ? chunk.readUInt32LE(at) : -1;
    if (length < PAYLOAD_START.length || length > MAX_PAYLOAD || !have(FRAME_HEADER + length)) throw new JournalDamagedError(path, offset, end);
    const payload = chunk.subarray(at + FRAME_HEADER, at + FRAME_HEADER + length);
    if (crc32(payload) !== chunk.readUInt32LE(at + 4)) throw new JournalDamagedError(path, offset, end);
    at += FRAME_HEADER + length;
    yield { payload, offset };
  }
}
