/**
 * Dedupe identity and content fingerprint (domain-notes, "Dedupe keys"). mluvii sends no event
 * id: an exact retry repeats the body byte for byte, so identity is built from the fields that
 * name one occurrence, and the fingerprint tells a retry from a conflicting second report.
 */
import type { EventType } from './catalogue.js';

/**
 * cyrb53 (public domain, bryc), fed two UTF-16 units per step: a fast, well-distributed 53-bit
 * string hash. Not cryptographic: fingerprints only compare two reports of the same identity.
 * A JS loop costs about as much per character as native JSON.parse; the two-unit step halves it
 * (native crypto hashes cost more, ~3 µs per call, mostly call overhead).
 */
export function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  const last = text.length - 1;
  let i = 0;
  for (; i < last; i += 2) {
    const pair = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
    h1 = Math.imul(h1 ^ pair, 2654435761);
    h2 = Math.imul(h2 ^ pair, 1597334677);
  }
  if (i === last) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * Fingerprint of a body's JSON text: 14 hex digits. An exact retry repeats the body byte for
 * byte, so the text is hashed as delivered (bodies handed in as objects are serialized first);
 * the same content re-serialized with other whitespace or key order fingerprints differently.
 */
export function fingerprintOf(bodyJson: string): string {
  return hash53(bodyJson).toString(16).padStart(14, '0');
}

/** The fields identity is built from, taken from the normalized event. */
export interface IdentityParts {
  readonly eventType: string;
  readonly known: boolean;
  readonly timeUs: number | null;
  readonly data: Readonly<Record<string, unknown>>;
  readonly fingerprint: string;
}

/**
 * - generic activity: `(eventType, activityId)`
 * - HeroCardSubmission: `(sessionId, originalFormID, time)`
 * - Av*: `(eventType, sessionId, operatorId, time)`
 * - lifecycle with time: `(eventType, id, userId?, time)`
 * - SessionCreated: `(eventType, id)`: it happens once per session
 * - other events without time: `null`: refresh signals, a repeat is harmless and two equal
 *   UserStatusChanged bodies can be two real changes (AWAY, ONLINE, AWAY)
 * - unknown event types: `(eventType, fingerprint)`: only exact repeats are recognised
 */
export function identityOf(parts: IdentityParts): string | null {
  const { eventType, data, timeUs } = parts;
  if (!parts.known) return `${eventType}#${parts.fingerprint}`;
  if (typeof data.activityId === 'number') return `${eventType}:${data.activityId}`;
  switch (eventType as EventType) {
    case 'SessionActivityHeroCardSubmission':
      return `${eventType}:${data.sessionId}:${data.originalFormID}:${timeUs}`;
    case 'SessionActivityAvRequest':
    case 'SessionActivityAvTerminated':
    case 'SessionActivityAvResponse':
    case 'SessionActivityAvMediaResult':
      return `${eventType}:${data.sessionId}:${data.operatorId}:${timeUs}`;
    case 'SessionCreated':
      return `${eventType}:${data.id}`;
    default:
      return timeUs === null ? null : `${eventType}:${data.id}:${data.userId ?? ''}:${timeUs}`;
  }
}
