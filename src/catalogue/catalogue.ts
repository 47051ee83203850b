/**
 * The event catalogue: every webhook `eventType` mluvii sends (49 names: the 39 on the vendor's
 * page and 10 undocumented ones), with the payload schema, where its time lives, which entity
 * stream it feeds and its causal rank for ordering events that share a timestamp.
 *
 * A new event type goes here (and in schemas.ts if it has a new payload shape); normalize.ts
 * says who acts and who is targeted; the machines in machines/ decide what it does to state.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import * as S from './schemas.js';

/** Which kind of entity stream an event belongs to. */
export type EventFamily = 'session' | 'activity' | 'email' | 'presence' | 'contact' | 'setting';

/** Where an event carries its own time; `null`: it has none (a refresh signal, placed by arrival). */
export type TimeField = 'time' | 'started' | 'ended' | 'created' | null;

/**
 * Tie-break ranks for events with the same microsecond: the order in which mluvii causes them.
 * (SessionStarted.started == SessionOperatorJoined.time happens in real data.)
 */
export const CAUSAL_RANK = {
  opens: 0,
  starts: 10,
  invites: 20,
  forwards: 25,
  joins: 30,
  activity: 40,
  ends: 50,
  leaves: 60,
  concludes: 70,
  afterWork: 80,
} as const;

/** Static description of one event type. */
export interface EventSpec<Schema extends TSchema = TSchema> {
  readonly family: EventFamily;
  /** Documented on the vendor's page (39) or known only from the vendor's API models (10). */
  readonly documented: boolean;
  readonly schema: Schema;
  readonly timeField: TimeField;
  readonly rank: number;
}

function spec<Schema extends TSchema>(
  family: EventFamily, schema: Schema, timeField: TimeField, rank: number, documented = true,
): EventSpec<Schema> {
  return { family, documented, schema, timeField, rank };
}

const R = CAUSAL_RANK;

/**
 * Generic activities: `eventType` is `SessionActivity` + `data.type`, payload is the 27-key
 * {@link S.GenericActivityData}. The value says whether the vendor documents it and its rank.
 */
const GENERIC_ACTIVITIES = {
  AutoActivity: [true, R.activity],
  CallScript: [true, R.activity],
  // Sent when after-call work ends: legitimately later than the session's end.
  CallScriptSubmission: [true, R.afterWork],
  CobrowsingStarted: [true, R.activity],
  ExternalMessage: [true, R.activity],
  HeroCard: [true, R.activity],
  ChatToMail: [true, R.afterWork],
  LastFarewellMessage: [true, R.ends],
  PreviewUrl: [true, R.activity],
  OnHold: [true, R.activity],
  OperatorInviteCanceled: [true, R.activity],
  OperatorInvited: [true, R.invites],
  OperatorInviteRejected: [true, R.activity],
  ResumeGuest: [true, R.activity],
  SessionEnded: [true, R.ends],
  SessionForwarded: [true, R.forwards],
  SharedFile: [true, R.activity],
  SharedScreen: [true, R.activity],
  WelcomeMessage: [true, R.activity],
  ChatMessage: [false, R.activity],
  ChatbotMessage: [false, R.activity],
  ChatbotHeroCardSubmission: [false, R.activity],
  AutoActivityAsOperator: [false, R.activity],
  CobrowsingStoppedByGuest: [false, R.activity],
  ScreenSharingFailedByGuest: [false, R.activity],
  FileUploadFailed: [false, R.activity],
  OperatorKicked: [false, R.activity],
} as const satisfies Record<string, readonly [boolean, number]>;

/** The `data.type` of a generic activity. */
export type GenericActivityType = keyof typeof GENERIC_ACTIVITIES;
export type GenericActivityEventType = `SessionActivity${GenericActivityType}`;
export const GENERIC_ACTIVITY_TYPES = Object.keys(GENERIC_ACTIVITIES) as GenericActivityType[];

