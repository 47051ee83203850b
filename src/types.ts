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
   * 1 + the index of `eventType` in `EVENT_TYPES`, 0 for an unknown type (see `typeCodeOf`):
   * per-type tables can be arrays indexed by it instead of maps keyed by the name.
   */
  readonly typeCode: number;
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

// ---------------------------------------------------------------------------------------------
// Anomalies

/** The fixed anomaly vocabulary. */
export type AnomalyKind =
  | 'duplicate'
  | 'conflicting-duplicate'
  | 'out-of-order'
  | 'missing-transition'
  | 'unexpected-event'
  | 'inconsistent-data'
  | 'stalled'
  | 'invalid-payload'
  | 'unknown-event-type';

export type AnomalySeverity = 'info' | 'warning' | 'error';

/**
 * Something wrong with the event stream, as data. Delivery anomalies (`duplicate`,
 * `conflicting-duplicate`, `out-of-order`, `invalid-payload`, `unknown-event-type`) are facts
 * about a delivery and stay. Process anomalies (`missing-transition`, `unexpected-event`,
 * `inconsistent-data`) are a function of the stream's current fold and disappear when a late
 * event explains them. `stalled` is a function of the fold and the clock.
 */
export interface Anomaly {
  readonly kind: AnomalyKind;
  readonly severity: AnomalySeverity;
  /** The stream it concerns; `null` for a body that never got one (invalid payload). */
  readonly stream: StreamId | null;
  readonly eventType: string | null;
  readonly message: string;
  /** `missing-transition`: the events that never arrived, in the order they should have. */
  readonly missing?: readonly string[];
  /** The global store position of the delivery or event it is attached to. */
  readonly position: number | null;
  /** That delivery's `source` (see IngestOptions), e.g. `line 12` in a replay. */
  readonly source: string | null;
  /** Event time (ISO-8601 UTC, µs) of the event it is attached to, when it has one. */
  readonly time: string | null;
  /** `invalid-payload`: the parse error. */
  readonly error?: ParseError;
  /** `stalled`: what has been open too long, and since when. */
  readonly stalled?: { readonly what: StalledWhat; readonly since: string; readonly thresholdMs: number };
}

/** What can be open too long. */
export type StalledWhat = 'queued' | 'active' | 'after-call-work' | 'on-hold' | 'invite-pending';

// ---------------------------------------------------------------------------------------------
// Views

export type SessionStatus = 'created' | 'queued' | 'active' | 'ended' | 'after-call-work' | 'closed';
/** `expired`: an invitation still unanswered when the session ended. */
export type ParticipationStatus = 'invited' | 'joined' | 'after-call-work' | 'concluded' | 'rejected' | 'canceled' | 'expired';
export type EmailThreadStatus = 'unassigned' | 'assigned';

/** One operator's part in one session. Times are ISO-8601 UTC with microseconds. */
/** One time an operator was in a session: joined, left (into after-call work), concluded. */
export interface StintView {
  readonly joinedAt: string | null;
  readonly leftAt: string | null;
  readonly concludedAt: string | null;
}

export interface ParticipationView {
  readonly userId: number;
  readonly status: ParticipationStatus;
  /** When the participation entered its status (event time): "in after-call work since". */
  readonly since: string | null;
  readonly invitedAt: string | null;
  /** The latest stint's times (see `stints`). */
  readonly joinedAt: string | null;
  readonly leftAt: string | null;
  readonly concludedAt: string | null;
  /** Every stint, in time order (an operator forwarded away and back has two). */
  readonly stints: readonly StintView[];
}

/** Who holds a session that waits for an operator. */
export interface QueueView {
  /** `chatbot`: a chatbot is talking to the guest; `queue`: the guest waits for an operator. */
  readonly heldBy: 'chatbot' | 'queue';
  /** Since when the guest waits for an operator (null while a chatbot holds the session). */
  readonly waitingSince: string | null;
  /** The group it was forwarded to, when known. */
  readonly groupId: number | null;
}

