/**
 * How durable stores keep a dead letter's body as JSON: text as is, bytes as base64, a parsed
 * value as JSON (or its string form when it is not serializable).
 */
import type { RawBody } from '../types.js';

export type EncodedRawBody = { readonly s: string } | { readonly b64: string } | { readonly j: unknown };

export function encodeRawBody(raw: RawBody): EncodedRawBody {
  if (typeof raw === 'string') return { s: raw };
  if (raw instanceof Uint8Array) return { b64: Buffer.from(raw).toString('base64') };
  try {
    return { j: JSON.parse(JSON.stringify(raw ?? null)) };
  } catch {
    return { s: String(raw) };
  }
}

export function decodeRawBody(raw: EncodedRawBody): RawBody {
  if ('s' in raw) return raw.s;
  if ('b64' in raw) return Buffer.from(raw.b64, 'base64');
  return raw.j;
}
