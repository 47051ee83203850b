/** Prometheus text exposition of the receiver's counters and the tracker's gauges. */
import type { TrackerStats } from '../../tracker/createTracker.js';

/** Ingest latency buckets (seconds): durable appends take from microseconds (memory) to ms (fsync). */
const BUCKETS = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1];

const label = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export interface MetricsOptions {
  /** Event types of the catalogue: each gets its own series. */
  readonly knownEventTypes: readonly string[];
  /**
   * Other event types (unknown ones, or names in rejected bodies) with their own series; past
   * this many, they share `event_type="(other)"`, so a sender cannot grow the metrics without bound.
   */
  readonly maxUnknownEventTypes: number;
}

export function createMetrics(options: MetricsOptions) {
  const known = new Set(options.knownEventTypes);
  const others = new Set<string>();
  const labelOf = (eventType: string): string => {
    if (known.has(eventType) || others.has(eventType)) return eventType;
    if (others.size >= options.maxUnknownEventTypes || eventType.length > 100) return '(other)';
    others.add(eventType);
    return eventType;
  };
  const ingested = new Map<string, number>();
  let storeFailures = 0;
  const counts = new Array<number>(BUCKETS.length).fill(0);
  let sum = 0;
  let total = 0;
  return {
    observeIngest(eventType: string, outcome: string, seconds: number) {
      const key = `event_type="${label(labelOf(eventType))}",outcome="${outcome}"`;
      ingested.set(key, (ingested.get(key) ?? 0) + 1);
      BUCKETS.forEach((bound, i) => { if (seconds <= bound) counts[i]!++; });
      sum += seconds;
      total++;
    },
    /** A delivery the store could not take (answered 503). */
    observeStoreFailure() {
      storeFailures++;
    },
    render(stats: TrackerStats, stream: { readonly eventStreamClients: number; readonly eventStreamClientsDropped: number }): string {
      const lines = [
        '# HELP mluvii_state_store_failures_total Webhook deliveries answered 503 because the store could not take them.',
        '# TYPE mluvii_state_store_failures_total counter',
        `mluvii_state_store_failures_total ${storeFailures}`,
        '# HELP mluvii_state_event_stream_clients Clients of /events now.',
        '# TYPE mluvii_state_event_stream_clients gauge',
        `mluvii_state_event_stream_clients ${stream.eventStreamClients}`,
        '# HELP mluvii_state_event_stream_clients_dropped_total Clients of /events dropped for not reading.',
        '# TYPE mluvii_state_event_stream_clients_dropped_total counter',
        `mluvii_state_event_stream_clients_dropped_total ${stream.eventStreamClientsDropped}`,
        '# HELP mluvii_state_events_ingested_total Webhook deliveries by event type and outcome.',
        '# TYPE mluvii_state_events_ingested_total counter',
        ...[...ingested].map(([k, v]) => `mluvii_state_events_ingested_total{${k}} ${v}`),
        '# HELP mluvii_state_anomalies Anomalies by kind.',
        '# TYPE mluvii_state_anomalies gauge',
        ...Object.entries(stats.anomaliesByKind).map(([kind, n]) => `mluvii_state_anomalies{kind="${kind}"} ${n}`),
        '# HELP mluvii_state_sessions Sessions by status.',
        '# TYPE mluvii_state_sessions gauge',
        ...Object.entries(stats.sessionsByStatus).map(([status, n]) => `mluvii_state_sessions{status="${status}"} ${n}`),
        '# HELP mluvii_state_ingest_seconds Time from body read to durable and folded.',
        '# TYPE mluvii_state_ingest_seconds histogram',
        ...BUCKETS.map((bound, i) => `mluvii_state_ingest_seconds_bucket{le="${bound}"} ${counts[i]}`),
        `mluvii_state_ingest_seconds_bucket{le="+Inf"} ${total}`,
        `mluvii_state_ingest_seconds_sum ${sum}`,
        `mluvii_state_ingest_seconds_count ${total}`,
      ];
      return `${lines.join('\n')}\n`;
    },
  };
}
