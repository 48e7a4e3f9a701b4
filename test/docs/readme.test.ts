import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/server/config.js';
import { connectors } from '../../src/server/connectors/index.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('documents every configuration setting with its env var and default', () => {
    const missing = Object.values(SETTINGS).filter((s) => !readme.includes('`' + s.env + '`'));
    expect(missing.map((s) => s.env)).toEqual([]);
  });

  it("documents every connector's start-up variables (MARKETING_PLATFORM=<id>)", () => {
    const variables = Object.values(connectors).flatMap((c) => (c.manifest.env ?? []).map((v) => v.name));
    expect(variables.length).toBeGreaterThan(0);
    expect(variables.filter((name) => !readme.includes('`' + name + '`'))).toEqual([]);
  });

  it('has a Quick start of exactly two commands: start and test', () => {
    const quick = readme.split('## Quick start')[1]?.split('\n## ')[0] ?? '';
    const block = quick.split('```sh')[1]?.split('```')[0] ?? '';
    const commands = block
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter(Boolean);
    expect(commands).toEqual(['npm install && npm start', 'npm install && npm test']);
  });
});
