/**
 * The fold of a session stream: the session machine's compiled state, one compiled participation
 * state per operator (participations.ts), and the bookkeeping the views need (times, chatbots,
 * forwards).
 */
import type { KnownEvent, NormalizedEvent, Party, PendingForm, SessionStatus } from '../types.js';
import { parseTimestampUs } from '../catalogue/timestamp.js';
import { appended, EMPTY_LIST } from './appended.js';
import { AnomalyCollector, type Folder, type ProcessAnomaly } from './folder.js';
import { applyMachineEvent, machineEventsOf, NO_MACHINE_EVENT, rejects } from './machineStep.js';
import { sessionTable } from './tables.js';
import { applyParticipation, endParticipations, type ParticipationState, type Participations } from './participations.js';
import { sameForwards, withForward, type ForwardState } from './forwards.js';
import type { SessionMachineEvent } from '../../machines/session.js';


export interface SessionState extends Participations {
  machine: number;
  tenantId: number | null;
  channel: string | null;
  source: string | null;
  startedAt: number | null;
  endedAt: number | null;
  closedAt: number | null;
  /** Latest event time folded so far. */
  lastTime: number | null;
  /** Derived status and since when (event time), for `stalled`. */
  status: SessionStatus;
  statusSince: number | null;
  holdSince: number | null;
  /** While AV is requested or active: since when. */
  avSince: number | null;
  /** While queued and held by the queue (not a chatbot): since when the guest waits. */
  waitingSince: number | null;
  /** While queued and held by a chatbot: since when. */
  chatbotSince: number | null;
  /** Time spent on hold and held by a chatbot, in µs, over the spells that ended (for durations). */
  holdUs: number;
  chatbotUs: number;
  /** The group the session was last forwarded to, while it waits. */
  queueGroupId: number | null;
  /** SessionStarted.started, to compare with SessionEnded.started. */
  reportedStart: number | null;
  /** Replaced (`appended`), never changed in place: a new session shares `EMPTY_LIST`. */
  chatbotIds: readonly number[];
  forwards: readonly ForwardState[];
  terminationReason: string | null;
}

// Per compiled session state: the facts the views need, read once from the machine's state value.
type Lifecycle = 'unseen' | 'created' | 'started' | 'endReported' | 'ended';
interface SessionStateFacts {
  lifecycle: Lifecycle;
  /** The session has ended (by its lifecycle event or as an activity reported). */
  ended: boolean;
  onHold: boolean;
  avActive: boolean;
  /** Who holds the session while it waits for an operator. */
  heldBy: 'queue' | 'chatbot';
  pendingForms: PendingForm[];
  /** Event types the state waits for: an open missing-transition while it lasts. */
  awaits: readonly string[];
}
const SESSION_FACTS: SessionStateFacts[] = sessionTable.stateValues.map((value, index) => {
  const v = value as Record<string, string>;
  const pendingForms: PendingForm[] = [];
  if (v.heroCard === 'pending') pendingForms.push('hero-card');
  if (v.callScript === 'pending') pendingForms.push('call-script');
  return {
    lifecycle: v.lifecycle as Lifecycle, ended: v.lifecycle === 'ended' || v.lifecycle === 'endReported',
    onHold: v.hold === 'on', avActive: v.av === 'requested' || v.av === 'active',
    heldBy: v.queue === 'chatbot' ? 'chatbot' : 'queue', pendingForms, awaits: sessionTable.awaits[index]!,
  };
});
export const sessionFacts = (state: SessionState): SessionStateFacts => SESSION_FACTS[state.machine]!;

const S = sessionTable.eventIndex as Record<SessionMachineEvent['type'], number>;

/** Which session-machine event each webhook event type is, when it is one. */
const SESSION_EVENT_OF = machineEventsOf({
  SessionCreated: S['session.created'],
  SessionStarted: S['session.started'],
  SessionEnded: S['session.ended'],
  SessionOperatorJoined: S['operator.joined'],
  SessionOperatorLeft: S['operator.left'],
  SessionActivityOnHold: S.hold,
  SessionActivityResumeGuest: S.resume,
  SessionActivityAvRequest: S['av.request'],
  SessionActivityAvTerminated: S['av.terminate'],
  SessionActivityHeroCard: S['heroCard.shown'],
  SessionActivityHeroCardSubmission: S['heroCard.submitted'],
  SessionActivityCallScript: S['callScript.shown'],
  SessionActivityCallScriptSubmission: S['callScript.submitted'],
  SessionActivitySessionEnded: S['session.endReported'],
  SessionActivityLastFarewellMessage: S['session.endReported'],
});

