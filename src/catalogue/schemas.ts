/**
 * Runtime schemas (TypeBox) of every payload family, following the vendor's JSON examples rather
 * than its parameter tables (see domain-notes.md). Objects accept extra properties: the vendor
 * grows payloads, and unknown fields are kept, not rejected.
 */
import { Type, type Static, type TSchema, type TString } from '@sinclair/typebox';
import {
  AV_RESPONSES, AVAILABILITY_STATUSES, CHANNELS, CLIENTS, HERO_CARD_RESULTS, MEDIA_RESULTS,
  OPERATOR_STATUSES, SOURCES, TERMINATION_REASONS, type Open,
} from './enums.js';

/** A string schema whose static type is the known values plus any string (see enums.ts). */
type TOpenEnum<T extends string> = TString & { static: Open<T> };
function openEnum<const T extends readonly string[]>(knownValues: T): TOpenEnum<T[number]> {
  return Type.String({ knownValues }) as TOpenEnum<T[number]>;
}
const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
/** Present-or-absent and nullable: how the vendor treats most optional fields. */
const maybe = <T extends TSchema>(schema: T) => Type.Optional(nullable(schema));

/**
 * An id: a positive integer that a JavaScript number holds exactly. Beyond 2^53 two ids can read
 * as one number (9007199254740993 parses to ...992), which would merge two sessions; such ids,
 * zero, negatives and `1e21` are rejected, not rounded.
 */
const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
/** Checked as a string here; parseTimestamp validates the form (see timestamp.ts). */
const DateTime = Type.String();
/** Free-form JSON the vendor gives no stable shape for (hero cards, call scripts, previews). */
const AnyJson = Type.Unknown();

const sessionBase = {
  id: Id,
  tenantId: Id,
  channel: openEnum(CHANNELS),
  source: openEnum(SOURCES),
};

export const SessionCreatedData = Type.Object(sessionBase);
export const SessionStartedData = Type.Object({ ...sessionBase, started: DateTime });
/** SessionOperatorJoined, SessionOperatorLeft, SessionOperatorConcluded. */
export const SessionOperatorData = Type.Object({ ...sessionBase, userId: Id, time: DateTime });
/** `userId` here is the TARGET of the forward (unlike in SessionActivitySessionForwarded). */
export const SessionForwardedData = Type.Object({
  ...sessionBase,
  time: DateTime,
  userId: maybe(Id),
  operatorGroupId: maybe(Id),
  chatbotId: maybe(Id),
});
export const SessionEndedData = Type.Object({ ...sessionBase, started: nullable(DateTime), ended: DateTime });
/** SessionCallParamsUpdated, SessionRecordingPostProcessingCompleted: refresh signals, no time. */
export const SessionRefreshData = Type.Object({ id: Id, tenantId: Id });

/**
 * The 27-key generic activity payload. Only the keys the library relies on are required; the
 * others are type-checked when present. `eventType` is `SessionActivity` + `type`.
 */
export const GenericActivityData = Type.Object({
  sessionId: Id,
  activityId: Id,
  time: DateTime,
  type: Type.String(),
  heroCard: Type.Optional(AnyJson),
  heroCardParams: Type.Optional(AnyJson),
  callScript: Type.Optional(AnyJson),
  client: maybe(openEnum(CLIENTS)),
  text: maybe(Type.String()),
  previewUrl: Type.Optional(AnyJson),
  file: Type.Optional(AnyJson),
  associatedSharedFileUrl: maybe(Type.String()),
  toOperatorUserId: maybe(Id),
  toOperatorFullName: maybe(Type.String()),
  toGroupId: maybe(Id),
  toGroupName: maybe(Type.String()),
  toPhoneNumber: maybe(Type.String()),
  note: maybe(Type.String()),
  chatbotMessageContent: Type.Optional(AnyJson),
  submissionIdentification: Type.Optional(AnyJson),
  /** The acting operator (the SOURCE for SessionForwarded, the inviter for OperatorInvited). */
  userId: maybe(Id),
  chatbotId: maybe(Id),
  chatbotHeroCardSubmissionKey: Type.Optional(AnyJson),
  chatbotHeroCardSubmissionValue: Type.Optional(AnyJson),
  formFieldSetUUID: maybe(Type.String()),
  terminationReason: maybe(openEnum(TERMINATION_REASONS)),
});

