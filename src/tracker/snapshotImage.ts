/**
 * A snapshot image: the tracker's hot set in binary, beside its JSON snapshot, so that a start
 * decodes and folds nothing it covers. The packed events, their sort times, the dedupe table
 * and each stream's slots go as the bytes they are in memory; each stream's state and anomalies
 * as JSON. Only a process of the same packed format reads it (PACKED_FORMAT); any other, or an
 * image of another position than its snapshot's, is ignored and the journal is read instead.
 *
 * Layout: the line `mluvii-state image v1`, a u32 (little-endian) length and that many bytes of
 * JSON header (format, position, meta, the parts' lengths and CRC-32), then the parts, each starting at a
 * multiple of 8 bytes (typed arrays are viewed in place).
 */
import { crc32 } from 'node:zlib';
import { PACKED_FORMAT } from '../store/packedLog.js';
import type { ImageMeta } from './picture.js';

const MAGIC = Buffer.from('mluvii-state image v1\n', 'latin1');

interface ImageHeader {
  readonly format: string;
  readonly position: number;
  readonly meta: ImageMeta;
  readonly lengths: number[];
  /** CRC-32 of the parts, one after the other: a damaged image is not read. */
  readonly crc: number;
}

/**
 * The CRC-32 of `parts` one after the other. Empty parts are passed over: `zlib.crc32` answers 0
 * for an empty view of an empty ArrayBuffer, whatever the value it continues from.
 */
const crcOf = (parts: readonly Uint8Array[]) => parts.reduce((crc, part) => (part.byteLength === 0 ? crc : crc32(part, crc)), 0);

const padding = (length: number) => (8 - (length % 8)) % 8;

/** The image of a picture at store `position`, as pieces to write one after the other. */
export function encodeImage(position: number, meta: ImageMeta, parts: readonly Uint8Array[]): Uint8Array[] {
  const header: ImageHeader = { format: PACKED_FORMAT, position, meta, lengths: parts.map((part) => part.byteLength), crc: crcOf(parts) };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  const pieces: Uint8Array[] = [MAGIC, length, json, new Uint8Array(padding(MAGIC.length + 4 + json.length))];
  for (const part of parts) pieces.push(part, new Uint8Array(padding(part.byteLength)));
  return pieces;
}

/** The meta and parts of an image at `position` this build can read, or null. */
export function decodeImage(image: Buffer, position: number): { meta: ImageMeta; parts: Uint8Array[] } | null {
  if (image.length < MAGIC.length + 4 || !image.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const jsonLength = image.readUInt32LE(MAGIC.length);
  let at = MAGIC.length + 4;
  let header: ImageHeader;
  try {
    header = JSON.parse(image.toString('utf8', at, at + jsonLength)) as ImageHeader;
  } catch {
    return null;
  }
  if (header.format !== PACKED_FORMAT || header.position !== position) return null;
  at += jsonLength;
  at += padding(at);
  const parts: Uint8Array[] = [];
  for (const length of header.lengths) {
    if (at + length > image.length) return null;
    parts.push(new Uint8Array(image.buffer, image.byteOffset + at, length));
    at += length + padding(length);
  }
  return crcOf(parts) === header.crc ? { meta: header.meta, parts } : null;
}
