/**
 * The supervisor's questions: `kpis()` over a window (sessions in memory and archived, so a
 * window reaches back past retirement) with per-operator figures, and `now()`, what is happening
 * at the clock's instant. Built on the views' durations and since-fields (event times), never on
 * when deliveries arrived, except operators' presence, which mluvii reports without a time.
 */
import type { HistoryStore } from '../store/eventStore.js';
import { getKpis, isOffered, type KpiOptions, type Kpis } from '../views/kpis.js';
import type { SessionView } from '../types.js';
import type { History } from './history.js';
import { entityIdOf, type Picture } from './picture.js';
import type { Queries } from './queries.js';

/** One operator's figures over a window. */
export interface OperatorKpis {
  readonly userId: number;
  /** Sessions offered in the window the operator joined. */
  readonly handled: number;
  /** Their talk and after-call work (joined to concluded, or to left while in after-call work), summed, ms. */
  readonly handleMs: number;
  /** Time in the window the operator's presence was not OFFLINE, ms (by receive time). */
  readonly availableMs: number;
  /** handleMs / availableMs, or null when never available. */
  readonly occupancy: number | null;
}

export interface TrackerKpis extends Kpis {
  readonly operators: readonly OperatorKpis[];
}

/** What is happening now. */
export interface NowPicture {
  readonly at: string;
  /** Sessions waiting for an operator now, longest wait first. */
  readonly waiting: readonly { readonly sessionId: number; readonly since: string | null; readonly waitingMs: number | null; readonly groupId: number | null }[];
  readonly longestWaitMs: number | null;
  /** Operators by presence status (`unknown`: never reported). */
  readonly operatorsByPresence: Readonly<Record<string, number>>;
  /** Operators by what they do: joined in a session, in after-call work only, or neither. */
  readonly operatorsByWork: { readonly talking: number; readonly afterCallWork: number; readonly idle: number };
}

const toMs = (value: number | Date | string): number => (typeof value === 'number' ? value : new Date(value).getTime());

export function createKpiQueries(picture: Picture, queries: Queries, history: History | null, store: HistoryStore | null, clock: () => number) {
  /** Time operator `userId` was not OFFLINE within [from, to), by the receive times of their status changes. */
  function availableMs(userId: number, from: number, to: number): number {
    const stream = picture.streams.get(`operator:${userId}`);
    if (stream === undefined) return 0;
    const { log } = picture;
    let total = 0;
    let since: number | null = null;
    const close = (at: number) => {
      if (since !== null) total += Math.max(0, Math.min(at, to) - Math.max(since, from));
    };
    for (const slot of stream.slots) {
      const status = (log.event(slot).data as { status?: unknown }).status;
      const at = log.receivedAt(slot);
      close(at);
      since = status === 'OFFLINE' ? null : at;
    }
    close(Math.min(to, Math.max(clock(), stream.lastReceivedAt)));
    return total;
  }

  function operatorKpis(offered: readonly SessionView[], from: number, to: number): OperatorKpis[] {
    const byOperator = new Map<number, { handled: number; handleSum: number }>();
    for (const view of offered) {
      for (const operator of view.operators) {
        let joined = false;
        let spent = 0;
        for (const stint of operator.stints) {
          if (stint.joinedAt === null) continue;
          joined = true;
          // Talk to their Left (or straight to Concluded), then after-call work to Concluded.
          const end = stint.concludedAt ?? stint.leftAt;
          if (end !== null) spent += Date.parse(end) - Date.parse(stint.joinedAt);
        }
        if (!joined) continue;
        const figures = byOperator.get(operator.userId) ?? { handled: 0, handleSum: 0 };
        figures.handled++;
        figures.handleSum += spent;
        byOperator.set(operator.userId, figures);
      }
    }
    return [...byOperator].sort(([a], [b]) => a - b).map(([userId, { handled, handleSum }]) => {
      const available = availableMs(userId, from, to);
      return { userId, handled, handleMs: handleSum, availableMs: available, occupancy: available === 0 ? null : handleSum / available };
    });
  }

  return {
    /** KPIs of the sessions offered in the window (see docs/kpis.md), with per-operator figures. */
    async kpis(options: KpiOptions): Promise<TrackerKpis> {
      const from = toMs(options.from);
      const to = toMs(options.to);
      const views = queries.sessions();
      const seen = new Set(views.map((view) => view.id));
      // Sessions retired from memory: their archived final views (a session offered in the
      // window closed after its start).
      const archived = store?.archived === undefined ? [] : await store.archived({ prefix: 'session:', closedFrom: from });
      for (const entry of archived) {
        if (!picture.streams.has(entry.stream) && !seen.has(entityIdOf(entry.stream))) views.push(entry.view as SessionView);
      }
      const kpis = getKpis(views, options);
      // Operators' presence in the window, brought back if it retired.
      const offered = views.filter((view) => isOffered(view, from, to, options));
      const operatorIds = new Set(offered.flatMap((view) => view.operators.map((o) => o.userId)));
      if (history !== null) for (const userId of operatorIds) await history.bringBack(`operator:${userId}`);
      return { ...kpis, operators: operatorKpis(offered, from, to) };
    },

    /** What is happening at the clock's instant: who waits and how long, what operators do. */
    now(): NowPicture {
      const at = clock();
      const waiting = queries.sessions({ status: 'queued' })
        .filter((view) => view.queue?.heldBy === 'queue')
        .map((view) => {
          const since = view.queue!.waitingSince;
          return { sessionId: view.id, since, waitingMs: since === null ? null : Math.max(0, at - Date.parse(since)), groupId: view.queue!.groupId };
        })
        .sort((a, b) => (b.waitingMs ?? -1) - (a.waitingMs ?? -1));
      const operatorsByPresence: Record<string, number> = {};
      const operatorsByWork = { talking: 0, afterCallWork: 0, idle: 0 };
      for (const operator of queries.operators()) {
        const presence = operator.status ?? 'unknown';
        operatorsByPresence[presence] = (operatorsByPresence[presence] ?? 0) + 1;
        if (operator.activeSessionIds.length > 0) operatorsByWork.talking++;
        else if (operator.afterCallWorkSessionIds.length > 0) operatorsByWork.afterCallWork++;
        else operatorsByWork.idle++;
      }
      return { at: new Date(at).toISOString(), waiting, longestWaitMs: waiting[0]?.waitingMs ?? null, operatorsByPresence, operatorsByWork };
    },
  };
}
