/**
 * mluvii-state: mluvii webhooks in, an event-sourced picture of sessions, operators and e-mail
 * threads out. This entry exports what users use; the Fastify plugin is `mluvii-state/fastify`
 * (so that only its users need Fastify's types), the lifecycle machines `mluvii-state/machines`.
 *
 * Layers, in the order an event passes them:
 * catalogue (parse, validate, normalize) -> store -> fold (machines) -> views and queries -> adapters.
 */
export { parseWebhook, DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH } from './catalogue/parseWebhook.js';
export { parseTimestamp, parseTimestampUs, formatTimestampUs, type Timestamp } from './catalogue/timestamp.js';
export { getIdentity, sameContent } from './catalogue/identity.js';
export { EVENT_CATALOGUE, EVENT_TYPES, GENERIC_ACTIVITY_TYPES, isEventType, type EventSpec, type TimeField } from './catalogue/catalogue.js';
export { PARSE_ERROR_CODES } from './catalogue/errors.js';
export * from './catalogue/enums.js';
export type * from './types.js';
export {
  createTracker, type Tracker, type TrackerOptions, type IngestOptions, type IngestResult, type IngestOutcome,
  type TrackerNotice, type SessionFilter, type OperatorFilter, type EmailThreadFilter, type AnomalyFilter,
  type TimelineItem, type TrackerStats, type TrackerSnapshot, type PageFilter, type SessionHistoryFilter,
} from './tracker/createTracker.js';
export { DEFAULT_RETAIN_FOR_MS } from './tracker/retirement.js';
export type { TrackerKpis, OperatorKpis, NowPicture } from './tracker/kpiQueries.js';
export type { KpiOptions, Kpis, KpiFigures, KpiBucket, KpiInterval } from './views/kpis.js';
export { createMemoryStore, type MemoryStore } from './store/createMemoryStore.js';
export type {
  EventStore, HistoryStore, StoreRecord, NewStoreRecord, StoredEvent, DeadLetter, Redelivery, ArchivedView, ArchiveQuery,
} from './store/eventStore.js';
export { DEFAULT_STALLED_THRESHOLDS, type StalledThresholds } from './views/stalled.js';
export { readWebhookLines, type WebhookLine, type ReadLinesOptions } from './replay/readWebhookLines.js';
export { replayInto, latestEventMs, type ReplayOptions, type ReplayResult } from './replay/replay.js';
export { createJournalStore, type JournalStore, type JournalOptions, type JournalEntry, type FsyncPolicy } from './store/createJournalStore.js';
export { generateLines, generateStream, type GenerateOptions, type GeneratedLines, type GeneratedStream, type InjectedFault } from './generate/generateStream.js';
export { createPostgresStore, migrations as postgresMigrations, type PostgresStore, type PostgresStoreOptions, type LogCheckpoint } from './store/createPostgresStore.js';
export { StoreUnavailableError, type SharedEventStore, type StoreHealth } from './store/eventStore.js';
export { JournalDamagedError, JournalFormatError, type DamagedSpan } from './store/journalFormat.js';
export { verifyJournal, repairJournal, type JournalReport, type RepairReport } from './store/journalRepair.js';
export { createReceiver, type Receiver, type ReceiverOptions } from './adapters/http/createReceiver.js';
export { toNodeListener, type FetchHandler } from './adapters/http/toNodeListener.js';
export { startServer, type RunningServer, type ServerLimits } from './adapters/http/startServer.js';
