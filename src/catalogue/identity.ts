/**
 * Dedupe identity and content comparison (domain-notes, "Dedupe keys"). mluvii sends no event
 * id: identity is built from the fields that name one occurrence; two deliveries of one identity
 * are a retry when their payloads are equal, and a conflicting second report when they are not.
 */
import { createHash } from 'node:crypto';
import { EVENT_TYPES, type EventType } from './catalogue.js';
import type { NormalizedEvent } from '../types.js';
import { boundedTypeName } from './normalize.js';

/**
 * Timeless signals of a session or e-mail thread: nothing in them names one occurrence, so an
 * identical body is taken for a re-delivery of the same signal (their identity is the body's).
 * UserStatusChanged is not among them: AWAY, ONLINE, AWAY are three real changes.
 */
const TIMELESS_SIGNALS: ReadonlySet<string> = new Set<EventType>(['SessionCallParamsUpdated', 'SessionRecordingPostProcessingCompleted', 'EmailThreadParamsUpdated']);
/** Whose identity is their payload's digest: unknown types and timeless signals. */
const identifiedByContent = (event: NormalizedEvent): boolean => !event.known || TIMELESS_SIGNALS.has(event.eventType);

/** Names an unknown event type's payload, which has no identity fields: 16 hex digits of its SHA-256. */
const payloadDigest = (data: Readonly<Record<string, unknown>>): string =>
  createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 16);

// The numbers that name one occurrence (at most three after the event type), written here by
// `identityFields` for `getIdentity` (the text) and `identityKeyOf` (a hash) alike, so the two
// cannot disagree and the hot path allocates nothing for them. `null`: no value (`''` in text).
const fields: (number | null)[] = [0, 0, 0];

/**
 * Fills `fields` with the identity of an event of a known type; returns how many, or -1 when
 * the event has no identity.
 * - generic activity: `(eventType, activityId)`
 * - HeroCardSubmission: `(sessionId, originalFormID, time)`
 * - Av*: `(eventType, sessionId, operatorId, time)`
 * - lifecycle with time: `(eventType, id, userId?, time)`
 * - SessionCreated: `(eventType, id)`: it happens once per session
 * - timeless session and e-mail signals: `(eventType, digest of the payload)` (see TIMELESS_SIGNALS)
 * - UserStatusChanged: none by itself (AWAY, ONLINE, AWAY are three real changes); given the
 *   receive time a capture's envelope recorded, `(eventType, receivedAt, digest)`: the same body
 *   received at the same instant is one delivery
 */
const n = (value: unknown) => (typeof value === 'number' ? value : null);

function identityFields(eventType: string, timeUs: number | null, data: Readonly<Record<string, unknown>>): number {
  if (typeof data.activityId === 'number') {
    fields[0] = data.activityId;
    return 1;
  }
  switch (eventType as EventType) {
    case 'SessionActivityHeroCardSubmission':
      fields[0] = n(data.sessionId); fields[1] = n(data.originalFormID); fields[2] = timeUs;
      return 3;
    case 'SessionActivityAvRequest':
    case 'SessionActivityAvTerminated':
    case 'SessionActivityAvResponse':
    case 'SessionActivityAvMediaResult':
      fields[0] = n(data.sessionId); fields[1] = n(data.operatorId); fields[2] = timeUs;
      return 3;
    case 'SessionCreated':
      fields[0] = n(data.id);
      return 1;
    default:
      if (timeUs === null) return -1;
      fields[0] = n(data.id); fields[1] = n(data.userId); fields[2] = timeUs;
      return 3;
  }
}

/**
 * The dedupe identity of an event: its type and the fields that name one occurrence (see
 * `identityFields`), e.g. `SessionOperatorJoined:7371450:4:1714658724454661`; `null` for
 * UserStatusChanged, which has none and is never deduplicated. Unknown event types and timeless
 * signals: `(eventType, digest of the payload's JSON)`: only repeats of the same payload are
 * recognised.
 *
 * Computed on request, not carried by the event: the tracker dedupes by {@link identityKeyOf}
 * and needs the text only when a key repeats. `receivedAt`: the receive time a capture recorded
 * for the delivery (epoch ms), which names a UserStatusChanged delivery; ignored by other types.
 */
export function getIdentity(event: NormalizedEvent, receivedAt?: number): string | null {
  const data = event.data as Readonly<Record<string, unknown>>;
  if (identifiedByContent(event)) return `${boundedTypeName(event.eventType)}#${payloadDigest(data)}`;
  if (event.eventType === 'UserStatusChanged') return receivedAt === undefined ? null : `UserStatusChanged@${receivedAt}#${payloadDigest(data)}`;
  const count = identityFields(event.eventType, event.time, data);
  if (count < 0) return null;
  const first = integerText(fields[0]!);
  return count === 1 ? `${event.eventType}:${first}` : `${event.eventType}:${first}:${integerText(fields[1]!)}:${integerText(fields[2]!)}`;
}