function deriveStatus(state: SessionState): SessionStatus {
  const { lifecycle, ended } = SESSION_FACTS[state.machine]!;
  if (lifecycle === 'unseen' || lifecycle === 'created') return 'created';
  const joined = state.joinedCount > 0;
  if (!ended) return joined ? 'active' : 'queued';
  return joined ? 'ended' : state.afterCallWorkCount > 0 ? 'after-call-work' : 'closed';
}

/**
 * A session known only from refresh signals (SessionCallParamsUpdated and the like, for a session
 * whose other events never arrived): not counted or listed as a session.
 */
export const isSignalOnly = (state: SessionState): boolean => SESSION_FACTS[state.machine]!.lifecycle === 'unseen' && state.lastTime === null;

/** A session that closed without any operator ever joining. */
export function isAbandoned(state: SessionState): boolean {
  if (state.status !== 'closed') return false;
  for (const p of state.participations) if (p.stints.some((stint) => stint.joinedAt !== null)) return false;
  return true;
}

const collector = new AnomalyCollector();

/** A session fact every session event restates: the first report sets it, a different one is an anomaly. */
function checkFact<F extends 'tenantId' | 'channel' | 'source'>(state: SessionState, field: F, value: SessionState[F] | undefined): void {
  if (value === undefined || value === null) return;
  const known = state[field];
  if (known === null) state[field] = value;
  else if (known !== value) {
    collector.add({ kind: 'inconsistent-data', message: `${field} changed from ${JSON.stringify(known)} to ${JSON.stringify(value)}` });
  }
}

function checkConsistency(state: SessionState, data: Readonly<Record<string, unknown>>): void {
  // Read by name, not in a loop over field names: a keyed load per field would be megamorphic.
  checkFact(state, 'tenantId', data.tenantId as number | null | undefined);
  checkFact(state, 'channel', data.channel as string | null | undefined);
  checkFact(state, 'source', data.source as string | null | undefined);
}

/**
 * What an event says of who holds a waiting session: a chatbot acting or being forwarded to, or a
 * forward to an operator, a group or a phone (the queue). The activity's group target is left
 * out: a forward to a chatbot reuses `toGroupId` there, so it cannot be told apart.
 */
function queueEventOf(event: KnownEvent): number {
  if (event.actor?.kind === 'chatbot') return S['chatbot.acted'];
  const target = event.target;
  if (event.eventType === 'SessionForwarded') {
    if (target?.kind === 'chatbot') return S['chatbot.acted'];
    return target === null ? NO_MACHINE_EVENT : S['forwarded.toQueue'];
  }
  if (event.eventType === 'SessionActivitySessionForwarded' && (target?.kind === 'operator' || target?.kind === 'phone')) return S['forwarded.toQueue'];
  return NO_MACHINE_EVENT;
}

function addChatbot(state: SessionState, party: Party | null): void {
  if (party?.kind === 'chatbot' && !state.chatbotIds.includes(party.chatbotId)) state.chatbotIds = appended(state.chatbotIds, party.chatbotId);
}

