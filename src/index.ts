/**
 * mluvii-state: mluvii webhooks in, an event-sourced picture of sessions, operators and e-mail
 * threads out.
 *
 * Layers, in the order an event passes them:
 * catalogue (parse, validate, normalize) -> store -> fold (machines) -> views and queries -> adapters.
 */
export { parseWebhook, DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH } from './catalogue/parseWebhook.js';
export { parseTimestamp, parseTimestampUs, formatTimestampUs, type Timestamp } from './catalogue/timestamp.js';
export {
  EVENT_CATALOGUE, EVENT_TYPES, CAUSAL_RANK, GENERIC_ACTIVITY_TYPES, isEventType, type EventSpec, type TimeField,
} from './catalogue/catalogue.js';
export { PARSE_ERROR_CODES } from './catalogue/errors.js';
export * from './catalogue/enums.js';
export type * from './types.js';