const SPECIFIC_EVENTS = {
  SessionCreated: spec('session', S.SessionCreatedData, null, R.opens),
  SessionStarted: spec('session', S.SessionStartedData, 'started', R.starts),
  SessionOperatorJoined: spec('session', S.SessionOperatorData, 'time', R.joins),
  SessionForwarded: spec('session', S.SessionForwardedData, 'time', R.forwards),
  SessionEnded: spec('session', S.SessionEndedData, 'ended', R.ends),
  SessionOperatorLeft: spec('session', S.SessionOperatorData, 'time', R.leaves),
  SessionOperatorConcluded: spec('session', S.SessionOperatorData, 'time', R.concludes),
  SessionCallParamsUpdated: spec('session', S.SessionRefreshData, null, R.afterWork),
  SessionRecordingPostProcessingCompleted: spec('session', S.SessionRefreshData, null, R.afterWork),

  SessionActivityAvRequest: spec('activity', S.AvData, 'time', R.activity),
  SessionActivityAvTerminated: spec('activity', S.AvData, 'time', R.activity),
  SessionActivityAvResponse: spec('activity', S.AvResponseData, 'time', R.activity, false),
  SessionActivityAvMediaResult: spec('activity', S.AvMediaResultData, 'time', R.activity, false),
  SessionActivityHeroCardSubmission: spec('activity', S.HeroCardSubmissionData, 'time', R.activity),

  EmailThreadCreated: spec('email', S.EmailThreadCreatedData, 'created', R.opens),
  EmailThreadOperatorJoined: spec('email', S.EmailThreadOperatorData, 'time', R.joins),
  EmailThreadOperatorLeft: spec('email', S.EmailThreadOperatorData, 'time', R.leaves),
  EmailThreadForwarded: spec('email', S.EmailThreadForwardedData, 'time', R.forwards),
  EmailThreadParamsUpdated: spec('email', S.EmailThreadParamsUpdatedData, null, R.afterWork),

  UserStatusChanged: spec('presence', S.UserStatusChangedData, null, R.activity),
  GuestIdentityUpdated: spec('contact', S.GuestIdentityUpdatedData, null, R.activity),
  ApplicationSettingChanged: spec('setting', S.ApplicationSettingChangedData, null, R.activity),
} as const;

type GenericActivitySpecs = {
  readonly [K in GenericActivityType as `SessionActivity${K}`]: EventSpec<typeof S.GenericActivityData>;
};

/** Every known event type with its {@link EventSpec}. */
export const EVENT_CATALOGUE: typeof SPECIFIC_EVENTS & GenericActivitySpecs = {
  ...SPECIFIC_EVENTS,
  ...(Object.fromEntries(
    Object.entries(GENERIC_ACTIVITIES).map(([type, [documented, rank]]) => [
      `SessionActivity${type}`,
      spec('activity', S.GenericActivityData, 'time', rank, documented),
    ]),
  ) as GenericActivitySpecs),
};

/** One of the 49 known `eventType` names. */
export type EventType = keyof typeof EVENT_CATALOGUE;
export const EVENT_TYPES = Object.keys(EVENT_CATALOGUE) as EventType[];

const TYPE_CODES = new Map<string, number>(EVENT_TYPES.map((type, i) => [type, i + 1]));
/**
 * An event type's code: 1 + its index in {@link EVENT_TYPES}, 0 for a name the catalogue does
 * not know. Normalized events carry it (`typeCode`), so per-type tables can be arrays.
 */
export const typeCodeOf = (eventType: string): number => TYPE_CODES.get(eventType) ?? 0;

/** The payload (`data`) type of each known event type; generic activities carry their literal `type`. */
export type EventDataMap = {
  [K in EventType]: K extends `SessionActivity${infer T extends GenericActivityType}`
    ? S.GenericActivityData & { type: T }
    : Static<(typeof EVENT_CATALOGUE)[K]['schema']>;
};

/** A validated webhook body: the discriminated union of all 49 known events on `eventType`. */
export type WebhookEvent = { [K in EventType]: { eventType: K; data: EventDataMap[K] } }[EventType];

export function isEventType(name: string): name is EventType {
  return Object.hasOwn(EVENT_CATALOGUE, name);
}

export function isGenericActivity(eventType: EventType): eventType is GenericActivityEventType {
  return EVENT_CATALOGUE[eventType].schema === S.GenericActivityData;
}

/**
 * The values a generic activity's `data.type` may take: its event type without the
 * `SessionActivity` prefix, or with it (the vendor page's own table shows
 * `type: "SessionActivityCobrowsingStarted"`); `null` for the other event types. Any other value
 * contradicts the envelope, and the body cannot be routed safely.
 */
export function activityTypeValues(eventType: EventType): readonly [short: string, prefixed: string] | null {
  return isGenericActivity(eventType) ? [eventType.slice('SessionActivity'.length), eventType] : null;
}
