/**
 * A compact, lossless binary form of parsed JSON payloads, for the events a tracker holds in
 * memory (see packedLog.ts). A day of webhooks is a million objects of about 26 keys each, mostly
 * null: kept as JavaScript objects they are most of a tracker's heap and most of its garbage
 * collector's work. Encoded, a chat message takes about 130 bytes instead of about 700.
 *
 * Format: every value starts with a tag byte; an object's entries carry their key either
 * implicitly (the next key of the event type's schema, in schema order: one bit) or explicitly
 * (its index in the schema's keys, or the key text). So the payloads mluvii sends, whose keys are
 * the schema's in schema order, spend one byte per key plus the value; anything else (other keys,
 * other order, nested objects) round-trips exactly too, key order included. Strings are UTF-8,
 * lone surrogates kept (WTF-8), so `decode(encode(x))` deep-equals `x` for every JSON value.
 *
 * Two kinds of an object's string values are written shorter, when writer and reader share what
 * it takes: a word of a {@link WordList} (the enum values every payload repeats) as its index, and
 * the payload's own timestamp, given with its parsed microseconds, as those and its offset.
 */

import { constants } from 'node:buffer';
import { formatOffsetTimestamp, offsetCodeOf } from '../catalogue/timestamp.js';

const NULL = 0;
const FALSE = 1;
const TRUE = 2;
const UINT = 3; // integer 0 .. 2^53-1, varint
const NEGATIVE_INT = 4; // integer -(2^53-1) .. -1, varint of its magnitude
const FLOAT = 5; // any other number, 8 bytes little-endian
const STRING = 6;
const ARRAY = 7;
const OBJECT = 8;
const WORD = 9; // a word of the shared WordList, varint of its index
const TIMESTAMP = 10; // epoch µs (8 bytes little-endian), then the offset code (2 bytes), see timestamp.ts

const TAG_MASK = 0x0f;
/** Entry key is the next schema key (the cursor's). */
const NEXT_KEY = 0x80;
/** Entry key is a schema key given by its index (varint); otherwise its text follows. */
const INDEXED_KEY = 0x40;

/** Texts at least this long are written by the native UTF-8 writer (see `ByteWriter.string`). */
const NATIVE_MIN_UNITS = 16;

/** The largest typed array this Node.js allocates (4 GiB on 64-bit Node 20). */
const MAX_BYTES = constants.MAX_LENGTH;

type Utf8Write = (this: Buffer, text: string, offset: number, maxBytes: number) => number;
/**
 * Node's native UTF-8 writer as `Buffer#write` calls it after normalizing its arguments, which
 * took four times as long as the copy itself for the short texts of a payload (CPU profile).
 * Undocumented but on `Buffer.prototype` since early Node (msgpackr uses it too); where it is
 * missing, `Buffer#write`.
 */
const utf8Write: Utf8Write = (Buffer.prototype as unknown as { utf8Write?: Utf8Write }).utf8Write
  ?? function (this: Buffer, text: string, offset: number, maxBytes: number) { return this.write(text, offset, maxBytes, 'utf8'); };

/**
 * Strings a writer and its readers both know, written as their index. Only texts up to the longest
 * word are looked up: a failed lookup hashes the whole text.
 */
export class WordList {
  private readonly index: Map<string, number>;
  readonly maxLength: number;
  constructor(readonly words: readonly string[]) {
    this.index = new Map(words.map((word, i) => [word, i]));
    this.maxLength = Math.max(0, ...words.map((word) => word.length));
  }

  /** The index of `text`, or -1. */
  indexOf(text: string): number {
    return text.length <= this.maxLength ? this.index.get(text) ?? -1 : -1;
  }
}

const NO_WORDS = new WordList([]);

/** A growable byte buffer written front to back. */
export class ByteWriter {
  /** A Buffer (a Uint8Array with Node's native string writers). */
  bytes: Buffer;
  private view: DataView;
  length = 0;

