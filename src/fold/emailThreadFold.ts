/** The fold of an e-mail thread stream. */
import type { NormalizedEvent } from '../types.js';
import { AnomalyCollector, type Folder, type ProcessAnomaly } from './folder.js';
import { applyMachineEvent, machineEventsOf, NO_MACHINE_EVENT, rejects } from './machineStep.js';
import { emailThreadTable } from './tables.js';
import type { EmailThreadMachineEvent } from '../../machines/emailThread.js';

export interface EmailThreadState {
  machine: number;
  tenantId: number | null;
  createdAt: number | null;
  operatorUserId: number | null;
  forwardCount: number;
  lastTime: number | null;
}

const M = emailThreadTable.eventIndex as Record<EmailThreadMachineEvent['type'], number>;
const MACHINE_EVENT_OF = machineEventsOf({
  EmailThreadCreated: M.created,
  EmailThreadOperatorJoined: M.joined,
  EmailThreadOperatorLeft: M.left,
  EmailThreadForwarded: M.forwarded,
});
export const EMAIL_THREAD_STATE_NAMES = emailThreadTable.stateValues.map(String);

const collector = new AnomalyCollector();

export const emailThreadFolder: Folder<EmailThreadState> = {
  initialState: () => ({ machine: 0, tenantId: null, createdAt: null, operatorUserId: null, forwardCount: 0, lastTime: null }),
  evolve(state, event: NormalizedEvent): ProcessAnomaly[] | null {
    if (!event.known) return null;
    collector.reset();
    if (event.time !== null && (state.lastTime === null || event.time > state.lastTime)) state.lastTime = event.time;
    const machineEvent = MACHINE_EVENT_OF[event.typeCode]!;
    if (machineEvent !== NO_MACHINE_EVENT && rejects(emailThreadTable, state.machine, machineEvent)) {
      // Rejected (a second EmailThreadCreated): flagged, and no field of the thread changes.
      state.machine = applyMachineEvent(emailThreadTable, state.machine, machineEvent, collector);
      return collector.result();
    }
    const tenantId = event.tenantId;
    if (tenantId !== null) {
      if (state.tenantId === null) state.tenantId = tenantId;
      else if (state.tenantId !== tenantId) collector.add({ kind: 'inconsistent-data', message: `tenantId changed from ${state.tenantId} to ${tenantId}` });
    }
    if (machineEvent !== NO_MACHINE_EVENT) state.machine = applyMachineEvent(emailThreadTable, state.machine, machineEvent, collector);
    switch (event.eventType) {
      case 'EmailThreadCreated': state.createdAt = event.time; break;
      case 'EmailThreadOperatorJoined': state.operatorUserId = event.participant; break;
      case 'EmailThreadOperatorLeft': state.operatorUserId = null; break;
      case 'EmailThreadForwarded': state.operatorUserId = null; state.forwardCount++; break;
      default: break;
    }
    return collector.result();
  },
  clone: (s) => ({ ...s }),
  equals: (a, b) => a.machine === b.machine && a.tenantId === b.tenantId && a.createdAt === b.createdAt
    && a.operatorUserId === b.operatorUserId && a.forwardCount === b.forwardCount && a.lastTime === b.lastTime,
};
