/**
 * Example: validate and normalize a file of webhook bodies (one JSON body per line) with
 * `parseWebhook`, and print what each line became.
 *
 *   npx tsx examples/parse-webhooks.ts [file.ndjson]
 */
import { readFileSync } from 'node:fs';
import { parseWebhook } from 'mluvii-state';

const file = process.argv[2] ?? new URL('./data/vendor-examples.ndjson', import.meta.url);
const lines = readFileSync(file, 'utf8').split('\n');

lines.forEach((line, index) => {
  if (line.trim() === '') return;
  const result = parseWebhook(line);
  const where = `line ${index + 1}`.padEnd(9);
  if (!result.ok) {
    console.log(`${where} rejected  ${result.error.code}: ${result.error.path} expected ${result.error.expected}, received ${result.error.received}`);
  } else {
    const { event } = result;
    const status = event.known ? 'ok' : 'unknown';
    console.log(`${where} ${status.padEnd(9)} ${event.eventType.padEnd(42)} ${event.stream}`);
  }
});