  constructor(capacity = 1 << 16, private readonly words: WordList = NO_WORDS) {
    // Not zero-filled: only written bytes are ever read.
    this.bytes = Buffer.allocUnsafeSlow(capacity);
    this.view = new DataView(this.bytes.buffer);
  }

  /** Makes room for `extra` more bytes (grows by half, so slack stays below a third). */
  reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.bytes.length) return;
    if (needed > MAX_BYTES) throw new RangeError(`a packed log holds at most ${MAX_BYTES} bytes`);
    let capacity = this.bytes.length;
    while (capacity < needed) capacity = Math.min(Math.ceil(capacity * 1.5), MAX_BYTES);
    const grown = Buffer.allocUnsafeSlow(capacity);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  byte(value: number): void {
    this.reserve(1);
    this.bytes[this.length++] = value;
  }

  /** Unsigned integer up to 2^53-1, 7 bits per byte. */
  varint(value: number): void {
    this.reserve(8);
    const bytes = this.bytes;
    let at = this.length;
    if (value < 0x80) {
      bytes[at] = value;
      this.length = at + 1;
      return;
    }
    while (value >= 0x80) {
      bytes[at++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    bytes[at++] = value;
    this.length = at;
  }

  float(value: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  /**
   * UTF-8 (WTF-8 for lone surrogates) with its byte length in front. The length field's width is
   * chosen from the worst case (3 bytes per UTF-16 unit) and padded, which varints allow, so the
   * text is written in one pass.
   */
  string(text: string): void {
    const units = text.length;
    const worst = units * 3;
    const width = worst < 0x80 ? 1 : worst < 0x4000 ? 2 : worst < 0x200000 ? 3 : 5;
    this.reserve(width + worst);
    const bytes = this.bytes;
    const start = this.length + width;
    let at = start;
    // Longer texts go through Node's native UTF-8 writer: reading the strings JSON.parse makes one
    // `charCodeAt` at a time was 7 % of an ingest (measured). It would replace a lone surrogate
    // with U+FFFD, so only well-formed text takes it; very short texts cost less in the loop.
    if (units >= NATIVE_MIN_UNITS && text.isWellFormed()) at += utf8Write.call(bytes, text, start, worst);
    else for (let i = 0; i < units; i++) {
      let c = text.charCodeAt(i);
      if (c < 0x80) {
        bytes[at++] = c;
      } else if (c < 0x800) {
        bytes[at++] = 0xc0 | (c >> 6);
        bytes[at++] = 0x80 | (c & 0x3f);
      } else {
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < units) {
          const low = text.charCodeAt(i + 1);
          if (low >= 0xdc00 && low < 0xe000) {
            c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
            i++;
            bytes[at++] = 0xf0 | (c >> 18);
            bytes[at++] = 0x80 | ((c >> 12) & 0x3f);
            bytes[at++] = 0x80 | ((c >> 6) & 0x3f);
            bytes[at++] = 0x80 | (c & 0x3f);
            continue;
          }
        }
        bytes[at++] = 0xe0 | (c >> 12);
        bytes[at++] = 0x80 | ((c >> 6) & 0x3f);
        bytes[at++] = 0x80 | (c & 0x3f);
      }
    }
    let length = at - start;
    for (let i = 0; i < width; i++) {
      bytes[this.length + i] = (length & 0x7f) | (i < width - 1 ? 0x80 : 0);
      length >>>= 7;
    }
    this.length = at;
  }

  /** Any JSON value (tag, then content). */
  value(value: unknown): void {
    this.byte(this.tagOf(value));
    this.content(value);
  }

  /** Tag of a JSON value. */
  tagOf(value: unknown): number {
    switch (typeof value) {
      case 'string': return STRING;
      case 'number':
        if (Number.isSafeInteger(value) && !Object.is(value, -0)) return value >= 0 ? UINT : NEGATIVE_INT;
        return FLOAT;
      case 'boolean': return value ? TRUE : FALSE;
      case 'object': return value === null ? NULL : Array.isArray(value) ? ARRAY : OBJECT;
      default: throw new TypeError(`not a JSON value: ${typeof value}`);
    }
  }

  /** A value's content after its tag. */
  content(value: unknown): void {
    switch (typeof value) {
      case 'string': this.string(value); return;
      case 'number':
        if (Number.isSafeInteger(value) && !Object.is(value, -0)) this.varint(Math.abs(value));
        else this.float(value);
        return;
      case 'object':
        if (value === null) return;
        if (Array.isArray(value)) {
          this.varint(value.length);
          for (const item of value) this.value(item);
        } else {
          this.object(value as Record<string, unknown>, NO_KEYS);
        }
        return;
      default:
    }
  }

  /**
   * An object's entries; keys found in `keys` (in that order) cost one bit, string values that are
   * words of the writer's {@link WordList} their index, and the payload's own timestamp (the value
   * of `timeKey`, whose text parses to `timeUs`), when it is in the form mluvii sends (see
   * `offsetCodeOf`), 10 bytes instead of 33.
   */
  object(object: Readonly<Record<string, unknown>>, keys: readonly string[], timeKey: string | null = null, timeUs = 0): void {
    // The hot path of every ingest: one pass, one capacity check per entry, scalars inline.
    this.reserve(2);
    const countAt = this.length;
    this.length += 2; // entry count, two varint bytes, written at the end
    let count = 0;
    let cursor = 0;
    for (const key in object) {
      const value = object[key];
      count++;
      this.reserve(16); // head, key index, and any scalar
      let head: number;
      if (keys[cursor] === key) {
        head = NEXT_KEY;
        cursor++;
      } else {
        const index = keys.indexOf(key);
        head = index >= 0 ? INDEXED_KEY : 0;
        if (index >= 0) cursor = index + 1;
      }
      const headAt = this.length++;
      if (head === INDEXED_KEY) this.varint(cursor - 1);
      else if (head === 0) this.string(key);
      if (value === null) {
        this.bytes[headAt] = head | NULL;
      } else if (typeof value === 'string') {
        // The tag is known once the text is written (which may move `bytes`).
        const tag = this.text(value, key === timeKey ? timeUs : null);
        this.bytes[headAt] = head | tag;
      } else if (typeof value === 'number' && value >= 0 && value <= 0x3fff_ffff && (value | 0) === value && !Object.is(value, -0)) {
        this.bytes[headAt] = head | UINT;
        this.varint(value);
      } else {
        this.bytes[headAt] = head | this.tagOf(value);
        this.content(value);
      }
    }
    if (count < 0x4000) {
      this.bytes[countAt] = (count & 0x7f) | 0x80;
      this.bytes[countAt + 1] = count >>> 7;
    } else {
      this.widenCount(countAt, count);
    }
  }

  /**
   * A string value of an object: as a word, as a timestamp (`us`: what it parses to, if it is the
   * payload's own), or as text. Returns the tag it wrote the content of.
   */
  private text(value: string, us: number | null): number {
    if (us !== null) {
      const offset = offsetCodeOf(value, us);
      if (offset >= 0) {
        this.reserve(10);
        this.view.setFloat64(this.length, us, true);
        this.view.setUint16(this.length + 8, offset, true);
        this.length += 10;
        return TIMESTAMP;
      }
    }
    const word = this.words.indexOf(value);
    if (word < 0) {
      this.string(value);
      return STRING;
    }
    this.varint(word);
    return WORD;
  }

  /** Rewrites a two-byte entry count that overflowed: moves the entries up to make room. */
  private widenCount(countAt: number, count: number): void {
    let width = 1;
    while (count >= 0x80 ** width) width++;
    const extra = width - 2;
    this.reserve(extra);
    this.bytes.copyWithin(countAt + width, countAt + 2, this.length);
    this.length += extra;
    for (let i = 0; i < width; i++) {
      this.bytes[countAt + i] = (count % 0x80) | (i < width - 1 ? 0x80 : 0);
      count = Math.floor(count / 0x80);
    }
  }
}

const NO_KEYS: readonly string[] = [];

/** Reads what {@link ByteWriter} wrote. */
export class ByteReader {
  private view: DataView;
  /** `words`: the writer's {@link WordList}. */
  constructor(readonly bytes: Uint8Array, public at: number, private readonly words: WordList = NO_WORDS) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  byte(): number {
    return this.bytes[this.at++]!;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = this.bytes[this.at++];
      // Bytes that are not a record (a wrong offset) must not read on forever past the end.
      if (b === undefined) throw new RangeError('corrupt encoding: a varint runs past the end');
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
    }
  }

  string(): string {
    const length = this.varint();
    const end = this.at + length;
    const bytes = this.bytes;
    const units: number[] = [];
    let text = '';
    while (this.at < end) {
      const b = bytes[this.at++]!;
      if (b < 0x80) {
        units.push(b);
      } else if (b < 0xe0) {
        units.push(((b & 0x1f) << 6) | (bytes[this.at++]! & 0x3f));
      } else if (b < 0xf0) {
        units.push(((b & 0x0f) << 12) | ((bytes[this.at++]! & 0x3f) << 6) | (bytes[this.at++]! & 0x3f));
      } else {
        const c = ((b & 0x07) << 18) | ((bytes[this.at++]! & 0x3f) << 12) | ((bytes[this.at++]! & 0x3f) << 6) | (bytes[this.at++]! & 0x3f);
        units.push(0xd800 + ((c - 0x10000) >> 10), 0xdc00 + ((c - 0x10000) & 0x3ff));
      }
      if (units.length >= 4096) text += String.fromCharCode(...units.splice(0));
    }
    return text + String.fromCharCode(...units);
  }

  value(): unknown {
    return this.content(this.byte() & TAG_MASK);
  }

  private content(tag: number): unknown {
    switch (tag) {
      case NULL: return null;
      case FALSE: return false;
      case TRUE: return true;
      case UINT: return this.varint();
      case NEGATIVE_INT: return -this.varint();
      case FLOAT: {
        const value = this.view.getFloat64(this.at, true);
        this.at += 8;
        return value;
      }
      case STRING: return this.string();
      case ARRAY: {
        const length = this.varint();
        const array: unknown[] = [];
        for (let i = 0; i < length; i++) array.push(this.value());
        return array;
      }
      case OBJECT: return this.object(NO_KEYS);
      case WORD: {
        const word = this.words.words[this.varint()];
        if (word === undefined) throw new RangeError('corrupt encoding: a word the reader does not know');
        return word;
      }
      case TIMESTAMP: {
        const us = this.view.getFloat64(this.at, true);
        const offset = this.view.getUint16(this.at + 8, true);
        this.at += 10;
        return formatOffsetTimestamp(us, offset);
      }
      default: throw new RangeError(`corrupt encoding: tag ${tag}`);
    }
  }

  object(keys: readonly string[]): Record<string, unknown> {
    const count = this.varint();
    const object: Record<string, unknown> = {};
    let cursor = 0;
    for (let i = 0; i < count; i++) {
      const head = this.byte();
      let key: string;
      if ((head & NEXT_KEY) !== 0) key = keys[cursor++]!;
      else if ((head & INDEXED_KEY) !== 0) {
        const index = this.varint();
        key = keys[index]!;
        cursor = index + 1;
      } else key = this.string();
      const value = this.content(head & TAG_MASK);
      // defineProperty, not assignment: a key "__proto__" must come back as a plain key.
      if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      else object[key] = value;
    }
    return object;
  }
}
