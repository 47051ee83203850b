/**
 * The supervisor's questions: `kpis()` over a window (sessions in memory and archived, so a
 * window reaches back past retirement) with per-operator figures, and `now()`, what is happening
 * at the clock's instant. Built on the views' durations and since-fields (event times), never on
 * when deliveries arrived, except operators' presence, which mluvii reports without a time.
 */
import type { HistoryStore } from '../store/eventStore.js';
import { isSignalOnly, type SessionState } from '../fold/sessionFold.js';
import type { StreamFold } from '../fold/streamFold.js';
import { getSessionDurations } from '../views/durations.js';
import { getKpisOfOffered, kpiSessionOf, selectOffered, workOfOperators, type KpiOptions, type Kpis, type KpiSession } from '../views/kpis.js';
import { isSessionComplete, iso } from '../views/views.js';
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
  /**
   * The KPI records of sessions, by stream, with the stream's length when made: a dashboard asks
   * for today's KPIs after every burst of webhooks, and most sessions have not changed since. A
   * record depends on the stream's events alone, so it holds until one is added. Weak: a retired
   * stream takes its record with it.
   */
  const records = new WeakMap<object, { length: number; session: KpiSession }>();
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

  function operatorKpis(offered: readonly KpiSession[], from: number, to: number): OperatorKpis[] {
    const byOperator = new Map<number, { handled: number; handleMs: number }>();
    for (const session of offered) {
      for (const { userId, handleMs } of session.work) {
        const figures = byOperator.get(userId) ?? { handled: 0, handleMs: 0 };
        figures.handled++;
        figures.handleMs += handleMs;
        byOperator.set(userId, figures);
      }
    }
    return [...byOperator].sort(([a], [b]) => a - b).map(([userId, { handled, handleMs }]) => {
      const available = availableMs(userId, from, to);
      return { userId, handled, handleMs, availableMs: available, occupancy: available === 0 ? null : handleMs / available };
    });
  }

  /**
   * The KPI records of the sessions in memory offered in [from, to), read from their folded
   * states: building every view of a day took most of a `kpis()` call.
   */
  function hotSessions(from: number, to: number): KpiSession[] {
    const found: KpiSession[] = [];
    for (const stream of picture.streams.values()) {
      const known = records.get(stream);
      if (known !== undefined && known.length === stream.length) {
        if (known.session.at >= from && known.session.at < to) found.push(known.session);
        continue;
      }
      if (!stream.id.startsWith('session:')) continue;
      const state = stream.state as SessionState;
      if (isSignalOnly(state)) continue;
      const firstUs = state.startedAt === null ? stream.firstTime() : null;
      const atUs = state.startedAt ?? firstUs;
      if (atUs === null) continue;
      const at = Math.floor(atUs / 1000);
      if (at < from || at >= to) continue;
      // The first event's time is needed only without SessionStarted (it walks the stream).
      const durations = getSessionDurations(state, firstUs, isSessionComplete(state, stream as StreamFold<SessionState>));
      const answered = state.participations.some((p) => p.stints.some((s) => s.joinedAt !== null));
      const session: KpiSession = {
        at, tenantId: state.tenantId, channel: state.channel, source: state.source, answered, abandoned: !answered && state.endedAt !== null,
        durations, work: workOfOperators(state.participations, 1000),
      };
      // A session's record stays right until an event is added to its stream (it reads no clock).
      records.set(stream, { length: stream.length, session });
      found.push(session);
    }
    return found;
  }

  return {
    /** KPIs of the sessions offered in the window (see docs/kpis.md), with per-operator figures. */
    async kpis(options: KpiOptions): Promise<TrackerKpis> {
      const from = toMs(options.from);
      const to = toMs(options.to);
      const sessions = hotSessions(from, to);
      // Sessions retired from memory: their archived final views (a session offered in the
      // window closed after its start).
      const archived = store?.archived === undefined ? [] : await store.archived({ prefix: 'session:', closedFrom: from });
      for (const entry of archived) {
        if (picture.streams.has(entry.stream)) continue; // back in memory: counted from there
        const session = kpiSessionOf(entry.view as SessionView);
        if (session !== null) sessions.push(session);
      }
      const offered = selectOffered(sessions, options);
      const kpis = getKpisOfOffered(offered, options);
      // Operators' presence in the window, brought back if it retired.
      const operatorIds = new Set<number>();
      for (const session of offered) for (const w of session.work) operatorIds.add(w.userId);
      if (history !== null) for (const userId of operatorIds) await history.bringBack(`operator:${userId}`);
      return { ...kpis, operators: operatorKpis(offered, from, to) };
    },

    /** What is happening at the clock's instant: who waits and how long, what operators do. */
    now(): NowPicture {
      const at = clock();
      // From the folded states: building a view of every waiting session cost most of the call.
      const waiting: { sessionId: number; since: string | null; waitingMs: number | null; groupId: number | null }[] = [];
      for (const stream of picture.streams.values()) {
        if (!stream.id.startsWith('session:')) continue;
        const state = stream.state as SessionState;
        if (state.waitingSince === null) continue;
        const since = Math.floor(state.waitingSince / 1000);
        waiting.push({ sessionId: entityIdOf(stream.id), since: iso(state.waitingSince), waitingMs: Math.max(0, at - since), groupId: state.queueGroupId });
      }
      waiting.sort((a, b) => (b.waitingMs ?? -1) - (a.waitingMs ?? -1) || a.sessionId - b.sessionId);
      const operatorsByPresence: Record<string, number> = {};
      const operatorsByWork = { talking: 0, afterCallWork: 0, idle: 0 };
      for (const operator of queries.operatorActivity()) {
        const presence = operator.status ?? 'unknown';
        operatorsByPresence[presence] = (operatorsByPresence[presence] ?? 0) + 1;
        if (operator.talking) operatorsByWork.talking++;
        else if (operator.afterCallWork) operatorsByWork.afterCallWork++;
        else operatorsByWork.idle++;
      }
      return { at: new Date(at).toISOString(), waiting, longestWaitMs: waiting[0]?.waitingMs ?? null, operatorsByPresence, operatorsByWork };
    },
  };
}
