/**
 * The log of store records a process keeps in memory, packed: accepted events as bytes in
 * fixed-size chunks (eventCodec.ts) plus a few typed-array columns per record, instead of a graph
 * of objects per event. The in-memory and journal stores keep their records in one; a tracker over a
 * store that keeps none in memory (PostgreSQL) keeps its own copy in one, for re-folds and
 * timelines. A record is addressed by its slot: 0, 1, 2, ... in the order it was appended.
 *
 * Dead letters and re-deliveries are rare and kept as the objects they are.
 */
import { EVENT_CATALOGUE, EVENT_TYPES, GENERIC_ACTIVITY_TYPES, typeCodeOf, type EventType } from '../catalogue/catalogue.js';
import * as ENUMS from '../catalogue/enums.js';
import { normalizeTrusted } from '../catalogue/parseWebhook.js';
import type { NormalizedEvent } from '../types.js';
import { ByteReader, ByteWriter, WordList } from './eventCodec.js';
import type { DeadLetter, Redelivery, StoreRecord } from './records.js';

/** Tables by the event's `typeCode` (1 + index in EVENT_TYPES; 0 for unknown types and non-events). */
const TYPE_OF_CODE: (EventType | null)[] = [null, ...EVENT_TYPES];
/** The schema's keys of each type, in schema order: what an encoded payload spends one bit on. */
const KEYS_OF_CODE: (readonly string[])[] = [[], ...EVENT_TYPES.map((type) => Object.keys(EVENT_CATALOGUE[type].schema.properties as object))];
const RANK_OF_CODE = Uint8Array.from([0, ...EVENT_TYPES.map((type) => EVENT_CATALOGUE[type].rank)]);
const TIMED_CODE = Uint8Array.from([0, ...EVENT_TYPES.map((type) => (EVENT_CATALOGUE[type].timeField === null ? 0 : 1))]);
/** The key of each type's own time field, or null. */
const TIME_KEY_OF_CODE: (string | null)[] = [null, ...EVENT_TYPES.map((type) => EVENT_CATALOGUE[type].timeField)];
/**
 * What payloads repeat: the known enum values (channel, source, client, statuses, reasons) and the
 * generic activities' `type`. A word takes one byte where its text took a length byte and about
 * eight characters. The list is this process's own: packed bytes are never persisted.
 */
const WORDS = [...new Set<string>([...Object.values(ENUMS).flat(), ...GENERIC_ACTIVITY_TYPES])];
const PAYLOAD_WORDS = new WordList(WORDS);

const EVENT = 0;
const OTHER = 1;

/**
 * What packed bytes depend on besides the code that reads them: the catalogue's order and the
 * word list. An image taken by a build with another is not read (the journal is, instead).
 */
export const PACKED_FORMAT = `packed-v1|${EVENT_TYPES.join(',')}|${WORDS.join(',')}`;

/**
 * Payload bytes per chunk. Payloads go into chunks that are never copied once full, rather than
 * one buffer that is copied into one half as large again each time it fills: that copying
 * allocated three times the payload bytes over a day, and every 64 MB of new ArrayBuffer memory
 * makes V8 run a full garbage collection of the tracker's heap (about a tenth of the ingest rate).
 */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** A chunk with less room than this left is closed before the next record (records are ~100 bytes). */
const CHUNK_ROOM = 64 * 1024;

/** A copy of `array` with room for `capacity` elements. */
function resized<T extends Uint8Array | Uint16Array | Uint32Array | Float64Array>(array: T, capacity: number): T {
  const grown = new (array.constructor as new (n: number) => T)(capacity);
  grown.set(array);
  return grown;
}

/**
 * Store records packed in memory, addressed by slot (append order). Events are kept as their
 * encoded payload and re-normalized on read (`event`, `record`); dead letters and re-deliveries
 * as objects. Stores that keep one expose it as `log` (`LoggedStore` in eventStore.ts).
 */