function evolveSession(state: SessionState, event: NormalizedEvent): ProcessAnomaly[] | null {
  if (!event.known) return null;
  collector.reset();
  const time = event.time;
  // Counted whatever the machines say of the event (the view's lastEventAt).
  if (time !== null && (state.lastTime === null || time > state.lastTime)) state.lastTime = time;
  const data = event.data as Readonly<Record<string, unknown>>;
  let machineEvent = SESSION_EVENT_OF[event.typeCode]!;
  if (event.eventType === 'SessionActivityAvResponse') {
    const response = data.response;
    machineEvent = response === 'Accepted' ? S['av.accepted'] : response === 'Requested' ? NO_MACHINE_EVENT : S['av.rejected'];
  }
  if (machineEvent !== NO_MACHINE_EVENT && rejects(sessionTable, state.machine, machineEvent)) {
    // The session machine rejects it (a join after the end, a second SessionStarted): flagged,
    // and nothing else changes, not the participations either.
    state.machine = applyMachineEvent(sessionTable, state.machine, machineEvent, collector);
    return collector.result();
  }
  if (event.family === 'session') checkConsistency(state, data);
  const wasEnded = SESSION_FACTS[state.machine]!.ended;
  if (machineEvent !== NO_MACHINE_EVENT) state.machine = applyMachineEvent(sessionTable, state.machine, machineEvent, collector);
  applyParticipation(state, event, time, collector);
  if (!wasEnded && SESSION_FACTS[state.machine]!.ended) endParticipations(state, time ?? state.lastTime, collector);
  const queueEvent = queueEventOf(event);
  if (queueEvent !== NO_MACHINE_EVENT) state.machine = applyMachineEvent(sessionTable, state.machine, queueEvent, collector);
  addChatbot(state, event.actor);

  switch (event.eventType) {
    case 'SessionStarted':
      state.startedAt = time;
      state.reportedStart = time;
      break;
    case 'SessionEnded': {
      state.endedAt = time;
      const started = typeof data.started === 'string' ? parseTimestampUs(data.started) : null;
      if (started !== null && state.reportedStart !== null && started !== state.reportedStart) {
        collector.add({ kind: 'inconsistent-data', message: `SessionEnded.started ${data.started} differs from SessionStarted.started` });
      }
      break;
    }
    case 'SessionActivitySessionForwarded':
      state.forwards = withForward(state.forwards, event);
      break;
    case 'SessionForwarded':
      state.forwards = withForward(state.forwards, event);
      addChatbot(state, event.target);
      if (event.target?.kind === 'group') state.queueGroupId = event.target.groupId;
      break;
    case 'SessionActivitySessionEnded':
      state.terminationReason = (data.terminationReason as string | null | undefined) ?? state.terminationReason;
      break;
    default:
      break;
  }

  const at = time ?? state.lastTime;
  const status = deriveStatus(state);
  if (status !== state.status) {
    state.status = status;
    state.statusSince = at;
    state.closedAt = status === 'closed' ? at : null;
  }
  const facts = SESSION_FACTS[state.machine]!;
  if (facts.onHold !== (state.holdSince !== null)) {
    if (!facts.onHold) state.holdUs += (at ?? state.holdSince!) - state.holdSince!;
    state.holdSince = facts.onHold ? at ?? 0 : null;
  }
  if (facts.avActive !== (state.avSince !== null)) state.avSince = facts.avActive ? at ?? 0 : null;
  const waiting = status === 'queued' && facts.heldBy === 'queue';
  if (waiting !== (state.waitingSince !== null)) state.waitingSince = waiting ? at ?? 0 : null;
  const withChatbot = status === 'queued' && facts.heldBy === 'chatbot';
  if (withChatbot !== (state.chatbotSince !== null)) {
    if (!withChatbot) state.chatbotUs += (at ?? state.chatbotSince!) - state.chatbotSince!;
    state.chatbotSince = withChatbot ? at ?? 0 : null;
  }
  if (status !== 'queued') state.queueGroupId = null;
  return collector.result();
}


export const sessionFolder: Folder<SessionState> = {
  initialState: () => ({
    machine: 0, tenantId: null, channel: null, source: null,
    startedAt: null, endedAt: null, closedAt: null, lastTime: null,
    status: 'created', statusSince: null, holdSince: null, avSince: null, waitingSince: null, queueGroupId: null, reportedStart: null,
    chatbotSince: null, holdUs: 0, chatbotUs: 0,
    participations: EMPTY_LIST, joinedCount: 0, afterCallWorkCount: 0, chatbotIds: EMPTY_LIST, forwards: EMPTY_LIST, terminationReason: null,
  }),
  evolve: evolveSession,
  awaits: (s) => SESSION_FACTS[s.machine]!.awaits,
  clone: (s) => ({ ...s, participations: s.participations.map((p) => ({ ...p })) }),
  equals(a, b) {
    if (a.machine !== b.machine || a.tenantId !== b.tenantId || a.channel !== b.channel || a.source !== b.source) return false;
    if (a.startedAt !== b.startedAt || a.endedAt !== b.endedAt || a.closedAt !== b.closedAt || a.lastTime !== b.lastTime) return false;
    if (a.status !== b.status || a.statusSince !== b.statusSince || a.holdSince !== b.holdSince || a.reportedStart !== b.reportedStart) return false;
    if (a.avSince !== b.avSince || a.waitingSince !== b.waitingSince || a.queueGroupId !== b.queueGroupId) return false;
    if (a.chatbotSince !== b.chatbotSince || a.holdUs !== b.holdUs || a.chatbotUs !== b.chatbotUs) return false;
    if (a.terminationReason !== b.terminationReason || a.participations.length !== b.participations.length) return false;
    const sameParticipation = (p: ParticipationState, i: number) => {
      const q = b.participations[i]!;
      return p.userId === q.userId && p.machine === q.machine && p.since === q.since && p.invitedAt === q.invitedAt
        && p.stints.length === q.stints.length && p.stints.every((stint, j) => {
          const other = q.stints[j]!;
          return stint.joinedAt === other.joinedAt && stint.leftAt === other.leftAt && stint.concludedAt === other.concludedAt;
        });
    };
    if (!a.participations.every(sameParticipation)) return false;
    if (a.chatbotIds.length !== b.chatbotIds.length || a.chatbotIds.some((id, i) => id !== b.chatbotIds[i])) return false;
    return sameForwards(a.forwards, b.forwards);
  },
};
