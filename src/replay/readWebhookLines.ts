/**
 * Reads stored webhook captures: newline-delimited bodies, line order = arrival order. A line may
 * also be an envelope `{"receivedAt": "<ISO>", "body": <webhook body or string>}`. Gzip input is
 * recognised by its magic bytes, whatever the file is called. Blank lines are skipped.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export interface WebhookLine {
  /** 1-based line number in the input. */
  readonly line: number;
  /** The webhook body: the line itself, or an envelope's `body`. */
  readonly body: unknown;
  /** An envelope's `receivedAt`, if any. */
  readonly receivedAt?: string;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** Peeks at the first bytes and gunzips when they are gzip's. */
async function maybeGunzip(input: Readable): Promise<Readable> {
  const iterator = input[Symbol.asyncIterator]();
  const first = await iterator.next();
  const head: Buffer = first.done === true ? Buffer.alloc(0) : Buffer.from(first.value as Buffer);
  const rest = Readable.from((async function* () {
    if (head.length > 0) yield head;
    for (let chunk = await iterator.next(); chunk.done !== true; chunk = await iterator.next()) yield chunk.value as Buffer;
  })());
  return head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1] ? rest.pipe(createGunzip()) : rest;
}

/** Splits an envelope line; anything else (including text that is not JSON) is the body itself. */
export function unwrapLine(text: string, line: number): WebhookLine {
  if (text.startsWith('{"receivedAt"') || text.includes('"body"')) {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      if (parsed !== null && typeof parsed === 'object' && 'body' in parsed && !('eventType' in parsed)) {
        const receivedAt = typeof parsed.receivedAt === 'string' ? parsed.receivedAt : undefined;
        return receivedAt === undefined ? { line, body: parsed.body } : { line, body: parsed.body, receivedAt };
      }
    } catch {
      // Not JSON: the tracker will dead-letter it with the parse error.
    }
  }
  return { line, body: text };
}

/**
 * Lines of a capture file, or of standard input for `-`.
 * Rejects (before yielding anything) when the file cannot be opened.
 */
export async function* readWebhookLines(path: string, options: { onBytes?: (bytes: number) => void } = {}): AsyncGenerator<WebhookLine> {
  const raw = path === '-' ? process.stdin : createReadStream(path);
  if (path !== '-') {
    await new Promise<void>((resolve, reject) => {
      raw.once('open', () => resolve());
      raw.once('error', reject);
    });
  }
  if (options.onBytes !== undefined) raw.on('data', (chunk: Buffer | string) => options.onBytes!(chunk.length));
  const input = await maybeGunzip(raw);
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '') continue;
    yield unwrapLine(text, line);
  }
}
