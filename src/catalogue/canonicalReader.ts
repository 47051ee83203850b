/**
 * A fast reader for bodies in the canonical form mluvii sends: compact JSON, the envelope's two
 * keys in order, then every key of the payload's schema exactly in schema order, each value a
 * scalar its schema allows (a positive integer of up to 15 digits, a string without escapes, `null`, a
 * boolean; in a free-form field, `null` or a string). One regular expression per event type,
 * compiled from its TypeBox schema, matches such a body and captures its values, and a function
 * generated beside it builds the payload object.
 * V8 runs regular expressions as native code: on the generated day's chat messages a match took
 * about a third of the time `JSON.parse` did (0.72 against 2.2-2.4 µs per body).
 *
 * Anything else (white space, another key order, a key absent or extra, an escape, a nested or a
 * fractional value, an unexpected `type`) does not match, and parseWebhook takes its general path:
 * `JSON.parse`, the hazard check, the compiled schema check. A body that matches is valid by
 * construction and is read to the payload `JSON.parse` would give, key order included; property
 * tests hold the two paths to that (test/canonicalReader.test.ts).
 *
 * A new event type needs nothing here: its reader is compiled from its schema in the catalogue.
 */
import { Kind, type TSchema } from '@sinclair/typebox';
import { activityTypeValues, EVENT_CATALOGUE, EVENT_TYPES, type EventType } from './catalogue.js';
import * as ENUMS from './enums.js';

/** How one payload value is matched (`pattern`, with its capture groups) and rebuilt from them. */
interface ValueReader {
  readonly pattern: string;
  readonly groups: number;
  /** JavaScript expression of the value, its first capture group being `m[first]`. */
  expression(first: number): string;
}

/** Every enumeration's known values (enums.ts), each to itself: see `ENUM_STRING`. */
const KNOWN_WORDS: ReadonlyMap<string, string> = new Map(Object.values(ENUMS).flat().map((word) => [word, word]));

/** Reads a canonical body of one event type: its payload, or `null` when the body is not canonical. */
type CanonicalReader = (text: string) => Record<string, unknown> | null;

/**
 * An id (schemas.ts `Id`): a positive integer of at most 15 digits, which JSON.parse reads exactly
 * (below 2^53); a longer one takes the general path, where the schema judges it.
 */
const POSITIVE_INTEGER: ValueReader = { pattern: '([1-9]\\d{0,14})', groups: 1, expression: (i) => `+m[${i}]` };
/** A JSON string without escapes or control characters: its text is its value. */
const STRING: ValueReader = { pattern: '"([^"\\\\\\u0000-\\u001f]*)"', groups: 1, expression: (i) => `m[${i}]` };
/**
 * A string of an enumeration (a schema with `knownValues`): a known value is replaced by the
 * catalogue's own string. A capture of 13 characters or more is a view into the body's text (V8's
 * sliced string), and these are the values the folds keep for the day (channel, source,
 * termination reason, presence): as views they would keep every such body alive. (The other
 * strings a fold keeps, an operator's availability reason and a forward's phone number, are rare.)
 */
const ENUM_STRING: ValueReader = { ...STRING, expression: (i) => `(words.get(m[${i}]) ?? m[${i}])` };
const BOOLEAN: ValueReader = { pattern: '(true|false)', groups: 1, expression: (i) => `m[${i}] === "true"` };
const NULL: ValueReader = { pattern: 'null', groups: 0, expression: () => 'null' };

/** Keys a schema of a kind may carry and still be read here (any other is a constraint not modelled). */
const PLAIN_KEYS: Readonly<Record<string, readonly string[]>> = {
  Integer: ['type', 'minimum', 'maximum'],
  String: ['type', 'knownValues'],
  Boolean: ['type'],
  Null: ['type'],
};

function isPlain(schema: TSchema): boolean {
  const allowed = PLAIN_KEYS[schema[Kind] as string];
  return allowed !== undefined && Object.keys(schema).every((key) => allowed.includes(key));
}

function scalarReader(schema: TSchema): ValueReader | null {
  if (!isPlain(schema)) return null;
  switch (schema[Kind]) {
    case 'Integer':
      return schema.minimum === 1 && schema.maximum === Number.MAX_SAFE_INTEGER ? POSITIVE_INTEGER : null;
    case 'String': return schema.knownValues === undefined ? STRING : ENUM_STRING;
    case 'Boolean': return BOOLEAN;
    case 'Null': return NULL;
    default: return null;
  }
}

/** `null`, or what `inner` reads. */
const orNull = (inner: ValueReader): ValueReader => ({
  pattern: `(?:null|${inner.pattern})`,
  groups: inner.groups,
  expression: (i) => `m[${i}] === undefined ? null : ${inner.expression(i)}`,
});

