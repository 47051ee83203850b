/**
 * Builders of webhook bodies shaped exactly like mluvii's (generic activities carry every key of
 * the 26-key payload, mostly null). Times are epoch µs, written with a +02:00 offset and six
 * fraction digits as mluvii writes them.
 */
import type { GenericActivityType } from '../catalogue/catalogue.js';

export interface WebhookBody { readonly eventType: string; readonly data: Record<string, unknown> }

const GENERIC_KEYS = [
  'sessionId', 'activityId', 'time', 'type', 'heroCard', 'heroCardParams', 'callScript', 'client', 'text',
  'previewUrl', 'file', 'associatedSharedFileUrl', 'toOperatorUserId', 'toOperatorFullName', 'toGroupId',
  'toGroupName', 'toPhoneNumber', 'note', 'chatbotMessageContent', 'submissionIdentification', 'userId',
  'chatbotId', 'chatbotHeroCardSubmissionKey', 'chatbotHeroCardSubmissionValue', 'formFieldSetUUID', 'terminationReason',
] as const;

const OFFSET_US = 2 * 3600 * 1_000_000;

/** Epoch µs as mluvii writes it: local +02:00, six fraction digits. */
export function mluviiTime(us: number): string {
  const local = us + OFFSET_US;
  const ms = Math.floor(local / 1000);
  const iso = new Date(ms).toISOString(); // yyyy-mm-ddThh:mm:ss.sssZ
  return `${iso.slice(0, 19)}.${String(local - Math.floor(local / 1_000_000) * 1_000_000).padStart(6, '0')}+02:00`;
}

export interface SessionRef { readonly id: number; readonly tenantId: number; readonly channel: string; readonly source: string }

export const sessionBody = (eventType: string, s: SessionRef, extra: Record<string, unknown> = {}): WebhookBody => ({
  eventType,
  data: { id: s.id, tenantId: s.tenantId, ...(eventType === 'SessionCallParamsUpdated' || eventType === 'SessionRecordingPostProcessingCompleted' ? {} : { channel: s.channel, source: s.source }), ...extra },
});

export function activityBody(type: GenericActivityType, sessionId: number, activityId: number, us: number, fields: Record<string, unknown> = {}): WebhookBody {
  const data: Record<string, unknown> = {};
  for (const key of GENERIC_KEYS) data[key] = null;
  Object.assign(data, { sessionId, activityId, time: mluviiTime(us), type }, fields);
  return { eventType: `SessionActivity${type}`, data };
}