export class PackedLog {
  /** Payload chunks; the last one is written to. A record never spans two. */
  private readonly chunks: ByteWriter[];
  private count = 0;
  /** Room in the columns, which grow together. */
  private capacity = 1024;
  private kinds = new Uint8Array(this.capacity);
  /** The event's `typeCode` per slot. */
  private typeCodes = new Uint8Array(this.capacity);
  private chunkOf = new Uint16Array(this.capacity);
  private offsets = new Uint32Array(this.capacity);
  private receivedAts = new Float64Array(this.capacity);
  /** Positions, once they stop being `slot + 1` (a shared store's log may have gaps). */
  private positions: Float64Array | null = null;
  private readonly others = new Map<number, DeadLetter | Redelivery>();
  /** One reader per chunk for every decode (a rebuild decodes every event), renewed when its chunk grows. */
  private readonly readers: ByteReader[] = [];

  /**
   * `chunkBytes`: payload bytes per chunk (default 4 MiB; small values are for tests). The first
   * chunk starts small and grows up to it, so a tracker holding a few events holds little memory.
   */
  constructor(private readonly chunkBytes = CHUNK_BYTES) {
    this.chunks = [new ByteWriter(Math.min(1 << 16, chunkBytes), PAYLOAD_WORDS)];
  }

  /** The reader, placed at the record in `slot`. */
  private readerAt(slot: number): ByteReader {
    const chunk = this.chunkOf[slot]!;
    const bytes = this.chunks[chunk]!.bytes;
    let reader = this.readers[chunk];
    if (reader === undefined || reader.bytes !== bytes) this.readers[chunk] = reader = new ByteReader(bytes, 0, PAYLOAD_WORDS);
    reader.at = this.offsets[slot]!;
    return reader;
  }

  /** The chunk the next record goes to: the last one, or a new one when it has too little room left. */
  private writer(): ByteWriter {
    const last = this.chunks[this.chunks.length - 1]!;
    if (last.length + Math.min(CHUNK_ROOM, this.chunkBytes / 4) <= this.chunkBytes) return last;
    if (this.chunks.length === 0xffff) throw new RangeError(`a packed log holds at most ${0xffff} chunks of ${this.chunkBytes} bytes`);
    const next = new ByteWriter(this.chunkBytes, PAYLOAD_WORDS);
    this.chunks.push(next);
    return next;
  }

  /** How many records it holds. */
  get length(): number {
    return this.count;
  }

  /** Appends a record (its position already assigned); returns its slot. */
  append(record: StoreRecord): number {
    if (record.kind === 'event') {
      const { event } = record;
      return this.appendEvent(record.position, record.receivedAt, record.source, event.eventType, event.data as Readonly<Record<string, unknown>>, event.typeCode, event.time);
    }
    const slot = this.take(record.position, record.receivedAt);
    this.kinds[slot] = OTHER;
    this.others.set(slot, record);
    this.count = slot + 1;
    return slot;
  }

  /**
   * Appends an accepted event given by its payload, which must have been validated when it was
   * accepted (a journal re-reading its bodies need not normalize them first); returns its slot.
   * `time`: what its own time field parses to, if known (it is then stored in 10 bytes).
   */
  appendEvent(position: number, receivedAt: number, source: string | null, eventType: string, data: Readonly<Record<string, unknown>>, code = typeCodeOf(eventType), time: number | null = null): number {
    const slot = this.take(position, receivedAt);
    const bytes = this.writer();
    this.kinds[slot] = EVENT;
    this.typeCodes[slot] = code;
    this.chunkOf[slot] = this.chunks.length - 1;
    this.offsets[slot] = bytes.length;
    bytes.value(source);
    if (code === 0) bytes.string(eventType);
    bytes.object(data, KEYS_OF_CODE[code]!, time === null ? null : TIME_KEY_OF_CODE[code]!, time ?? 0);
    this.count = slot + 1; // only now: an encoding that throws leaves no half record
    return slot;
  }

