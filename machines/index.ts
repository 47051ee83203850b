/**
 * The lifecycle machines: the single source of truth for what each entity can go through and
 * which event sequences are anomalous. The tracker never runs them as actors; it compiles them
 * into transition tables (src/fold/transitionTable.ts) and property tests hold the two equal.
 */
export { sessionMachine, SESSION_MACHINE_EVENTS, type SessionMachineEvent } from './session.js';
export { participationMachine, PARTICIPATION_MACHINE_EVENTS, type ParticipationMachineEvent } from './participation.js';
export { presenceMachine, PRESENCE_MACHINE_EVENTS, type PresenceMachineEvent } from './presence.js';
export { emailThreadMachine, EMAIL_THREAD_MACHINE_EVENTS, type EmailThreadMachineEvent } from './emailThread.js';
export type { MissingParams, UnexpectedParams } from './anomalyActions.js';
