/**
 * Public types of mluvii-state, gathered in one place.
 */
import type { EventDataMap, EventFamily, EventType } from './catalogue/catalogue.js';
import type { ParseError } from './catalogue/errors.js';

export type { EventDataMap, EventFamily, EventType, WebhookEvent, GenericActivityType } from './catalogue/catalogue.js';
export type { ParseError, ParseErrorCode, ParseIssue } from './catalogue/errors.js';
export type * from './catalogue/enums.js';

/** Somebody who acts in, or is targeted by, an event. */
export type Party =
  | { readonly kind: 'operator'; readonly userId: number }
  | { readonly kind: 'chatbot'; readonly chatbotId: number }
  | { readonly kind: 'guest' }
  | { readonly kind: 'group'; readonly groupId: number }
  | { readonly kind: 'phone'; readonly phoneNumber: string }
  | { readonly kind: 'system' };

/**
 * An entity stream id: `session:<id>`, `email:<id>`, `operator:<userId>`, `contact:<id>`,
 * `tenant:<id>` / `company:<id>` (settings), or `unknown:<eventType>`.
 */
export type StreamId = string;

/** What every normalized event carries, whatever its type. */
export interface EventEnvelope {
  readonly family: EventFamily | 'unknown';
  /** The entity stream this event belongs to. */
  readonly stream: StreamId;
  /** The id of the stream's entity (session id, thread id, operator userId, ...). */
  readonly entityId: number | null;
  readonly tenantId: number | null;
  /** Event time in epoch microseconds; `null` for events without their own time. */
  readonly time: number | null;
  /** The timestamp as delivered (offset and precision preserved); `null` when there is none. */
  readonly timeText: string | null;
  /** Causal rank: orders events of equal `time` (Created < Started < Joined < ... < Concluded). */
  readonly rank: number;
  /**
   * Who did it, when known. Forwards: the SOURCE (SessionActivitySessionForwarded's `userId` /
   * `chatbotId`). AvRequest's `operatorId` and a generic activity's `userId` both land here.
   */
  readonly actor: Party | null;
  /**
   * Whom it is aimed at: the destination of a forward (SessionForwarded's `userId`,
   * SessionActivitySessionForwarded's `toOperatorUserId` / `toGroupId` / `toPhoneNumber`) or the
   * invitee of an invite.
   */
  readonly target: Party | null;
  /** The operator (userId) whose participation or presence this event changes, if any. */
  readonly participant: number | null;
  /**
   * Dedupe identity (domain-notes "Dedupe keys"): two deliveries with the same identity report the
   * same occurrence. `null` for refresh signals without time, which are never deduplicated.
   */
  readonly identity: string | null;
  /** Fingerprint of the body text: equal identity + different fingerprint = a conflicting report. */
  readonly fingerprint: string;
}

/** A validated, normalized event of a known type. Discriminated on `eventType`. */
export type KnownEvent<K extends EventType = EventType> = K extends EventType
  ? EventEnvelope & { readonly known: true; readonly eventType: K; readonly data: EventDataMap[K] }
  : never;

/** A well-formed envelope with an `eventType` the catalogue does not know: kept raw, not an error. */
export interface UnknownEvent extends EventEnvelope {
  readonly known: false;
  readonly eventType: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export type NormalizedEvent = KnownEvent | UnknownEvent;

/** A webhook body as it may be handed in. */
export type RawBody = string | Uint8Array | unknown;

/** Result of {@link parseWebhook}: never thrown, always returned. */
export type ParseResult =
  | { readonly ok: true; readonly event: NormalizedEvent; /** The body as JSON text. */ readonly text: string }
  | { readonly ok: false; readonly error: ParseError; /** The body exactly as handed in. */ readonly raw: RawBody };

export interface ParseOptions {
  /** Largest accepted body in bytes (UTF-8). Default 1 MiB. */
  readonly maxBytes?: number;
  /** Deepest accepted nesting of objects and arrays (the envelope is depth 1). Default 32. */
  readonly maxDepth?: number;
}
