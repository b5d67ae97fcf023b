import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { projectRoot, runSparrowc } from '../helpers/cli.ts';

describe('sparrowc basics', () => {
  it('prints the package version with --version', async () => {
    const { version } = JSON.parse(readFileSync(`${projectRoot}compiler/package.json`, 'utf8')) as { version: string };
    const result = await runSparrowc(['--version']);
    assert.equal(result.code, 0);
    assert.equal(result.stdout.trim(), version);
  });

  it('lists fmt, lint, lsp and compat --against in --help', async () => {
    const help = await runSparrowc(['--help']);
    assert.equal(help.code, 0);
    for (const command of ['check', 'compat', 'fmt', 'lint', 'lsp', 'gen', 'call']) assert.match(help.stdout, new RegExp(`\\n  ${command} `), command);
    const compat = await runSparrowc(['compat', '--help']);
    assert.match(compat.stdout, /--against <git-ref>/);
  });

  it('exits 2 on an unknown command', async () => {
    const result = await runSparrowc(['no-such-command']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /error: .*\n[\s\S]*Usage: sparrowc/);
  });
});
