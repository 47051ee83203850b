/**
 * `parseWebhook`: raw webhook body in, validated and normalized event (or a structured error) out.
 * It never throws for any input: the receiver must answer mluvii fast and keep what it got.
 *
 * Two paths, one result: a body in the canonical form mluvii sends is read by its type's compiled
 * regular expression (canonicalReader.ts), valid by construction; any other body goes through
 * `JSON.parse`, the hazard check and the compiled schema check. Both end in `accepted`.
 */
import { Kind, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { activityTypeValues, EVENT_CATALOGUE, EVENT_TYPES, typeCodeOf, type EventSpec, type EventType, type TimeField } from './catalogue.js';
import {
  createParseError, describeValue, pointerToJsonPath, type ParseError, type ParseIssue,
} from './errors.js';
import { readCanonicalBody } from './canonicalReader.js';
import { rolesOf, unknownRoles } from './normalize.js';
import { parseTimestampUs } from './timestamp.js';
import type { NormalizedEvent, ParseOptions, ParseResult, RawBody } from '../types.js';

/** Default body limit: 1 MiB, as mluvii payloads are small (the largest carry a hero card). */
export const DEFAULT_MAX_BYTES = 1024 * 1024;
/** Default nesting limit; real payloads nest 5 deep at most (callScript choice options). */
export const DEFAULT_MAX_DEPTH = 32;
const MAX_ISSUES = 20;

/** What parsing needs of a known event type, found with one lookup per body. */
interface KnownType {
  /** The catalogue's own name string: later lookups by it compare one pointer, not 26 characters. */
  readonly eventType: EventType;
  readonly typeCode: number;
  readonly spec: EventSpec;
  readonly checker: TypeCheck<TSchema>;
  /** For a generic activity, the values its `type` may take ({@link activityTypeValues}). */
  readonly typeValues: readonly [short: string, prefixed: string] | null;
}

// One compiled checker per distinct payload schema (the generic activities share one).
const checkers = new Map<TSchema, TypeCheck<TSchema>>();
const KNOWN_TYPES = new Map<string, KnownType>(EVENT_TYPES.map((eventType) => {
  const spec = EVENT_CATALOGUE[eventType];
  let checker = checkers.get(spec.schema);
  if (checker === undefined) checkers.set(spec.schema, (checker = TypeCompiler.Compile(spec.schema)));
  return [eventType, { eventType, typeCode: typeCodeOf(eventType), spec, checker, typeValues: activityTypeValues(eventType) }];
}));

const utf8 = new TextDecoder('utf-8', { fatal: true });

type Failure = { readonly ok: false; readonly error: ParseError; readonly raw: RawBody };
const fail = (raw: RawBody, error: ParseError): Failure => ({ ok: false, error, raw });
const rootIssue = (expected: string, received: string): ParseIssue => ({ path: '$', expected, received });

function describeSchema(schema: TSchema): string {
  switch (schema[Kind]) {
    case 'Union':
      return (schema.anyOf as TSchema[]).map(describeSchema).join(' | ');
    case 'Record':
      return 'object';
    case 'Unknown':
      return 'any JSON value';
    case 'Integer':
      return schema.minimum === 1 && schema.maximum === Number.MAX_SAFE_INTEGER ? 'integer from 1 to 2^53-1' : 'integer';
    default:
      return String(schema[Kind]).toLowerCase();
  }
}

/** Turns the body into JSON text, or says why it cannot be. */
function toText(body: RawBody, maxBytes: number): string | ParseError {
  if (typeof body === 'string') {
    const tooLarge = body.length > maxBytes || (body.length * 3 > maxBytes && Buffer.byteLength(body) > maxBytes);
    return tooLarge ? createParseError('body-too-large', rootIssue(`at most ${maxBytes} bytes`, `${Buffer.byteLength(body)} bytes`)) : body;
  }
  if (body instanceof Uint8Array) {
    if (body.byteLength > maxBytes) {
      return createParseError('body-too-large', rootIssue(`at most ${maxBytes} bytes`, `${body.byteLength} bytes`));
    }
    try {
      return utf8.decode(body);
    } catch {
      return createParseError('invalid-utf8', rootIssue('UTF-8 text', 'bytes that are not UTF-8'));
    }
  }
  if (body === null || typeof body !== 'object') {
    return createParseError('not-an-object', rootIssue('object', describeValue(body)));
  }
  // An already-parsed body (e.g. from express.json()): serialize it, which also detaches our copy
  // from the caller's object so later mutation by the caller cannot reach tracker state.
  let text: string | undefined;
  try {
    text = JSON.stringify(body);
  } catch (error) {
    return createParseError('not-serializable', rootIssue('JSON-serializable object', String((error as Error).message)));
  }
  return text === undefined ? createParseError('not-an-object', rootIssue('object', typeof body)) : toText(text, maxBytes);
}

interface Hazard { readonly code: 'too-deep' | 'forbidden-key'; readonly path: (string | number)[] }

/**
 * Looks for keys that could poison a prototype when a consumer merges the payload, and for
 * nesting beyond `maxDepth`. Recursion is bounded by `maxDepth`, so deep junk cannot overflow.
 */
function findHazard(node: object, depth: number, maxDepth: number): Hazard | null {
  if (depth > maxDepth) return { code: 'too-deep', path: [] };
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const child: unknown = node[i];
      if (child !== null && typeof child === 'object') {
        const hazard = findHazard(child, depth + 1, maxDepth);
        if (hazard !== null) return (hazard.path.unshift(i), hazard);
      }
    }
    return null;
  }
  const record = node as Record<string, unknown>;
  for (const key in record) {
    const child = record[key];
    const isObject = child !== null && typeof child === 'object';
    if (key === '__proto__' || (key === 'constructor' && isObject)) return { code: 'forbidden-key', path: [key] };
    if (isObject) {
      const hazard = findHazard(child, depth + 1, maxDepth);
      if (hazard !== null) return (hazard.path.unshift(key), hazard);
    }
  }
  return null;
}

