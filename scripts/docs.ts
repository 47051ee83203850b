/**
 * Generated sections of the docs (the catalogue table, the machine diagrams). `npm run docs`
 * rewrites them in place; the test suite (test/readme.test.ts) fails when a document drifts from
 * what these functions render.
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

/** Every generated section, by document and marker name. */
export const GENERATED_SECTIONS: Record<string, Record<string, () => string>> = {
  'docs/events.md': { catalogue: renderCatalogueTable },
  'docs/machines.md': {
    'machine-session': () => mermaid(sessionMachine),
    'machine-participation': () => mermaid(participationMachine),
    'machine-email-thread': () => mermaid(emailThreadMachine),
    'machine-presence': () => mermaid(presenceMachine),
  },
};

function mermaid(machine: Parameters<typeof machineToMermaid>[0]): string {
  return ['```mermaid', machineToMermaid(machine), '```'].join('\n');
}

/** A document with its generated sections rendered afresh. */
export function renderDocument(document: string, text: string): string {
  let out = text;
  for (const [name, render] of Object.entries(GENERATED_SECTIONS[document] ?? {})) {
    const pattern = new RegExp(`(<!-- ${name}:start -->)[\\s\\S]*?(<!-- ${name}:end -->)`);
    if (!pattern.test(out)) throw new Error(`${document} has no ${name} markers`);
    out = out.replace(pattern, (_, start: string, end: string) => `${start}\n${render()}\n${end}`);
  }
  return out;
}

/** The absolute path of a document named relative to the repository. */
export const documentPath = (document: string): string => fileURLToPath(new URL(`../${document}`, import.meta.url));

if (process.argv.includes('--write')) {
  for (const document of Object.keys(GENERATED_SECTIONS)) {
    writeFileSync(documentPath(document), renderDocument(document, readFileSync(documentPath(document), 'utf8')));
  }
}