  /**
   * Appends a copy of the event in `slot` of `from` (a log of this process), bytes as they are,
   * without decoding it; returns its slot here. What compacting a tracker's log is made of.
   */
  copyEvent(from: PackedLog, slot: number): number {
    if (from.kinds[slot] !== EVENT) throw new RangeError(`slot ${slot} holds no event`);
    const chunk = from.chunkOf[slot]!;
    const start = from.offsets[slot]!;
    // A record's bytes run to the next event's in its chunk, or to what the chunk has written.
    let end = from.chunks[chunk]!.length;
    for (let next = slot + 1; next < from.count; next++) {
      if (from.kinds[next] !== EVENT) continue;
      if (from.chunkOf[next] === chunk) end = from.offsets[next]!;
      break;
    }
    const copy = this.take(from.position(slot), from.receivedAts[slot]!);
    const bytes = this.writer();
    this.kinds[copy] = EVENT;
    this.typeCodes[copy] = from.typeCodes[slot]!;
    this.chunkOf[copy] = this.chunks.length - 1;
    this.offsets[copy] = bytes.length;
    bytes.reserve(end - start);
    bytes.bytes.set(from.chunks[chunk]!.bytes.subarray(start, end), bytes.length);
    bytes.length += end - start;
    this.count = copy + 1;
    return copy;
  }

  /** The next slot, with its position and receive time recorded; the caller counts it in. */
  private take(position: number, receivedAt: number): number {
    const slot = this.count;
    if (slot + 1 > this.capacity) this.grow();
    if (this.positions === null && position !== slot + 1) {
      this.positions = new Float64Array(this.capacity);
      for (let i = 0; i < slot; i++) this.positions[i] = i + 1;
    }
    if (this.positions !== null) this.positions[slot] = position;
    this.receivedAts[slot] = receivedAt;
    return slot;
  }

  /** Grows every column by half (slack stays below a third). */
  private grow(): void {
    const capacity = Math.ceil(this.capacity * 1.5);
    this.kinds = resized(this.kinds, capacity);
    this.typeCodes = resized(this.typeCodes, capacity);
    this.chunkOf = resized(this.chunkOf, capacity);
    this.offsets = resized(this.offsets, capacity);
    this.receivedAts = resized(this.receivedAts, capacity);
    if (this.positions !== null) this.positions = resized(this.positions, capacity);
    this.capacity = capacity;
  }

