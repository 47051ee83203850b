import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { documentPath, GENERATED_SECTIONS, renderDocument } from '../scripts/docs.js';

describe('generated docs', () => {
  it.each(Object.keys(GENERATED_SECTIONS))('%s has its generated sections in sync with the code (run `npm run docs` to refresh)', (document) => {
    const text = readFileSync(documentPath(document), 'utf8');
    expect(renderDocument(document, text)).toBe(text);
  });
});
