import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Runs an example as a user would: `tsx examples/<name>` from the project root. */
export const runExample = (name: string, args: string[] = []) =>
  execFileSync(process.execPath, ['--import', 'tsx', `examples/${name}`, ...args], { cwd: root, encoding: 'utf8' });

describe('examples', () => {
  it('parse-webhooks.ts reports every line of the sample data', () => {
    const lines = runExample('parse-webhooks.ts').trim().split('\n');
    expect(lines).toHaveLength(52);
    expect(lines.filter((l) => /^line \d+\s+ok /.test(l))).toHaveLength(49);
    expect(lines.filter((l) => l.includes('rejected'))).toHaveLength(2);
    expect(lines.at(-1)).toMatch(/unknown\s+SessionActivityTeleported\s+session:7371450/);
  });
});
