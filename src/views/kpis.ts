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
export const isAbandoned = (view: SessionView): boolean => !isAnswered(view) && view.endedAt !== null;

/** Nearest-rank percentile of sorted `values`, or null. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

const mean = (values: readonly number[]): number | null => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length);
const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

/** The figures of `views` (all offered in the window). */
export function getKpiFigures(views: readonly SessionView[], serviceLevelSeconds: number, shortAbandonSeconds: number): KpiFigures {
  let answered = 0;
  let abandoned = 0;
  let shortAbandoned = 0;
  let withinServiceLevel = 0;
  let incomplete = 0;
  const speeds: number[] = [];
  const handles: number[] = [];
  const waits: number[] = [];
  for (const view of views) {
    const { queueMs, handleMs, complete } = view.durations;
    if (!complete) incomplete++;
    if (handleMs !== null) handles.push(handleMs);
    if (isAnswered(view)) {
      answered++;
      if (queueMs !== null) {
        speeds.push(queueMs);
        waits.push(queueMs);
        if (queueMs <= serviceLevelSeconds * 1000) withinServiceLevel++;
      }
    } else if (isAbandoned(view)) {
      abandoned++;
      if (queueMs !== null) {
        waits.push(queueMs);
        if (queueMs < shortAbandonSeconds * 1000) shortAbandoned++;
      }
    }
  }
  waits.sort((a, b) => a - b);
  return {
    offered: views.length, answered, abandoned, shortAbandoned, open: views.length - answered - abandoned,
    answeredWithinServiceLevel: withinServiceLevel,
    abandonmentRate: ratio(abandoned - shortAbandoned, views.length - shortAbandoned),
    serviceLevel: ratio(withinServiceLevel, answered + abandoned - shortAbandoned),
    averageSpeedOfAnswerMs: mean(speeds),
    averageHandleTimeMs: mean(handles),
    longestWaitMs: waits.length === 0 ? null : waits.at(-1)!,
    queueMsP50: percentile(waits, 0.5),
    queueMsP90: percentile(waits, 0.9),
    incomplete,
  };
}

/** Whether `view` is one `options` asks about (window and filters). */
export function isOffered(view: SessionView, from: number, to: number, options: KpiOptions): boolean {
  const at = offeredAt(view);
  return at !== null && at >= from && at < to
    && (options.tenantId === undefined || view.tenantId === options.tenantId)
    && (options.channel === undefined || view.channel === options.channel)
    && (options.source === undefined || view.source === options.source);
}

/** The KPIs of the sessions among `views` that `options` asks about. */
export function getKpis(views: Iterable<SessionView>, options: KpiOptions): Kpis {
  const from = toMs(options.from);
  const to = toMs(options.to);
  if (!(to > from)) throw new RangeError('kpis: `to` must be after `from`');
  const serviceLevelSeconds = options.serviceLevelSeconds ?? 20;
  const shortAbandonSeconds = options.shortAbandonSeconds ?? 5;
  const offered: SessionView[] = [];
  for (const view of views) if (isOffered(view, from, to, options)) offered.push(view);
  const whole = getKpiFigures(offered, serviceLevelSeconds, shortAbandonSeconds);
  let buckets: KpiBucket[] | undefined;
  if (options.interval !== undefined) {
    const length = INTERVAL_MS[options.interval];
    if (length === undefined) throw new RangeError(`kpis: interval must be 15m, 1h or 1d`);
    if ((to - from) / length > 10_000) throw new RangeError('kpis: more than 10,000 buckets; choose a longer interval');
    const byBucket = new Map<number, SessionView[]>();
    for (const view of offered) {
      const start = Math.floor(offeredAt(view)! / length) * length;
      const list = byBucket.get(start);
      if (list === undefined) byBucket.set(start, [view]);
      else list.push(view);
    }
    buckets = [];
    for (let start = Math.floor(from / length) * length; start < to; start += length) {
      const bucketFrom = Math.max(start, from);
      const bucketTo = Math.min(start + length, to);
      buckets.push({
        from: new Date(bucketFrom).toISOString(), to: new Date(bucketTo).toISOString(),
        ...getKpiFigures(byBucket.get(start) ?? [], serviceLevelSeconds, shortAbandonSeconds),
      });
    }
  }
  return {
    from: new Date(from).toISOString(), to: new Date(to).toISOString(), serviceLevelSeconds, shortAbandonSeconds, ...whole,
    ...(buckets === undefined ? {} : { buckets }),
  };
}
