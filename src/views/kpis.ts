/**
 * Contact-center KPIs over sessions' views: a pure function of the views and the options, so the
 * same sessions give the same figures whatever order their events arrived in. Every formula is in
 * docs/kpis.md, next to the Amazon Connect / Genesys Cloud definition it follows or departs from.
 */
import type { SessionView } from '../types.js';

export type KpiInterval = '15m' | '1h' | '1d';
export const INTERVAL_MS: Record<KpiInterval, number> = { '15m': 900_000, '1h': 3_600_000, '1d': 86_400_000 };

export interface KpiOptions {
  /** Sessions started at or after this instant (epoch ms, Date or ISO). */
  readonly from: number | Date | string;
  /** ... and before this one. */
  readonly to: number | Date | string;
  readonly tenantId?: number;
  readonly channel?: string;
  readonly source?: string;
  /** Answered within this many seconds counts toward the service level (default 20). */
  readonly serviceLevelSeconds?: number;
  /** An abandon within this many seconds is a short abandon (default 5). */
  readonly shortAbandonSeconds?: number;
  /** Also give the figures per bucket of this length (aligned to UTC). */
  readonly interval?: KpiInterval;
}

/** The figures of one window or bucket. Rates are 0..1, or null when nothing to divide by. */
export interface KpiFigures {
  readonly offered: number;
  readonly answered: number;
  readonly abandoned: number;
  readonly shortAbandoned: number;
  /** Neither answered nor abandoned yet. */
  readonly open: number;
  readonly answeredWithinServiceLevel: number;
  readonly abandonmentRate: number | null;
  readonly serviceLevel: number | null;
  readonly averageSpeedOfAnswerMs: number | null;
  readonly averageHandleTimeMs: number | null;
  readonly longestWaitMs: number | null;
  readonly queueMsP50: number | null;
  readonly queueMsP90: number | null;
  /** Sessions whose figures rest on inferred transitions (`durations.complete` false). */
  readonly incomplete: number;
}

export interface KpiBucket extends KpiFigures {
  readonly from: string;
  readonly to: string;
}

export interface Kpis extends KpiFigures {
  readonly from: string;
  readonly to: string;
  readonly serviceLevelSeconds: number;
  readonly shortAbandonSeconds: number;
  /** Per interval, when asked for: they add up to the window. */
  readonly buckets?: readonly KpiBucket[];
}

const toMs = (value: number | Date | string): number => (typeof value === 'number' ? value : new Date(value).getTime());

/** When a session counts as offered: its start, else its first event. */
export const offeredAt = (view: SessionView): number | null => {
  const at = view.startedAt ?? view.createdAt;
  return at === null ? null : Date.parse(at);
};

export const isAnswered = (view: SessionView): boolean => view.operators.some((o) => o.stints.some((s) => s.joinedAt !== null));

