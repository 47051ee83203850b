/**
 * From a validated payload to the one shape the rest of the library consumes: stream, time in µs,
 * who acts, who is targeted, whose participation changes. Forward direction is made explicit
 * here so no later layer has to remember that `userId` means the target in SessionForwarded but
 * the source in SessionActivitySessionForwarded.
 */
import { EVENT_CATALOGUE, type EventFamily, type EventType } from './catalogue.js';
import type { Party } from '../types.js';

type Data = Readonly<Record<string, unknown>>;

const num = (value: unknown): number | null => (typeof value === 'number' ? value : null);
// One frozen Party per operator, shared by all their events: it is on every event's path and
// retained with every stored event.
const operators = new Map<number, Party>();
function operator(userId: number): Party {
  let party = operators.get(userId);
  if (party === undefined) operators.set(userId, (party = Object.freeze({ kind: 'operator', userId })));
  return party;
}
const SYSTEM: Party = Object.freeze({ kind: 'system' });
const GUEST: Party = Object.freeze({ kind: 'guest' });

// Stream ids are interned per entity: every stored event holds one, and a fresh string per event
// would cost memory for each and a hash computation at every stream lookup.
const streamIds = new Map<string, Map<number, string>>();
function streamId(prefix: string, id: number): string {
  let byId = streamIds.get(prefix);
  if (byId === undefined) streamIds.set(prefix, (byId = new Map()));
  let stream = byId.get(id);
  if (stream === undefined) byId.set(id, (stream = `${prefix}:${id}`));
  return stream;
}

/** Who, where and whom: the normalized fields that depend on the event's type. */
export interface Roles {
  readonly stream: string;
  readonly entityId: number | null;
  readonly tenantId: number | null;
  readonly actor: Party | null;
  readonly target: Party | null;
  readonly participant: number | null;
}

/** A generic activity's actor from `client`, `userId` and `chatbotId`. */
function activityActor(data: Data): Party {
  if (data.client === 'Guest') return GUEST;
  const userId = num(data.userId);
  if (userId !== null) return operator(userId);
  const chatbotId = num(data.chatbotId);
  if (chatbotId !== null) return { kind: 'chatbot', chatbotId };
  return SYSTEM;
}

/** Target of a forward or invite, from the first of the given fields that is set. */
function forwardTarget(userId: unknown, groupId: unknown, chatbotId: unknown, phone: unknown): Party | null {
  if (typeof userId === 'number') return operator(userId);
  if (typeof chatbotId === 'number') return { kind: 'chatbot', chatbotId };
  // A forward to a chatbot reuses toGroupId in the activity payload: it cannot be told apart.
  if (typeof groupId === 'number') return { kind: 'group', groupId };
  if (typeof phone === 'string' && phone !== '') return { kind: 'phone', phoneNumber: phone };
  return null;
}

function activityRoles(eventType: EventType, data: Data): Pick<Roles, 'actor' | 'target' | 'participant'> {
  switch (eventType) {
    case 'SessionActivityAvRequest':
    case 'SessionActivityAvTerminated':
    case 'SessionActivityAvResponse':
    case 'SessionActivityAvMediaResult':
      return { actor: operator(data.operatorId as number), target: null, participant: null };
    case 'SessionActivityHeroCardSubmission':
      // Submitted by the operator on the guest's behalf: the operator is not named.
      return { actor: data.submittedByClient === true ? GUEST : null, target: null, participant: null };
    case 'SessionActivitySessionForwarded':
      return {
        actor: activityActor(data),
        target: forwardTarget(data.toOperatorUserId, data.toGroupId, null, data.toPhoneNumber),
        participant: null,
      };
    case 'SessionActivityOperatorInvited':
    case 'SessionActivityOperatorInviteCanceled': {
      // userId is the inviter / the canceller; the invitee is toOperatorUserId (often null on cancel).
      const invitee = num(data.toOperatorUserId);
      return { actor: activityActor(data), target: invitee === null ? null : operator(invitee), participant: invitee };
    }
    case 'SessionActivityOperatorInviteRejected':
      // userId is the invitee who declined.
      return { actor: activityActor(data), target: null, participant: num(data.userId) };
    default:
      return { actor: activityActor(data), target: null, participant: null };
  }
}

function settingStream(data: Data): string {
  const departmentId = num(data.departmentId);
  if (departmentId !== null) return `tenant:${departmentId}`;
  const companyId = num(data.companyId);
  return companyId !== null ? `company:${companyId}` : 'tenant:unknown';
}

/** Roles of a known, validated event. */
export function rolesOf(eventType: EventType, data: Data): Roles {
  const family: EventFamily = EVENT_CATALOGUE[eventType].family;
  const tenantId = num(data.tenantId);
  switch (family) {
    case 'session': {
      const id = data.id as number;
      const userId = num(data.userId);
      if (eventType === 'SessionForwarded') {
        const target = forwardTarget(userId, data.operatorGroupId, data.chatbotId, null);
        return { stream: streamId('session', id), entityId: id, tenantId, actor: null, target, participant: userId };
      }
      return {
        stream: streamId('session', id), entityId: id, tenantId,
        actor: userId === null ? null : operator(userId), target: null, participant: userId,
      };
    }
    case 'activity': {
      const id = data.sessionId as number;
      return { stream: streamId('session', id), entityId: id, tenantId, ...activityRoles(eventType, data) };
    }
    case 'email': {
      const id = data.id as number;
      const userId = num(data.userId);
      if (eventType === 'EmailThreadForwarded') {
        const target = forwardTarget(userId, data.operatorGroupId, null, null);
        return { stream: streamId('email', id), entityId: id, tenantId, actor: null, target, participant: userId };
      }
      return {
        stream: streamId('email', id), entityId: id, tenantId,
        actor: userId === null ? null : operator(userId), target: null, participant: userId,
      };
    }
    case 'presence': {
      const userId = data.userId as number;
      return { stream: streamId('operator', userId), entityId: userId, tenantId: null, actor: operator(userId), target: null, participant: userId };
    }
    case 'contact': {
      const id = data.id as number;
      return { stream: `contact:${id}`, entityId: id, tenantId, actor: null, target: null, participant: null };
    }
    case 'setting':
      return {
        stream: settingStream(data), entityId: num(data.departmentId) ?? num(data.companyId),
        tenantId: num(data.departmentId), actor: null, target: null, participant: null,
      };
  }
}

/**
 * Roles of an event type the catalogue does not know. A `SessionActivity…` with a numeric
 * `sessionId` still joins its session's stream (it shows in the timeline, the machines ignore it).
 */
export function unknownRoles(eventType: string, data: Data): Roles {
  const sessionId = num(data.sessionId);
  const inSession = eventType.startsWith('Session') && sessionId !== null;
  return {
    stream: inSession ? streamId('session', sessionId) : `unknown:${eventType}`,
    entityId: inSession ? sessionId : null,
    tenantId: num(data.tenantId),
    actor: null, target: null, participant: null,
  };
}
