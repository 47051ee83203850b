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
 */

import { constants } from 'node:buffer';

export const NULL = 0;
export const FALSE = 1;
export const TRUE = 2;
export const UINT = 3; // integer 0 .. 2^53-1, varint
export const NEGATIVE_INT = 4; // integer -(2^53-1) .. -1, varint of its magnitude
const FLOAT = 5; // any other number, 8 bytes little-endian
export const STRING = 6;
const ARRAY = 7;
const OBJECT = 8;

const TAG_MASK = 0x0f;
/** Entry key is the next schema key (the cursor's). */
export const NEXT_KEY = 0x80;
/** Entry key is a schema key given by its index (varint); otherwise its text follows. */
export const INDEXED_KEY = 0x40;

/** The largest typed array this Node.js allocates (4 GiB on 64-bit Node 20). */
const MAX_BYTES = constants.MAX_LENGTH;

/** Writes `value` (an integer 0 .. 2^53-1) as a varint at `at`; returns the end. Room is the caller's. */
export function putVarint(bytes: Uint8Array, at: number, value: number): number {
  if (value < 0x80) {
    bytes[at] = value;
    return at + 1;
  }
  while (value >= 0x80) {
    bytes[at++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  bytes[at] = value;
  return at + 1;
}

/**
 * Writes an object's entry count (below 0x4000) in the two bytes at `countAt` that an encoded
 * object keeps for it in front of its entries.
 */
export function putEntryCount(bytes: Uint8Array, countAt: number, count: number): void {
  bytes[countAt] = (count & 0x7f) | 0x80;
  bytes[countAt + 1] = count >>> 7;
}

/** Bytes {@link putString} may write for a string of `units` UTF-16 units. */
export const stringRoom = (units: number): number => 5 + units * 3;

/**
 * Writes `text[from, to)` as an encoded string (length, then UTF-8; WTF-8 for lone surrogates) at
 * `at`; returns the end. Room is the caller's (see {@link stringRoom}). With `asJson`, the range
 * is the inside of a JSON string literal: a control character or a backslash (an escape, which
 * the caller does not decode) stops the write and -1 is returned.
 */
export function putString(bytes: Uint8Array, at: number, text: string, from: number, to: number, asJson: boolean): number {
  const worst = (to - from) * 3;
  const width = worst < 0x80 ? 1 : worst < 0x4000 ? 2 : worst < 0x200000 ? 3 : 5;
  const start = at + width;
  let out = start;
  for (let i = from; i < to; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      if (asJson && (c < 0x20 || c === 0x5c)) return -1;
      bytes[out++] = c;
    } else if (c < 0x800) {
      bytes[out++] = 0xc0 | (c >> 6);
      bytes[out++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < to) {
        const low = text.charCodeAt(i + 1);
        if (low >= 0xdc00 && low < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
          i++;
          bytes[out++] = 0xf0 | (c >> 18);
          bytes[out++] = 0x80 | ((c >> 12) & 0x3f);
          bytes[out++] = 0x80 | ((c >> 6) & 0x3f);
          bytes[out++] = 0x80 | (c & 0x3f);
          continue;
        }
      }
      bytes[out++] = 0xe0 | (c >> 12);
      bytes[out++] = 0x80 | ((c >> 6) & 0x3f);
      bytes[out++] = 0x80 | (c & 0x3f);
    }
  }
  let length = out - start;
  for (let i = 0; i < width; i++) {
    bytes[at + i] = (length & 0x7f) | (i < width - 1 ? 0x80 : 0);
    length >>>= 7;
  }
  return out;
}

/** A growable byte buffer written front to back. */
export class ByteWriter {
  bytes: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(capacity = 1 << 16) {
    this.bytes = new Uint8Array(capacity);
    this.view = new DataView(this.bytes.buffer);
  }

  /** Makes room for `extra` more bytes (grows by half, so slack stays below a third). */
  reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.bytes.length) return;
    if (needed > MAX_BYTES) throw new RangeError(`a packed log holds at most ${MAX_BYTES} bytes`);
    let capacity = this.bytes.length;
    while (capacity < needed) capacity = Math.min(Math.ceil(capacity * 1.5), MAX_BYTES);
    const grown = new Uint8Array(capacity);
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
    this.length = putVarint(this.bytes, this.length, value);
  }

  /** Appends `source[0, length)` as they are (an encoding made elsewhere, e.g. by the compact scanner). */
  copy(source: Uint8Array, length: number): void {
    this.reserve(length);
    if (length > 64) this.bytes.set(source.subarray(0, length), this.length);
    else for (let i = 0; i < length; i++) this.bytes[this.length + i] = source[i]!;
    this.length += length;
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
    this.reserve(stringRoom(text.length));
    this.length = putString(this.bytes, this.length, text, 0, text.length, false);
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

  /** An object's entries; keys found in `keys` (in that order) cost one bit. */
  object(object: Readonly<Record<string, unknown>>, keys: readonly string[]): void {
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
        this.bytes[headAt] = head | STRING;
        this.string(value);
      } else if (typeof value === 'number' && value >= 0 && value <= 0x3fff_ffff && (value | 0) === value && !Object.is(value, -0)) {
        this.bytes[headAt] = head | UINT;
        this.varint(value);
      } else {
        this.bytes[headAt] = head | this.tagOf(value);
        this.content(value);
      }
    }
    if (count < 0x4000) {
      putEntryCount(this.bytes, countAt, count);
    } else {
      this.widenCount(countAt, count);
    }
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
  constructor(readonly bytes: Uint8Array, public at: number) {
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