/** The keys of the generic activity payload, in the vendor's order. */
export const GENERIC_ACTIVITY_KEYS = Object.keys(GenericActivityData.properties);

/** AvRequest, AvTerminated. The page's tables say `userId`; the payload says `operatorId`. */
export const AvData = Type.Object({ sessionId: Id, operatorId: Id, time: DateTime });
export const AvResponseData = Type.Object({
  sessionId: Id, operatorId: Id, time: DateTime, response: openEnum(AV_RESPONSES),
});
export const AvMediaResultData = Type.Object({
  sessionId: Id, operatorId: Id, time: DateTime,
  result: openEnum(MEDIA_RESULTS),
  isStreamAvailable: Type.Optional(Type.Boolean()),
});
export const HeroCardSubmissionData = Type.Object({
  sessionId: Id,
  result: openEnum(HERO_CARD_RESULTS),
  originalFormID: Id,
  submittedByClient: Type.Boolean(),
  /** Form keys to entered values; keys are free (any form field key, any language). */
  params: maybe(Type.Record(Type.String(), Type.Unknown())),
  time: DateTime,
});

export const EmailThreadCreatedData = Type.Object({ id: Id, tenantId: Id, created: DateTime });
/** EmailThreadOperatorJoined, EmailThreadOperatorLeft. */
export const EmailThreadOperatorData = Type.Object({ id: Id, tenantId: Id, userId: Id, time: DateTime });
/** By analogy with SessionForwarded, `userId` / `operatorGroupId` name the forward's TARGET. */
export const EmailThreadForwardedData = Type.Object({
  id: Id, tenantId: Id, time: DateTime, userId: maybe(Id), operatorGroupId: maybe(Id),
});
export const EmailThreadParamsUpdatedData = Type.Object({ id: Id, tenantId: Id });

export const UserStatusChangedData = Type.Object({
  userId: Id,
  status: openEnum(OPERATOR_STATUSES),
  availabilityStatus: maybe(openEnum(AVAILABILITY_STATUSES)),
  availabilityStatusReason: maybe(Type.String()),
});
/** `id` is a contact-directory entry, not a session. */
export const GuestIdentityUpdatedData = Type.Object({ id: Id, tenantId: Id });
/** No tenantId: `departmentId` is the tenant. One change arrives as a burst of ~18 deliveries. */
export const ApplicationSettingChangedData = Type.Object({
  name: Type.String(),
  companyId: maybe(Id),
  departmentId: maybe(Id),
  operatorGroupId: maybe(Id),
  userId: maybe(Id),
  routingRuleSetId: maybe(Id),
});

export type SessionCreatedData = Static<typeof SessionCreatedData>;
export type SessionStartedData = Static<typeof SessionStartedData>;
export type SessionOperatorData = Static<typeof SessionOperatorData>;
export type SessionForwardedData = Static<typeof SessionForwardedData>;
export type SessionEndedData = Static<typeof SessionEndedData>;
export type SessionRefreshData = Static<typeof SessionRefreshData>;
export type GenericActivityData = Static<typeof GenericActivityData>;
export type AvData = Static<typeof AvData>;
export type AvResponseData = Static<typeof AvResponseData>;
export type AvMediaResultData = Static<typeof AvMediaResultData>;
export type HeroCardSubmissionData = Static<typeof HeroCardSubmissionData>;
export type EmailThreadCreatedData = Static<typeof EmailThreadCreatedData>;
export type EmailThreadOperatorData = Static<typeof EmailThreadOperatorData>;
export type EmailThreadForwardedData = Static<typeof EmailThreadForwardedData>;
export type EmailThreadParamsUpdatedData = Static<typeof EmailThreadParamsUpdatedData>;
export type UserStatusChangedData = Static<typeof UserStatusChangedData>;
export type GuestIdentityUpdatedData = Static<typeof GuestIdentityUpdatedData>;
export type ApplicationSettingChangedData = Static<typeof ApplicationSettingChangedData>;
