/**
 * Dedupe identity and content fingerprint (domain-notes, "Dedupe keys"). mluvii sends no event
 * id: an exact retry repeats the body byte for byte, so identity is built from the fields that
 * name one occurrence, and the fingerprint tells a retry from a conflicting second report.
 */
import xxhash from 'xxhash-wasm';
import type { EventType } from './catalogue.js';

// xxHash64 compiled to WebAssembly: a fingerprint per event is on the hot path, and a JS hash
// loop costs about as much per character as JSON.parse itself (3x xxh64 here, measured).
const { h64ToString } = await xxhash();

/**
 * Fingerprint of a body's JSON text: xxHash64, 16 hex digits. An exact retry repeats the body
 * byte for byte, so the text is hashed as delivered (bodies handed in as objects are serialized
 * first); the same content re-serialized with other whitespace or key order fingerprints
 * differently. Not cryptographic: it only compares two reports of the same identity.
 */
export function fingerprintOf(bodyJson: string): string {
  return h64ToString(bodyJson);
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
