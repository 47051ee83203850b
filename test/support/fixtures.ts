import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface Fixture {
  readonly name: string;
  readonly origin: 'vendor' | 'undocumented';
  readonly text: string;
  readonly body: { eventType: string; data: Record<string, unknown> };
}

/** Every webhook example: the vendor page's 39 and our 10 constructed undocumented ones. */
export function loadFixtures(): Fixture[] {
  return (['vendor', 'undocumented'] as const).flatMap((origin) =>
    readdirSync(`${root}${origin}`).filter((f) => f.endsWith('.json')).sort().map((file) => {
      const text = readFileSync(`${root}${origin}/${file}`, 'utf8');
      return { name: file.replace(/\.json$/, ''), origin, text, body: JSON.parse(text) };
    }),
  );
}