/**
 * One forward, reported by SessionForwarded, SessionActivitySessionForwarded or both (merged when
 * close in time).
 */
export interface ForwardView {
  readonly at: string | null;
  /** Operator, group, chatbot or phone number the session was forwarded to. */
  readonly to: Party | null;
  /** Who forwarded it, when the activity said. */
  readonly from: Party | null;
  readonly reportedBy: readonly ('SessionForwarded' | 'SessionActivitySessionForwarded')[];
}

export type PendingForm = 'hero-card' | 'call-script';

/** A session's durations (see `getSessionDurations`): milliseconds, `null` while not known. */
export interface SessionDurations {
  /** Start to first operator join (or to the end if nobody answered), chatbot time excluded. */
  readonly queueMs: number | null;
  /** Time a chatbot held the session before an operator or the end. */
  readonly chatbotMs: number | null;
  /** Time at least one operator was joined, hold excluded. */
  readonly talkMs: number | null;
  readonly holdMs: number | null;
  /** Over every participation: left to concluded. */
  readonly afterCallWorkMs: number | null;
  /** talk + hold + after-call work. */
  readonly handleMs: number | null;
  /** Forwards after the first operator joined. */
  readonly transfers: number;
  /** False when the session's stream has open process anomalies: its figures rest on inferred transitions. */
  readonly complete: boolean;
}

export interface SessionView {
  readonly id: number;
  readonly tenantId: number | null;
  readonly channel: string | null;
  readonly source: string | null;
  readonly status: SessionStatus;
  /** When the session entered its status (event time). */
  readonly statusSince: string | null;
  /** Closed without any operator ever joining. */
  readonly abandoned: boolean;
  /** For a queued session: who holds it and since when the guest waits; null otherwise. */
  readonly queue: QueueView | null;
  readonly operators: readonly ParticipationView[];
  readonly chatbotIds: readonly number[];
  readonly onHold: boolean;
  /** Since when the guest is on hold, while on hold. */
  readonly onHoldSince: string | null;
  /** An AV call requested or in progress. */
  readonly avActive: boolean;
  /** Since when, while `avActive`. */
  readonly avSince: string | null;
  readonly forwards: readonly ForwardView[];
  readonly terminationReason: string | null;
  readonly pendingForms: readonly PendingForm[];
  /** Time of the session's earliest event (SessionCreated itself carries no time). */
  readonly createdAt: string | null;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly closedAt: string | null;
  /** Time of its latest event. */
  readonly lastEventAt: string | null;
  readonly eventCount: number;
  readonly durations: SessionDurations;
}

export interface OperatorView {
  readonly userId: number;
  /** As last delivered (OFFLINE, ONLINE, AWAY, BUSY, or a newer value); `null` if never reported. */
  readonly status: string | null;
  /**
   * Since when the status is what it is: the receive time of the first delivery of the current
   * status (UserStatusChanged carries no time of its own). `null` if never reported.
   */
  readonly statusSince: string | null;
  readonly availability: string | null;
  readonly availabilityReason: string | null;
  /** Sessions where the operator is joined now. */
  readonly activeSessionIds: readonly number[];
  /** Sessions where the operator is in after-call work now. */
  readonly afterCallWorkSessionIds: readonly number[];
  readonly assignedEmailThreadIds: readonly number[];
  /** The sessions the operator works on now (joined or in after-call work), each since when (event time). */
  readonly sessions: readonly OperatorSessionWork[];
}

export interface OperatorSessionWork {
  readonly sessionId: number;
  readonly status: 'joined' | 'after-call-work';
  readonly since: string | null;
}

export interface EmailThreadView {
  readonly id: number;
  readonly tenantId: number | null;
  readonly status: EmailThreadStatus;
  readonly operatorUserId: number | null;
  readonly createdAt: string | null;
  readonly forwardCount: number;
  readonly eventCount: number;
}
