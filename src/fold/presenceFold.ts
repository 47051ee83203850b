/** The fold of an operator's presence stream: the last delivered UserStatusChanged wins. */
import type { NormalizedEvent } from '../types.js';
import { AnomalyCollector, type Folder, type ProcessAnomaly } from './folder.js';
import { applyMachineEvent } from './machineStep.js';
import { presenceTable } from './tables.js';

export interface PresenceState {
  machine: number;
  status: string | null;
  availability: string | null;
  availabilityReason: string | null;
}

const STATUS_CHANGED = presenceTable.eventIndex['status.changed'];
const collector = new AnomalyCollector();

export const presenceFolder: Folder<PresenceState> = {
  initialState: () => ({ machine: 0, status: null, availability: null, availabilityReason: null }),
  evolve(state, event: NormalizedEvent): ProcessAnomaly[] | null {
    if (!event.known || event.eventType !== 'UserStatusChanged') return null;
    collector.reset();
    state.machine = applyMachineEvent(presenceTable, state.machine, STATUS_CHANGED, collector);
    state.status = event.data.status;
    state.availability = event.data.availabilityStatus ?? null;
    state.availabilityReason = event.data.availabilityStatusReason ?? null;
    return collector.result();
  },
  clone: (s) => ({ ...s }),
  equals: (a, b) => a.machine === b.machine && a.status === b.status && a.availability === b.availability && a.availabilityReason === b.availabilityReason,
};