/**
 * A plain scalar; `X | null` of a scalar X; for free-form JSON (hero cards, call scripts, chatbot
 * message contents), its usual values, `null` or a string; for a nullable object or record, its
 * `null`. Otherwise null: no reader.
 */
function valueReader(schema: TSchema): ValueReader | null {
  const scalar = scalarReader(schema);
  if (scalar !== null) return scalar;
  const kind = schema[Kind];
  if (kind === 'Unknown' && Object.keys(schema).length === 0) return orNull(STRING);
  if (kind === 'Union' && Object.keys(schema).every((key) => key === 'anyOf')) {
    const members = schema.anyOf as TSchema[];
    const other = members.find((member) => member[Kind] !== 'Null');
    if (members.length !== 2 || other === undefined || !members.some((member) => member[Kind] === 'Null' && isPlain(member))) return null;
    const inner = scalarReader(other);
    return inner === null || inner === NULL ? NULL : orNull(inner);
  }
  return null;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * Compiles the reader of `eventType`'s canonical bodies from its payload schema (a TypeBox
 * object). `typeValues`: for a generic activity, the values its `type` may take, else null.
 * Returns `null` when some key's schema requires a value this reader cannot match (a nested
 * object): such types always take the general path.
 */
function createCanonicalReader(eventType: string, schema: TSchema, typeValues: readonly string[] | null): CanonicalReader | null {
  if (schema[Kind] !== 'Object') return null;
  const properties = schema.properties as Record<string, TSchema>;
  const patterns: string[] = [];
  const entries: string[] = [];
  let group = 1;
  for (const [key, property] of Object.entries(properties)) {
    // Optional keys are read when present (a body that leaves one out is not canonical).
    const reader: ValueReader | null = key === 'type' && typeValues !== null && property[Kind] === 'String'
      ? { pattern: `"(${typeValues.map(escapeRegExp).join('|')})"`, groups: 1, expression: (i) => `m[${i}]` }
      : valueReader(property);
    if (reader === null) return null;
    patterns.push(`${escapeRegExp(JSON.stringify(key))}:${reader.pattern}`);
    entries.push(`${JSON.stringify(key)}: ${reader.expression(group)}`);
    group += reader.groups;
  }
  const body = new RegExp(`^\\{"eventType":${escapeRegExp(JSON.stringify(eventType))},"data":\\{${patterns.join(',')}\\}\\}$`);
  // One object literal per type, so that every payload of the type shares one shape, as
  // JSON.parse's objects of one key order do.
  const build = (new Function('words', `return (m) => ({ ${entries.join(', ')} });`) as (words: ReadonlyMap<string, string>) => (m: RegExpExecArray) => Record<string, unknown>)(KNOWN_WORDS);
  return (text) => {
    const match = body.exec(text);
    return match === null ? null : build(match);
  };
}

/** A canonical body's event type and payload. */
export interface CanonicalBody {
  readonly eventType: EventType;
  readonly data: Record<string, unknown>;
}

/** What every canonical body starts with, up to its event type. */
const PREFIX = '{"eventType":"';

interface TypeReader { readonly eventType: EventType; readonly read: CanonicalReader }

/**
 * The catalogue's readers by the length and last character of their type's name: a canonical
 * body's reader is among the candidates of its key, found without cutting the name out of the
 * text (that slice, and hashing it for a Map lookup, took a quarter of a canonical read). Each
 * reader's pattern starts with its own name, so a wrong candidate fails at once.
 */
const CANDIDATES: (TypeReader[] | undefined)[] = [];
const candidateIndex = (nameLength: number, lastCode: number): number => (lastCode < 0x80 ? nameLength * 0x80 + lastCode : -1);
for (const eventType of EVENT_TYPES) {
  const read = createCanonicalReader(eventType, EVENT_CATALOGUE[eventType].schema, activityTypeValues(eventType));
  if (read === null) continue;
  const index = candidateIndex(eventType.length, eventType.charCodeAt(eventType.length - 1));
  (CANDIDATES[index] ??= []).push({ eventType, read });
}

/**
 * Reads a webhook body's text when it is canonical for its (known) event type: its type and
 * payload, exactly as `JSON.parse` and the type's schema check would accept them; `null` for any
 * other text, which the general path must read.
 */
export function readCanonicalBody(text: string): CanonicalBody | null {
  if (!text.startsWith(PREFIX)) return null;
  const end = text.indexOf('"', PREFIX.length);
  if (end < 0) return null;
  const candidates = CANDIDATES[candidateIndex(end - PREFIX.length, text.charCodeAt(end - 1))];
  if (candidates === undefined) return null;
  for (const { eventType, read } of candidates) {
    const data = read(text);
    if (data !== null) return { eventType, data };
  }
  return null;
}
