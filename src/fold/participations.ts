/**
 * The participations of a session: one compiled participation machine per operator the
 * session's events name, each with its stints, and the counts of joined and after-call-work
 * participations the session's status needs after every event.
 */
import type { KnownEvent } from '../types.js';
import { appended, EMPTY_LIST } from './appended.js';
import type { AnomalyCollector } from './folder.js';
import { applyMachineEvent, machineEventsOf, NO_MACHINE_EVENT, rejects } from './machineStep.js';
import { participationTable } from './tables.js';
import type { ParticipationMachineEvent } from '../../machines/participation.js';

/** One time an operator was in the session. Never changed in place: replaced in `stints`. */
export interface Stint {
  readonly joinedAt: number | null;
  readonly leftAt: number | null;
  readonly concludedAt: number | null;
}

export interface ParticipationState {
  readonly userId: number;
  machine: number;
  /** When `machine` last changed (event time). */
  since: number | null;
  invitedAt: number | null;
  /** Every stint, in canonical order; the last is the current one (replaced, never mutated). */
  stints: readonly Stint[];
}

/** What of a session's state the participations are: the session state has these fields. */
export interface Participations {
  /**
   * One per operator the session's events name, in order of appearance. An array searched
   * linearly, not a Map: a session has one to three, and a Map costs about 190 bytes on its own.
   * Replaced (exact size, `appended`) when one is added; a new session shares `EMPTY_LIST`.
   */
  participations: readonly ParticipationState[];
  /** How many participations are `joined` / `afterCallWork`: the status needs them after every event. */
  joinedCount: number;
  afterCallWorkCount: number;
  lastTime: number | null;
}

const P = participationTable.eventIndex as Record<ParticipationMachineEvent['type'], number>;

/** Participation state names, by compiled index. */
export const PARTICIPATION_STATE_NAMES = participationTable.stateValues.map(String);
const JOINED = PARTICIPATION_STATE_NAMES.indexOf('joined');
const NOT_YET = PARTICIPATION_STATE_NAMES.indexOf('none');
const AFTER_CALL_WORK = PARTICIPATION_STATE_NAMES.indexOf('afterCallWork');
const INVITED = PARTICIPATION_STATE_NAMES.indexOf('invited');
/** Which participation-machine event each webhook event type is, for `event.participant`. */
const PARTICIPATION_EVENT_OF = machineEventsOf({
  SessionOperatorJoined: P.joined,
  SessionOperatorLeft: P.left,
  SessionOperatorConcluded: P.concluded,
  SessionActivityOperatorInvited: P.invited,
  SessionActivityOperatorInviteRejected: P.rejected,
  SessionActivityOperatorInviteCanceled: P.canceled,
});
/** Adds `delta` to the count of participations in compiled state `machine`, if it is counted. */
function count(state: Participations, machine: number, delta: number): void {
  if (machine === JOINED) state.joinedCount += delta;
  else if (machine === AFTER_CALL_WORK) state.afterCallWorkCount += delta;
}

/** Whether operator `userId` takes part in the session (a participation its machine accepted). */
export const takesPart = (state: Participations, userId: number): boolean => (findParticipation(state, userId)?.machine ?? NOT_YET) !== NOT_YET;
/** The participation of operator `userId` in the session, if its events named them. */
export function findParticipation(state: Participations, userId: number): ParticipationState | undefined {
  for (const p of state.participations) if (p.userId === userId) return p;
  return undefined;
}

function participationOf(state: Participations, userId: number): ParticipationState {
  let p = findParticipation(state, userId);
  if (p === undefined) {
    p = { userId, machine: 0, since: null, invitedAt: null, stints: EMPTY_LIST };
    state.participations = appended(state.participations, p);
  }
  return p;
}

/** The only pending invite, for a cancel that does not name its invitee (the usual case). */
function soleInvitee(state: Participations): number | null {
  let found: number | null = null;
  for (const p of state.participations) {
    if (p.machine !== INVITED) continue;
    if (found !== null) return null;
    found = p.userId;
  }
  return found;
}

/** Applies the participation event `event` is, if any, to the participation it names. */
export function applyParticipation(state: Participations, event: KnownEvent, time: number | null, collector: AnomalyCollector): void {
  const machineEvent = PARTICIPATION_EVENT_OF[event.typeCode]!;
  if (machineEvent === NO_MACHINE_EVENT) return;
  const userId = event.participant ?? (event.eventType === 'SessionActivityOperatorInviteCanceled' ? soleInvitee(state) : null);
  if (userId === null) return;
  const p = participationOf(state, userId);
  const before = p.machine;
  const rejected = rejects(participationTable, p.machine, machineEvent);
  p.machine = applyMachineEvent(participationTable, p.machine, machineEvent, collector);
  if (rejected) return; // flagged; the participation's times stay as they were
  moved(state, p, before, time ?? state.lastTime);
  switch (event.eventType) {
    case 'SessionActivityOperatorInvited': p.invitedAt = time; break;
    case 'SessionOperatorJoined': p.stints = appended(p.stints, { joinedAt: time, leftAt: null, concludedAt: null }); break;
    case 'SessionOperatorLeft': setStint(p, 'leftAt', time); break;
    case 'SessionOperatorConcluded': setStint(p, 'concludedAt', time); break;
    default: break;
  }
}

/** Sets a time of the current stint (a new one when there is none, or it has ended: a Joined was lost). */
function setStint(p: ParticipationState, field: 'leftAt' | 'concludedAt', time: number | null): void {
  const last = p.stints.at(-1);
  if (last === undefined || last.concludedAt !== null || (field === 'leftAt' && last.leftAt !== null)) {
    p.stints = appended(p.stints, { joinedAt: null, leftAt: null, concludedAt: null, [field]: time });
  } else {
    p.stints = [...p.stints.slice(0, -1), { ...last, [field]: time }];
  }
}

/** Book-keeping after a participation's machine stepped from `before`: counts, and since when. */
function moved(state: Participations, p: ParticipationState, before: number, at: number | null): void {
  if (p.machine === before) return;
  count(state, before, -1);
  count(state, p.machine, 1);
  p.since = at;
}

/** The session ended: every participation hears of it (a pending invitation expires). */
export function endParticipations(state: Participations, at: number | null, collector: AnomalyCollector): void {
  for (const p of state.participations) {
    const before = p.machine;
    p.machine = applyMachineEvent(participationTable, p.machine, P['session.ended'], collector);
    moved(state, p, before, at);
  }
}