/** Nearest-rank percentile of sorted `values`, or null. */
function percentile(sorted: Float64Array, p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

/**
 * What the KPIs need of a session: taken from a view (an archived one) or straight from the
 * folded state, without building the view (kpiQueries.ts), which is most of the cost of a day.
 */
export interface KpiSession {
  /** When it was offered (epoch ms). */
  readonly at: number;
  readonly tenantId: number | null;
  readonly channel: string | null;
  readonly source: string | null;
  readonly answered: boolean;
  readonly abandoned: boolean;
  readonly durations: SessionView['durations'];
  /** Per operator who joined: their talk and after-call work in it (ms). */
  readonly work: readonly { readonly userId: number; readonly handleMs: number }[];
}

/** An operator's talk and after-call work in a session: from their join to their conclusion (or left). */
function workOf(stints: readonly { readonly joinedAt: number | null; readonly leftAt: number | null; readonly concludedAt: number | null }[]): number | null {
  let total: number | null = null;
  for (const stint of stints) {
    if (stint.joinedAt === null) continue;
    const end = stint.concludedAt ?? stint.leftAt;
    total = (total ?? 0) + (end === null ? 0 : end - stint.joinedAt);
  }
  return total;
}

/** Each joined operator's work in a session, from stints timed in `unit` (1000 for µs, 1 for ms). */
export function workOfOperators(operators: Iterable<{ readonly userId: number; readonly stints: readonly { readonly joinedAt: number | null; readonly leftAt: number | null; readonly concludedAt: number | null }[] }>, unit: number): KpiSession['work'] {
  const work: { userId: number; handleMs: number }[] = [];
  for (const o of operators) {
    const spent = workOf(o.stints);
    if (spent !== null) work.push({ userId: o.userId, handleMs: Math.round(spent / unit) });
  }
  return work;
}

const parsed = (time: string | null) => (time === null ? null : Date.parse(time));

/** The KPI record of a view, or null when it has no offer time. */
export function kpiSessionOf(view: SessionView): KpiSession | null {
  const at = offeredAt(view);
  if (at === null) return null;
  const answered = isAnswered(view);
  const work = workOfOperators(view.operators.map((o) => ({
    userId: o.userId, stints: o.stints.map((s) => ({ joinedAt: parsed(s.joinedAt), leftAt: parsed(s.leftAt), concludedAt: parsed(s.concludedAt) })),
  })), 1);
  return { at, tenantId: view.tenantId, channel: view.channel, source: view.source, answered, abandoned: !answered && view.endedAt !== null, durations: view.durations, work };
}

/** The figures of `views` (all offered in the window). */
export function getKpiFigures(views: readonly KpiSession[], serviceLevelSeconds: number, shortAbandonSeconds: number): KpiFigures {
  let answered = 0;
  let abandoned = 0;
  let shortAbandoned = 0;
  let withinServiceLevel = 0;
  let incomplete = 0;
  let speedSum = 0;
  let speedCount = 0;
  let handleSum = 0;
  let handleCount = 0;
  // A typed array sorts natively, without a comparator call per pair (most of a day's cost).
  const waits = new Float64Array(views.length);
  let waitCount = 0;
  for (const view of views) {
    const { queueMs, handleMs, complete } = view.durations;
    if (!complete) incomplete++;
    if (handleMs !== null) {
      handleSum += handleMs;
      handleCount++;
    }
    if (view.answered) {
      answered++;
      if (queueMs !== null) {
        speedSum += queueMs;
        speedCount++;
        waits[waitCount++] = queueMs;
        if (queueMs <= serviceLevelSeconds * 1000) withinServiceLevel++;
      }
    } else if (view.abandoned) {
      abandoned++;
      if (queueMs !== null) {
        waits[waitCount++] = queueMs;
        if (queueMs < shortAbandonSeconds * 1000) shortAbandoned++;
      }
    }
  }
  const sorted = waits.subarray(0, waitCount).sort();
  return {
    offered: views.length, answered, abandoned, shortAbandoned, open: views.length - answered - abandoned,
    answeredWithinServiceLevel: withinServiceLevel,
    abandonmentRate: ratio(abandoned - shortAbandoned, views.length - shortAbandoned),
    serviceLevel: ratio(withinServiceLevel, answered + abandoned - shortAbandoned),
    averageSpeedOfAnswerMs: speedCount === 0 ? null : speedSum / speedCount,
    averageHandleTimeMs: handleCount === 0 ? null : handleSum / handleCount,
    longestWaitMs: waitCount === 0 ? null : sorted[waitCount - 1]!,
    queueMsP50: percentile(sorted, 0.5),
    queueMsP90: percentile(sorted, 0.9),
    incomplete,
  };
}

/** Whether `session` is one `options` asks about (window and filters). */
function isOffered(session: KpiSession, from: number, to: number, options: KpiOptions): boolean {
  return session.at >= from && session.at < to
    && (options.tenantId === undefined || session.tenantId === options.tenantId)
    && (options.channel === undefined || session.channel === options.channel)
    && (options.source === undefined || session.source === options.source);
}

/** The sessions among `sessions` that `options` asks about: offered in its window, matching its filters. */
export function selectOffered(sessions: Iterable<KpiSession>, options: KpiOptions): KpiSession[] {
  const from = toMs(options.from);
  const to = toMs(options.to);
  if (!(to > from)) throw new RangeError('kpis: `to` must be after `from`');
  const offered: KpiSession[] = [];
  for (const session of sessions) if (isOffered(session, from, to, options)) offered.push(session);
  return offered;
}

/** The KPIs of `offered`, the sessions `selectOffered` chose for `options`. */
export function getKpisOfOffered(offered: readonly KpiSession[], options: KpiOptions): Kpis {
  const from = toMs(options.from);
  const to = toMs(options.to);
  const serviceLevelSeconds = options.serviceLevelSeconds ?? 20;
  const shortAbandonSeconds = options.shortAbandonSeconds ?? 5;
  const whole = getKpiFigures(offered, serviceLevelSeconds, shortAbandonSeconds);
  let buckets: KpiBucket[] | undefined;
  if (options.interval !== undefined) {
    const length = INTERVAL_MS[options.interval];
    if (length === undefined) throw new RangeError(`kpis: interval must be 15m, 1h or 1d`);
    if ((to - from) / length > 10_000) throw new RangeError('kpis: more than 10,000 buckets; choose a longer interval');
    const first = Math.floor(from / length) * length;
    const lists: KpiSession[][] = Array.from({ length: Math.ceil((to - first) / length) }, () => []);
    for (const session of offered) lists[Math.floor((session.at - first) / length)]!.push(session);
    buckets = lists.map((list, i) => ({
      from: new Date(Math.max(first + i * length, from)).toISOString(), to: new Date(Math.min(first + (i + 1) * length, to)).toISOString(),
      ...getKpiFigures(list, serviceLevelSeconds, shortAbandonSeconds),
    }));
  }
  return {
    from: new Date(from).toISOString(), to: new Date(to).toISOString(), serviceLevelSeconds, shortAbandonSeconds, ...whole,
    ...(buckets === undefined ? {} : { buckets }),
  };
}
