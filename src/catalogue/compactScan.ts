/**
 * The fast path of {@link parseWebhook}: one pass over a body in the compact form mluvii sends
 * (`{"eventType":"…","data":{…}}`, no whitespace, the payload's keys in schema order, scalar
 * values, strings without escapes) that checks it against the payload schema, reads its values
 * and encodes the payload in the packed log's form (store/eventCodec.ts) as it goes. It replaces
 * `JSON.parse`, the prototype-poisoning walk, the compiled schema check and the encoder's walk
 * over the parsed object, four passes, on the path every delivery takes.
 *
 * It is compiled from the catalogue's TypeBox schemas, as the transition tables are compiled
 * from the machines: the schemas stay the single definition of a valid payload. Anything the
 * scanner does not handle (other key orders, unknown or extra keys, nesting, escapes, fractions,
 * whitespace, unknown event types, a payload that fails its schema) makes it give up, and the
 * general path parses the body instead, errors included. test/compactScan.test.ts holds the two
 * equal: a body the scanner takes yields the same payload, and the same bytes, as the general path.
 */
import { Kind, OptionalKind, type TSchema } from '@sinclair/typebox';
import {
  FALSE, INDEXED_KEY, NEGATIVE_INT, NEXT_KEY, NULL, STRING, TRUE, UINT, putEntryCount, putString, putVarint, stringRoom, type ByteWriter,
} from '../store/eventCodec.js';
import { EVENT_CATALOGUE, EVENT_TYPES, type EventType } from './catalogue.js';

/** Value kinds a payload key accepts, as bits. */
const IS_NULL = 1;
const IS_INTEGER = 2;
const IS_STRING = 4;
const IS_BOOLEAN = 8;
const IS_SCALAR = IS_NULL | IS_INTEGER | IS_STRING | IS_BOOLEAN;