/**
 * The hazard of a parsed body, if any (`envelope`: the parsed `text`, `data` its payload).
 *
 * Most bodies are flat: their text has no bracket and only two braces, the envelope's and the
 * data's, so no value nests deeper than 2 and none is an object a `constructor` key could carry.
 * Of a flat body only an own `__proto__` key (JSON.parse makes it an own property, whatever
 * escapes spell it) need be looked for: two property lookups, where the text searches of
 * {@link mayHoldHazard} cost 5 % of an ingest (CPU profile). Other bodies take those searches, and
 * the walk over every key only when the text may hold a hazard.
 */
function hazardOf(text: string, envelope: object, data: object, maxDepth: number): Hazard | null {
  if (maxDepth >= 2) {
    const second = text.indexOf('{', text.indexOf('{') + 1);
    const flat = text.indexOf('{', second + 1) < 0 && !text.includes('[');
    if (flat && !Object.hasOwn(envelope, '__proto__') && !Object.hasOwn(data, '__proto__')) return null;
  }
  return mayHoldHazard(text, maxDepth) ? findHazard(envelope, 1, maxDepth) : null;
}

/**
 * Whether `text` may hold a hazard, so that the parsed value must be walked: a forbidden key
 * needs its name in the text (or a `\u` escape that spells it), nesting deeper than `maxDepth`
 * needs more opening brackets than that.
 */
function mayHoldHazard(text: string, maxDepth: number): boolean {
  if (text.includes('__proto__') || text.includes('constructor') || text.includes('\\u')) return true;
  let brackets = 0;
  for (let at = text.indexOf('{'); at >= 0; at = text.indexOf('{', at + 1)) if (++brackets > maxDepth) return true;
  for (let at = text.indexOf('['); at >= 0; at = text.indexOf('[', at + 1)) if (++brackets > maxDepth) return true;
  return false;
}

function hazardError(hazard: Hazard, eventType: string | null, maxDepth: number): ParseError {
  const path = pointerToJsonPath(hazard.path.length === 0 ? '' : `/${hazard.path.join('/')}`);
  return hazard.code === 'too-deep'
    ? createParseError('too-deep', { path, expected: `nesting of at most ${maxDepth} levels`, received: 'deeper nesting' }, eventType)
    : createParseError('forbidden-key', { path, expected: 'no __proto__ or constructor object key', received: `key ${JSON.stringify(hazard.path.at(-1))}` }, eventType);
}

function schemaError(eventType: EventType, data: unknown): ParseError {
  const issues: ParseIssue[] = [];
  for (const error of KNOWN_TYPES.get(eventType)!.checker.Errors(data)) {
    issues.push({ path: pointerToJsonPath(`/data${error.path}`), expected: describeSchema(error.schema), received: describeValue(error.value) });
    if (issues.length === MAX_ISSUES) break;
  }
  return createParseError('invalid-field', issues[0]!, eventType, issues);
}

/**
 * Parses one webhook body (`{"eventType": string, "data": object}`).
 *
 * - `body`: the request body as text, bytes (Buffer / Uint8Array, must be UTF-8), or an
 *   already-parsed value.
 * - Returns `{ ok: true, event, text }` for a known or an unknown-but-well-formed event
 *   (`event.known` tells which), or `{ ok: false, error, raw }` with a {@link ParseError}
 *   whose `code` is stable. Never throws.
 *
 * @example
 * const result = parseWebhook('{"eventType":"SessionCreated","data":{"id":1,"tenantId":62,"channel":"Chat","source":"Default"}}');
 * if (result.ok) console.log(result.event.stream); // "session:1"
 */
