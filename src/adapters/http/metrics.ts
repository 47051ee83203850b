/** Prometheus text exposition of the receiver's counters and the tracker's gauges. */
import type { TrackerStats } from '../../tracker/createTracker.js';

/** Ingest latency buckets (seconds): durable appends take from microseconds (memory) to ms (fsync). */
const BUCKETS = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1];

const label = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function createMetrics() {
  const ingested = new Map<string, number>();
  const counts = new Array<number>(BUCKETS.length).fill(0);
  let sum = 0;
  let total = 0;
  return {
    observeIngest(eventType: string, outcome: string, seconds: number) {
      const key = `event_type="${label(eventType)}",outcome="${outcome}"`;
      ingested.set(key, (ingested.get(key) ?? 0) + 1);
      BUCKETS.forEach((bound, i) => { if (seconds <= bound) counts[i]!++; });
      sum += seconds;
      total++;
    },
    render(stats: TrackerStats): string {
      const lines = [
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