/** Keywords that constrain a value beyond its kind: a schema using one is left to the general path. */
const CONSTRAINTS = ['minLength', 'maxLength', 'pattern', 'format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'const', 'enum'];

/** The scalar kinds `schema` accepts; 0 for schemas the scanner leaves to the general path. */
function kindsOf(schema: TSchema): number {
  if (CONSTRAINTS.some((keyword) => keyword in schema)) return 0;
  switch (schema[Kind]) {
    case 'Integer': return IS_INTEGER;
    case 'String': return IS_STRING;
    case 'Boolean': return IS_BOOLEAN;
    case 'Null': return IS_NULL;
    case 'Unknown': return IS_SCALAR; // nested values are the general path's
    case 'Union': return (schema.anyOf as TSchema[]).reduce((kinds, member) => kinds | kindsOf(member), 0);
    default: return 0;
  }
}

/** A known event type compiled for the scanner. */
interface CompactType {
  /** The catalogue's own name string. */
  readonly eventType: EventType;
  readonly keys: readonly string[];
  /** `"key":` of each key, as UTF-16 units. */
  readonly tokens: readonly Uint16Array[];
  readonly kinds: Uint8Array;
  readonly required: Uint8Array;
  /** The payload object of values for every key, in key order (the usual shape): one literal. */
  readonly build: (values: unknown[]) => Record<string, unknown>;
}

function compile(eventType: EventType): CompactType {
  const schema = EVENT_CATALOGUE[eventType].schema;
  const properties = schema.properties as Record<string, TSchema>;
  const keys = Object.keys(properties);
  const literal = keys.map((key, i) => `${JSON.stringify(key)}: values[${i}]`).join(', ');
  return {
    eventType,
    keys,
    tokens: keys.map((key) => Uint16Array.from(`${JSON.stringify(key)}:`, (unit) => unit.charCodeAt(0))),
    kinds: Uint8Array.from(keys.map((key) => kindsOf(properties[key]!))),
    required: Uint8Array.from(keys.map((key) => (properties[key]![OptionalKind] === 'Optional' ? 0 : 1))),
    // Generated once per type: an object literal gets its shape at once, where assigning 27 keys
    // one by one walks a shape transition per key.
    build: new Function('values', `return { ${literal} };`) as CompactType['build'],
  };
}

const COMPACT_TYPES = new Map<string, CompactType>(EVENT_TYPES.map((type) => [type, compile(type)]));

const ENVELOPE_START = '{"eventType":"';
const DATA_START = '","data":{';

/** Values read by the last scan, by key index (reused: the payload object is built from it). */
const values: unknown[] = [];

/** What the scanner made of a body. */
export interface CompactBody {
  readonly eventType: EventType;
  /** The payload, equal to what `JSON.parse` makes of it. */
  readonly data: Record<string, unknown>;
}

/** Whether `text` holds `token` at `at`. */
function holds(text: string, at: number, token: Uint16Array): boolean {
  for (let i = 0; i < token.length; i++) if (text.charCodeAt(at + i) !== token[i]) return false;
  return true;
}

/**
 * Scans a compact webhook body of a known event type whose payload passes its schema; encodes
 * the payload at the end of `out` (as `ByteWriter.object(data, keys)` would) and returns it with
 * its type. Returns `null`, with `out` as it was, for anything else: the general path decides.
 */
export function scanCompactBody(text: string, out: ByteWriter): CompactBody | null {
  if (!text.startsWith(ENVELOPE_START)) return null;
  const typeEnd = text.indexOf('"', ENVELOPE_START.length);
  if (typeEnd < 0) return null;
  const type = COMPACT_TYPES.get(text.slice(ENVELOPE_START.length, typeEnd));
  if (type === undefined || !text.startsWith(DATA_START, typeEnd)) return null;
  const { tokens, kinds, required } = type;
  const keyCount = tokens.length;

  // Every entry encodes into fewer bytes than three per character of its text, plus its head.
  out.reserve(stringRoom(text.length) + 16);
  const bytes = out.bytes;
  const countAt = out.length;
  let at = countAt + 2;
  let pos = typeEnd + DATA_START.length;
  let cursor = 0; // the next key in schema order
  let count = 0;
  let end = text.charCodeAt(pos) === 125; // `{}`
  if (end) pos++;
  while (!end) {
    // The entry's key: the next schema key, or a later one after optional keys left out.
    let k = cursor;
    for (;;) {
      if (k === keyCount) return null;
      if (holds(text, pos, tokens[k]!)) break;
      if (required[k] === 1) return null;
      values[k] = undefined;
      k++;
    }
    const headAt = at++;
    let head = NEXT_KEY;
    if (k !== cursor) {
      head = INDEXED_KEY;
      at = putVarint(bytes, at, k);
    }
    cursor = k + 1;
    count++;
    pos += tokens[k]!.length;
    const accepts = kinds[k]!;
    const c = text.charCodeAt(pos);
    let tag: number;
    if (c === 34) { // a string
      const close = text.indexOf('"', pos + 1);
      if (close < 0 || (accepts & IS_STRING) === 0) return null;
      at = putString(bytes, at, text, pos + 1, close, true);
      if (at < 0) return null;
      values[k] = text.slice(pos + 1, close);
      tag = STRING;
      pos = close + 1;
    } else if (c === 110) { // null
      if ((accepts & IS_NULL) === 0 || !text.startsWith('null', pos)) return null;
      values[k] = null;
      tag = NULL;
      pos += 4;
    } else if ((c >= 48 && c <= 57) || c === 45) { // an integer: digits only, 15 at most (exact)
      if ((accepts & IS_INTEGER) === 0) return null;
      const negative = c === 45;
      const first = negative ? pos + 1 : pos;
      let i = first;
      let value = 0;
      for (let d = text.charCodeAt(i) - 48; d >= 0 && d <= 9; d = text.charCodeAt(++i) - 48) value = value * 10 + d;
      const digits = i - first;
      // Fractions, exponents, leading zeros, -0 and longer numbers are the general path's.
      const next = text.charCodeAt(i);
      if (digits === 0 || digits > 15 || next === 46 || next === 101 || next === 69) return null;
      if (text.charCodeAt(first) === 48 && (digits > 1 || negative)) return null;
      at = putVarint(bytes, at, value);
      values[k] = negative ? -value : value;
      tag = negative ? NEGATIVE_INT : UINT;
      pos = i;
    } else if (c === 116 || c === 102) { // true, false
      const truth = c === 116;
      if ((accepts & IS_BOOLEAN) === 0 || !text.startsWith(truth ? 'true' : 'false', pos)) return null;
      values[k] = truth;
      tag = truth ? TRUE : FALSE;
      pos += truth ? 4 : 5;
    } else {
      return null; // nested values, whitespace, anything else
    }
    bytes[headAt] = head | tag;
    const separator = text.charCodeAt(pos++);
    if (separator === 125) end = true; // `}`
    else if (separator !== 44) return null; // `,`
  }
  if (pos !== text.length - 1 || text.charCodeAt(pos) !== 125) return null;
  for (let k = cursor; k < keyCount; k++) {
    if (required[k] === 1) return null;
    values[k] = undefined;
  }

  putEntryCount(bytes, countAt, count);
  out.length = at;
  return { eventType: type.eventType, data: count === keyCount ? type.build(values) : partial(type.keys, count) };
}

/** The payload object of a scan that left optional keys out (rare): the keys present, in order. */
function partial(keys: readonly string[], count: number): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (let k = 0; k < keys.length && count > 0; k++) {
    if (values[k] === undefined) continue;
    data[keys[k]!] = values[k];
    count--;
  }
  return data;
}