export function parseWebhook(body: RawBody, options?: ParseOptions): ParseResult {
  // No default `{}`: it would be an object allocated per body when, as usual, none is given.
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  const text = toText(body, maxBytes);
  if (typeof text !== 'string') return fail(body, text);

  // The usual body, canonical: read without JSON.parse, valid by construction (canonicalReader.ts).
  // Its payload nests two levels deep, which a `maxDepth` below 2 forbids.
  const canonical = maxDepth >= 2 ? readCanonicalBody(text) : null;
  if (canonical !== null) return accepted(body, text, KNOWN_TYPES.get(canonical.eventType)!, canonical.data);

  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch (error) {
    return fail(body, createParseError('invalid-json', rootIssue('JSON text', (error as Error).message)));
  }
  if (envelope === null || typeof envelope !== 'object' || Array.isArray(envelope)) {
    return fail(body, createParseError('not-an-object', rootIssue('object', describeValue(envelope))));
  }
  const { eventType, data } = envelope as { eventType?: unknown; data?: unknown };
  if (typeof eventType !== 'string' || eventType === '') {
    return fail(body, createParseError('invalid-event-type', { path: '$.eventType', expected: 'non-empty string', received: describeValue(eventType) }));
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return fail(body, createParseError('invalid-data', { path: '$.data', expected: 'object', received: describeValue(data) }, eventType));
  }
  const hazard = hazardOf(text, envelope, data, maxDepth);
  if (hazard !== null) return fail(body, hazardError(hazard, eventType, maxDepth));

  const record = data as Record<string, unknown>;
  const known = KNOWN_TYPES.get(eventType);
  if (known === undefined) return { ok: true, event: buildEvent(eventType, 0, null, record, null, null), text };

  if (!known.checker.Check(record)) return fail(body, schemaError(known.eventType, record));

  if (known.typeValues !== null) {
    const [short, prefixed] = known.typeValues;
    if (record.type !== short && record.type !== prefixed) {
      return fail(body, createParseError('activity-type-mismatch', { path: '$.data.type', expected: `"${short}"`, received: describeValue(record.type) }, eventType));
    }
  }

  return accepted(body, text, known, record);
}

/** The result for a payload of a known type that passed its schema: its timestamps parsed, normalized. */
function accepted(body: RawBody, text: string, known: KnownType, record: Record<string, unknown>): ParseResult {
  const { spec, eventType } = known;
  const timeText = timeTextOf(record, spec.timeField);
  let time: number | null = null;
  if (timeText !== null) {
    time = parseTimestampUs(timeText);
    if (time === null) return fail(body, timestampError(eventType, spec.timeField!, timeText));
  }
  if (eventType === 'SessionEnded' && typeof record.started === 'string' && parseTimestampUs(record.started) === null) {
    return fail(body, timestampError(eventType, 'started', record.started));
  }
  return { ok: true, event: buildEvent(eventType, known.typeCode, spec, record, timeText, time), text };
}

/**
 * The text of a validated payload's time field (`null` when its type has none). Read by name:
 * a keyed load by a runtime field name, on payloads of 40 shapes, is a megamorphic lookup.
 */
function timeTextOf(record: Record<string, unknown>, field: TimeField): string | null {
  switch (field) {
    case 'time': return record.time as string;
    case 'started': return record.started as string;
    case 'ended': return record.ended as string;
    case 'created': return record.created as string;
    default: {
      const none: null = field; // a new TimeField fails to compile here until it is read above
      return none;
    }
  }
}

/**
 * The normalized event of a validated (or trusted) payload whose time is already parsed; `spec`
 * is the catalogue entry the caller looked up, `null` for an unknown event type.
 */
function buildEvent(eventType: string, typeCode: number, spec: EventSpec | null, record: Record<string, unknown>, timeText: string | null, time: number | null): NormalizedEvent {
  const known = spec !== null;
  const roles = known ? rolesOf(eventType as EventType, spec.family, record) : unknownRoles(eventType, record);
  return {
    known, eventType, data: record, family: spec?.family ?? 'unknown',
    stream: roles.stream, entityId: roles.entityId, tenantId: roles.tenantId,
    actor: roles.actor, target: roles.target, participant: roles.participant,
    time, timeText, rank: spec?.rank ?? 0, typeCode,
  } as NormalizedEvent;
}

/**
 * Normalizes a payload this library validated before (read back from a store), skipping
 * validation: a restart re-reads every stored event, and those checks were paid for at ingest.
 * Not for untrusted input: use {@link parseWebhook}.
 */
export function normalizeTrusted(eventType: string, data: Record<string, unknown>): NormalizedEvent {
  const known = KNOWN_TYPES.get(eventType);
  const spec = known?.spec ?? null;
  const timeText = spec === null ? null : timeTextOf(data, spec.timeField);
  return buildEvent(known?.eventType ?? eventType, known?.typeCode ?? 0, spec, data, timeText, timeText === null ? null : parseTimestampUs(timeText));
}

/** {@link normalizeTrusted} of a stored body's JSON text. */
export function normalizeTrustedText(text: string): NormalizedEvent {
  const { eventType, data } = JSON.parse(text) as { eventType: string; data: Record<string, unknown> };
  return normalizeTrusted(eventType, data);
}

function timestampError(eventType: string, field: string, value: string): ParseError {
  return createParseError('invalid-timestamp', {
    path: `$.data.${field}`,
    expected: 'ISO-8601 date-time with offset, e.g. 2024-05-02T16:05:24.454661+02:00',
    received: describeValue(value),
  }, eventType);
}