  /**
   * The slot of a position the log holds. Positions are `slot + 1` in a store's own log unless a
   * repair dropped damaged records; then they are found by binary search (they only grow).
   */
  slotOf(position: number): number {
    const positions = this.positions;
    if (positions === null) return position - 1;
    let low = 0;
    let high = this.count - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const at = positions[middle]!;
      if (at === position) return middle;
      if (at < position) low = middle + 1;
      else high = middle - 1;
    }
    throw new RangeError(`no record at position ${position}`);
  }

  /**
   * Drops the records from `length` on (a durable store whose write of them failed): the log is
   * as it was before they were appended, and their slots are taken again by the next appends.
   */
  truncate(length: number): void {
    if (length >= this.count) return;
    for (const slot of this.others.keys()) if (slot >= length) this.others.delete(slot);
    for (let slot = length; slot < this.count; slot++) {
      if (this.kinds[slot] !== EVENT) continue;
      // The first dropped event's bytes are where its chunk's written bytes end now.
      const chunk = this.chunkOf[slot]!;
      this.chunks.length = chunk + 1;
      this.readers.length = Math.min(this.readers.length, chunk + 1);
      this.chunks[chunk]!.length = this.offsets[slot]!;
      break;
    }
    this.count = length;
  }

  position(slot: number): number {
    return this.positions === null ? slot + 1 : this.positions[slot]!;
  }

  receivedAt(slot: number): number {
    return this.receivedAts[slot]!;
  }

  /** Causal rank of the event in `slot` (0 for unknown types). */
  rank(slot: number): number {
    return RANK_OF_CODE[this.typeCodes[slot]!]!;
  }

  /** Whether the event in `slot` carries its own time (known types with a time field). */
  hasOwnTime(slot: number): boolean {
    return TIMED_CODE[this.typeCodes[slot]!] === 1;
  }

  source(slot: number): string | null {
    if (this.kinds[slot] !== EVENT) return this.others.get(slot)!.source;
    return this.readerAt(slot).value() as string | null;
  }

  /** The event in `slot`, normalized afresh from its payload (as it was at ingest). */
  event(slot: number): NormalizedEvent {
    const reader = this.readerAt(slot);
    reader.value(); // source
    const code = this.typeCodes[slot]!;
    const eventType = code === 0 ? reader.string() : TYPE_OF_CODE[code]!;
    return normalizeTrusted(eventType, reader.object(KEYS_OF_CODE[code]!));
  }

  /** The record in `slot`, as it was appended. */
  record(slot: number): StoreRecord {
    if (this.kinds[slot] !== EVENT) return this.others.get(slot)!;
    return { kind: 'event', position: this.position(slot), receivedAt: this.receivedAt(slot), source: this.source(slot), event: this.event(slot) };
  }

  /** Every record, in slot order. */
  *records(): Generator<StoreRecord> {
    for (let slot = 0; slot < this.count; slot++) yield this.record(slot);
  }

  /**
   * The log's bytes for a snapshot image (events only: a tracker's own log holds nothing else):
   * its columns and its chunks' written bytes, as they are. Read back by {@link PackedLog.fromImage}
   * in a process of the same build (the word list and the catalogue's order are its own).
   */
  toImage(): Uint8Array[] {
    if (this.others.size > 0) throw new Error('a packed log with dead letters or re-deliveries has no image');
    const n = this.count;
    const bytes = (array: Uint8Array | Uint16Array | Uint32Array | Float64Array) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    const chunkLengths = Float64Array.from(this.chunks, (chunk) => chunk.length);
    return [
      bytes(Float64Array.of(n, this.chunks.length, this.positions === null ? 0 : 1)), bytes(chunkLengths),
      bytes(this.kinds.subarray(0, n)), bytes(this.typeCodes.subarray(0, n)), bytes(this.chunkOf.subarray(0, n)),
      bytes(this.offsets.subarray(0, n)), bytes(this.receivedAts.subarray(0, n)), bytes(this.positions?.subarray(0, n) ?? new Float64Array(0)),
      ...this.chunks.map((chunk) => chunk.bytes.subarray(0, chunk.length)),
    ];
  }

  /** A log from the parts {@link toImage} gave (copied: the parts may be views of one read buffer). */
  static fromImage(parts: readonly Uint8Array[]): PackedLog {
    const numbers = (part: Uint8Array) => new Float64Array(part.slice().buffer);
    const [n, chunkCount, hasPositions] = numbers(parts[0]!) as unknown as [number, number, number];
    const chunkLengths = numbers(parts[1]!);
    const log = new PackedLog();
    log.capacity = Math.max(1024, n);
    const grown = <T extends Uint8Array | Uint16Array | Uint32Array | Float64Array>(Type: new (length: number) => T, part: Uint8Array): T => {
      const array = new Type(log.capacity);
      new Uint8Array(array.buffer).set(part);
      return array;
    };
    log.kinds = grown(Uint8Array, parts[2]!);
    log.typeCodes = grown(Uint8Array, parts[3]!);
    log.chunkOf = grown(Uint16Array, parts[4]!);
    log.offsets = grown(Uint32Array, parts[5]!);
    log.receivedAts = grown(Float64Array, parts[6]!);
    log.positions = hasPositions === 1 ? grown(Float64Array, parts[7]!) : null;
    log.chunks.length = 0;
    for (let i = 0; i < chunkCount; i++) {
      const writer = new ByteWriter(Math.max(log.chunkBytes, chunkLengths[i]!), PAYLOAD_WORDS);
      writer.bytes.set(parts[8 + i]!);
      writer.length = chunkLengths[i]!;
      log.chunks.push(writer);
    }
    log.count = n;
    return log;
  }
}

/**
 * An empty packed log. For a custom store that keeps its records in memory: expose it as `log`
 * with positions `1, 2, 3, ...` and a tracker over the store folds from it instead of a copy.
 * `chunkBytes`: payload bytes per chunk (default 4 MiB; smaller for tests).
 */
export const createPackedLog = (options: { readonly chunkBytes?: number } = {}): PackedLog => new PackedLog(options.chunkBytes);