/**
 * `String(value)` of a field (`''` for null), faster for integers beyond 32 bits (microsecond
 * times): V8 prints those through its general double formatter, two halves print as integers.
 */
function integerText(value: number | null): string {
  if (value === null) return '';
  if (value < 0x80000000 || !Number.isSafeInteger(value)) return String(value);
  const high = Math.floor(value / 1e8);
  return `${high}${String(value - high * 1e8 + 1e8).slice(1)}`;
}

const mix = (hash: number, unit: number) => Math.imul(hash ^ unit, 0x01000193);

/** FNV-1a over a string's UTF-16 units. */
function hashText(hash: number, text: string): number {
  for (let i = 0; i < text.length; i++) hash = mix(hash, text.charCodeAt(i));
  return hash;
}

/**
 * Mixes a number into an FNV-1a state as its value, not its decimal text: a safe integer as its
 * low 32 bits and the rest, any other number by its text: two mixing steps where the decimal
 * digits took one each (27 for an identity's id, user and microsecond time).
 */
function hashNumber(hash: number, value: number): number {
  if (!Number.isSafeInteger(value)) return hashText(mix(hash, 0x2e), String(value)); // '.': apart from the integers
  const high = Math.floor(value / 0x1_0000_0000);
  return mix(mix(hash, value | 0), high);
}

/**
 * murmur3's finalizer: FNV leaves the low bits (a hash table's index) depending only on the low
 * bits of the input, and identities differ mostly in the low bits of their numbers. Never 0.
 */
function finish(hash: number): number {
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash === 0 ? 1 : hash;
}

/** FNV-1a's 32-bit offset basis. */
const FNV_BASIS = 0x811c9dc5;
/** FNV-1a state after each known event type's name, by `typeCode`: every identity key starts with one. */
const TYPE_HASHES = [0, ...EVENT_TYPES.map((type) => hashText(FNV_BASIS, type))];

/**
 * The hash of an identity given as text ({@link getIdentity}'s form), never 0: what
 * {@link identityKeyOf} gives for an event with that identity. The numbers are read back from the
 * text and hashed as numbers, as `identityKeyOf` hashes them; an unknown type's identity (`#` and
 * a digest) is hashed as text.
 */
export function identityKeyOfText(identity: string): number {
  if (identity.includes('#')) return finish(hashText(FNV_BASIS, identity));
  const parts = identity.split(':');
  let hash = hashText(FNV_BASIS, parts[0]!);
  for (let i = 1; i < parts.length; i++) {
    hash = mix(hash, 58); // ':'
    if (parts[i] !== '') hash = hashNumber(hash, Number(parts[i]));
  }
  return finish(hash);
}

/**
 * The hash of the event's identity ({@link identityKeyOfText} of {@link getIdentity}), computed
 * from its fields without building that text; 0 when the event has no identity. Equal
 * identities have equal keys; a key match must still be confirmed.
 */
export function identityKeyOf(event: NormalizedEvent, receivedAt?: number): number {
  if (identifiedByContent(event)) return identityKeyOfText(getIdentity(event)!);
  if (event.eventType === 'UserStatusChanged') return receivedAt === undefined ? 0 : identityKeyOfText(getIdentity(event, receivedAt)!);
  const count = identityFields(event.eventType, event.time, event.data as Readonly<Record<string, unknown>>);
  if (count < 0) return 0;
  let hash = TYPE_HASHES[event.typeCode]!;
  for (let i = 0; i < count; i++) {
    hash = mix(hash, 58); // ':'
    const value = fields[i]!;
    if (value !== null) hash = hashNumber(hash, value);
  }
  return finish(hash);
}

/**
 * Whether two deliveries of one identity report the same thing: equal event types and equal
 * payloads as JSON values (key order and whitespace do not matter). Only asked of re-deliveries.
 */
export function sameContent(a: NormalizedEvent, b: NormalizedEvent): boolean {
  return a.eventType === b.eventType && sameJson(a.data, b.data);
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  return aKeys.every((key) => Object.hasOwn(b, key) && sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/**
 * A stream id's 32-bit hash (never 0): what the retired-stream set and the journal's stream index
 * key on, confirmed against the records themselves where a collision would matter.
 */
export const streamKeyOf = (stream: string): number => finish(hashText(FNV_BASIS, stream));
