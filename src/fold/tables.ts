/** The compiled tables of the four lifecycle machines, built once when the module loads. */
import {
  EMAIL_THREAD_MACHINE_EVENTS, emailThreadMachine, PARTICIPATION_MACHINE_EVENTS, participationMachine,
  PRESENCE_MACHINE_EVENTS, presenceMachine, SESSION_MACHINE_EVENTS, sessionMachine,
} from '../../machines/index.js';
import { createTransitionTable } from './transitionTable.js';

export const sessionTable = createTransitionTable(sessionMachine, SESSION_MACHINE_EVENTS);
export const participationTable = createTransitionTable(participationMachine, PARTICIPATION_MACHINE_EVENTS);
export const presenceTable = createTransitionTable(presenceMachine, PRESENCE_MACHINE_EVENTS);
export const emailThreadTable = createTransitionTable(emailThreadMachine, EMAIL_THREAD_MACHINE_EVENTS);
