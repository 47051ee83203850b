import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README_PATH, renderReadme } from '../scripts/docs.js';

describe('README', () => {
  it('has generated sections in sync with the code (run `npm run docs` to refresh)', () => {
    const readme = readFileSync(README_PATH, 'utf8');
    expect(renderReadme(readme)).toBe(readme);
  });
});
