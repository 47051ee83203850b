/**
 * Generated README sections. `npx tsx scripts/docs.ts --write` rewrites them in place; the test
 * suite (test/readme.test.ts) fails when the README drifts from what these functions render.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EVENT_CATALOGUE, EVENT_TYPES, type EventType } from '../src/index.js';
import { machineToMermaid } from '../src/fold/diagram.js';
import { emailThreadMachine, participationMachine, presenceMachine, sessionMachine } from '../machines/index.js';

const STREAM_BY_FAMILY = {
  session: 'session:`id`',
  activity: 'session:`sessionId`',
  email: 'email:`id`',
  presence: 'operator:`userId`',
  contact: 'contact:`id`',
  setting: 'tenant:`departmentId` (else company:`companyId`)',
} as const;

function payloadName(eventType: EventType): string {
  const spec = EVENT_CATALOGUE[eventType];
  return 'type' in (spec.schema.properties as object) ? 'generic activity (27 keys)' : 'dedicated';
}

/** The catalogue table: all 49 event types, documented or not, their stream and time field. */
export function renderCatalogueTable(): string {
  const rows = EVENT_TYPES.map((eventType) => {
    const spec = EVENT_CATALOGUE[eventType];
    return `| \`${eventType}\` | ${spec.documented ? 'yes' : '**no**'} | ${STREAM_BY_FAMILY[spec.family]} | ${spec.timeField === null ? '— (none)' : `\`${spec.timeField}\``} | ${payloadName(eventType)} |`;
  });
  return ['| eventType | on vendor page | stream | time field | payload |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** Every generated section, by marker name. */
export const GENERATED_SECTIONS: Record<string, () => string> = {
  catalogue: renderCatalogueTable,
  'machine-session': () => mermaid(sessionMachine),
  'machine-participation': () => mermaid(participationMachine),
  'machine-email-thread': () => mermaid(emailThreadMachine),
  'machine-presence': () => mermaid(presenceMachine),
};

function mermaid(machine: Parameters<typeof machineToMermaid>[0]): string {
  return ['```mermaid', machineToMermaid(machine), '```'].join('\n');
}

export function renderReadme(readme: string): string {
  let out = readme;
  for (const [name, render] of Object.entries(GENERATED_SECTIONS)) {
    const pattern = new RegExp(`(<!-- ${name}:start -->)[\\s\\S]*?(<!-- ${name}:end -->)`);
    if (!pattern.test(out)) throw new Error(`README has no ${name} markers`);
    out = out.replace(pattern, (_, start: string, end: string) => `${start}\n${render()}\n${end}`);
  }
  return out;
}

export const README_PATH = fileURLToPath(new URL('../README.md', import.meta.url));

if (process.argv.includes('--write')) {
  writeFileSync(README_PATH, renderReadme(readFileSync(README_PATH, 'utf8')));
}
