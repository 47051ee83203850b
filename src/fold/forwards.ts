/**
 * Forwards of a session. One forward is one fact that mluvii reports by up to two events: the
 * lifecycle SessionForwarded (target in `userId` | `operatorGroupId` | `chatbotId`) and the
 * activity SessionActivitySessionForwarded (source in `userId` | `chatbotId`, target in
 * `toOperatorUserId` | `toGroupId` | `toPhoneNumber`). Either alone suffices; two reports close
 * in time are merged into one forward that keeps the most precise target.
 */
import type { KnownEvent, Party } from '../types.js';
import { appended } from './appended.js';

/** Reports of one forward are this close in time (µs); the activity precedes the lifecycle event by well under a second. */
export const FORWARD_PAIRING_US = 5_000_000;

export type ForwardReport = 'SessionForwarded' | 'SessionActivitySessionForwarded';

export interface ForwardState {
  /** The earliest report's time. */
  readonly at: number | null;
  readonly to: Party | null;
  /** Who forwarded (from the activity), when known. */
  readonly from: Party | null;
  readonly reportedBy: readonly ForwardReport[];
}

/**
 * The target two reports agree on. The lifecycle event's is preferred: the activity reuses
 * `toGroupId` for a chatbot, so its group may be a chatbot the lifecycle event names. The
 * activity alone knows a phone number.
 */
const mergedTarget = (lifecycle: Party | null, activity: Party | null): Party | null => lifecycle ?? activity;

/** `forwards` with the report `event` (a SessionForwarded of either kind) added or merged in. */
export function withForward(forwards: readonly ForwardState[], event: KnownEvent): readonly ForwardState[] {
  const report = event.eventType as ForwardReport;
  const time = event.time;
  const isActivity = report === 'SessionActivitySessionForwarded';
  const from = isActivity ? event.actor : null;
  for (let i = forwards.length - 1; i >= 0; i--) {
    const other = forwards[i]!;
    if (other.reportedBy.includes(report)) continue;
    if (time === null || other.at === null || Math.abs(time - other.at) > FORWARD_PAIRING_US) break;
    const merged: ForwardState = {
      at: Math.min(time, other.at),
      to: isActivity ? mergedTarget(other.to, event.target) : mergedTarget(event.target, other.to),
      from: from ?? other.from,
      reportedBy: [...other.reportedBy, report].sort() as ForwardReport[],
    };
    return [...forwards.slice(0, i), merged, ...forwards.slice(i + 1)];
  }
  return appended(forwards, { at: time, to: event.target, from, reportedBy: [report] });
}

function sameParty(a: Party | null, b: Party | null): boolean {
  return a === b || (a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b));
}

export function sameForwards(a: readonly ForwardState[], b: readonly ForwardState[]): boolean {
  return a.length === b.length && a.every((f, i) => {
    const g = b[i]!;
    return f.at === g.at && sameParty(f.to, g.to) && sameParty(f.from, g.from) && f.reportedBy.join() === g.reportedBy.join();
  });
}
