// The VS Code extension (editors/vscode): its grammar against annotated
// samples and the lexicon, its language configuration, how it finds the
// server, and the .vsix it packages. The extension is its own npm project;
// its dependencies are installed here when missing.
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { builtinTypeNames } from '../../compiler/check/builtins.ts';
import { allTokens } from '../../compiler/syntax/tokens.ts';
import { findServer } from '../../editors/vscode/src/find-server.ts';
import { projectRoot } from '../helpers/cli.ts';

const extensionDir = path.join(projectRoot, 'editors', 'vscode');
const bin = (name: string): string => path.join(extensionDir, 'node_modules', '.bin', name);
const inCi = process.env['CI'] === 'true';

function run(command: string, args: readonly string[], cwd = extensionDir, timeout = 120_000): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Installs editors/vscode's locked dependencies when they are missing; returns why it could not. */
function installDependencies(): string | undefined {
  if (existsSync(bin('vsce')) && existsSync(bin('vscode-tmgrammar-test'))) return undefined;
  const install = run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], extensionDir, 300_000);
  if (install.status === 0) return undefined;
  return `npm ci in editors/vscode failed (${install.error?.message ?? `exit ${install.status}`}): ${install.stderr.slice(-500)}`;
}

const installProblem = installDependencies();
const skip = installProblem === undefined ? false : `${installProblem}; run \`npm ci\` in editors/vscode (needs the npm registry or its cache) to enable`;

describe('editors/vscode dependencies', () => {
  it('are installed (a CI run must be able to build the extension)', { skip: inCi ? false : skip }, () => {
    assert.equal(installProblem, undefined, installProblem);
  });
});

const readJson = (file: string): Record<string, unknown> => JSON.parse(readFileSync(path.join(extensionDir, file), 'utf8')) as Record<string, unknown>;

describe('the TextMate grammar', { skip }, () => {
  const tmgrammarTest = (files: readonly string[]): SpawnSyncReturns<string> =>
    run(bin('vscode-tmgrammar-test'), ['--grammar', 'syntaxes/sparrow.tmLanguage.json', ...files]);
  const scratch = mkdtempSync(path.join(tmpdir(), 'sparrow-grammar-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('passes every assertion of the annotated samples (editors/vscode/test/*.sparrow)', () => {
    const samples = readdirSync(path.join(extensionDir, 'test')).filter((name) => name.endsWith('.sparrow')).map((name) => `test/${name}`);
    assert.ok(samples.length >= 2, `samples: ${samples.join(', ')}`);
    const result = tmgrammarTest(samples);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    for (const sample of samples) assert.ok(result.stdout.includes(`${sample} run successfuly`), result.stdout);
  });

  it('fails a sample whose assertion is wrong (the runner is not vacuous)', () => {
    const wrong = path.join(scratch, 'wrong.sparrow');
    writeFileSync(wrong, '// SYNTAX TEST "source.sparrow"\nstruct Point {}\n// <------ storage.type.enum.sparrow\n');
    const result = tmgrammarTest([wrong]);
    assert.notEqual(result.status, 0, result.stdout);
    assert.match(result.stdout + result.stderr, /storage\.type\.enum\.sparrow/);
  });

  it('scopes every keyword of the lexer and every built-in type of the checker', () => {
    // Each keyword in a place where it is a keyword; a new keyword in tokens.ts fails here until the grammar knows it.
    const keywordLines: Record<string, { line: string; column: number; scope: string }> = {
      package: { line: 'package a.b', column: 0, scope: 'keyword.other.package.sparrow' },
      import: { line: 'import "a.sparrow"', column: 0, scope: 'keyword.control.import.sparrow' },
      const: { line: 'const A: int = 1', column: 0, scope: 'storage.type.const.sparrow' },
      enum: { line: 'enum E { a = 1 }', column: 0, scope: 'storage.type.enum.sparrow' },
      struct: { line: 'struct S { a: int }', column: 0, scope: 'storage.type.struct.sparrow' },
      error: { line: 'error E { a: int }', column: 0, scope: 'storage.type.error.sparrow' },
      union: { line: 'union U = A | B', column: 0, scope: 'storage.type.union.sparrow' },
      service: { line: 'service S { }', column: 0, scope: 'storage.type.service.sparrow' },
      notify: { line: 'service S { notify n(a: int) }', column: 12, scope: 'storage.modifier.notify.sparrow' },
      topic: { line: 'service S { topic t: int }', column: 12, scope: 'storage.modifier.topic.sparrow' },
      throws: { line: 'service S { f(): void throws E }', column: 22, scope: 'keyword.other.throws.sparrow' },
    };
    const lexerKeywords = allTokens.map((token) => token.name).filter((name) => name.startsWith('Kw_')).map((name) => name.slice(3));
    assert.deepEqual([...lexerKeywords].sort(), Object.keys(keywordLines).sort());
    const lines = ['// SYNTAX TEST "source.sparrow"'];
    for (const [word, { line, column, scope }] of Object.entries(keywordLines)) {
      lines.push(line, `//${' '.repeat(column - 2 < 0 ? 0 : column - 2)}${column < 2 ? '<' + '-'.repeat(word.length) : '^'.repeat(word.length)} ${scope}`);
    }
    // Built-in types, as a field's type in a struct (generics with a `<`, callback with its params).
    for (const name of builtinTypeNames) {
      const type = name === 'callback' ? 'callback(x: int)' : ['list', 'stream'].includes(name) ? `${name}<int>` : name === 'map' ? 'map<string, int>' : name === 'tuple' ? 'tuple<int, int>' : name;
      const scope = name === 'callback' ? 'support.type.callback.sparrow' : ['list', 'stream', 'map', 'tuple'].includes(name) ? 'support.type.sparrow' : 'support.type.primitive.sparrow';
      lines.push(`service S { f(x: ${type}) }`, `//${' '.repeat(17 - 2)}${'^'.repeat(name.length)} ${scope}`);
    }
    const file = path.join(scratch, 'lexicon.sparrow');
    writeFileSync(file, lines.join('\n') + '\n');
    const result = tmgrammarTest([file]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.ok(builtinTypeNames.size >= 19, `expected every built-in type, got ${builtinTypeNames.size}`);
  });
});

describe('the language configuration', () => {
  const config = readJson('language-configuration.json') as {
    comments: { lineComment: string; blockComment: [string, string] };
    brackets: [string, string][];
    autoClosingPairs: { open: string; close: string }[];
    indentationRules: { increaseIndentPattern: string; decreaseIndentPattern: string };
    onEnterRules: { beforeText: string }[];
    wordPattern: string;
  };

  it('declares the comments and brackets of the lexer', () => {
    assert.deepEqual(config.comments, { lineComment: '//', blockComment: ['/*', '*/'] });
    assert.deepEqual(config.brackets.map(([open]) => open).sort(), ['(', '<', '[', '{']);
    assert.deepEqual(config.autoClosingPairs.map((pair) => pair.open).sort(), ['"', '(', '/*', '[', '{']);
  });

  it('indents after an open brace or paren and outdents on a closing one', () => {
    const increase = new RegExp(config.indentationRules.increaseIndentPattern);
    const decrease = new RegExp(config.indentationRules.decreaseIndentPattern);
    for (const line of ['service Notes {', 'struct P {  // comment', '  f(', 'const L: list<int> = [']) assert.match(line, increase);
    for (const line of ['struct P { x: int }', '  x: int', '  f(a: int): void', '/// doc {']) assert.doesNotMatch(line, increase);
    for (const line of ['}', '  )', '  ]']) assert.match(line, decrease);
    assert.doesNotMatch('  x: int', decrease);
  });

  it('continues a doc comment on Enter, and its word pattern takes names and numbers whole', () => {
    assert.match('  /// Adds a note.', new RegExp(config.onEnterRules[0]?.beforeText ?? '$^'));
    const words = (text: string): string[] => [...text.matchAll(new RegExp(config.wordPattern, 'g'))].map((m) => m[0]);
    assert.deepEqual(words('max_items: int32 = 1_000, 0xFF, 6.02e23'), ['max_items', 'int32', '1_000', '0xFF', '6.02e23']);
  });
});

describe('the extension manifest', () => {
  const manifest = readJson('package.json') as {
    main: string;
    engines: { vscode: string };
    devDependencies: Record<string, string>;
    contributes: {
      languages: { id: string; extensions: string[]; configuration: string }[];
      grammars: { language: string; scopeName: string; path: string }[];
      configuration: { properties: Record<string, { type: string }> };
    };
  };

  it('contributes the language, its grammar and the server-path setting', () => {
    const [language] = manifest.contributes.languages;
    assert.equal(language?.id, 'sparrow');
    assert.deepEqual(language.extensions, ['.sparrow']);
    assert.ok(existsSync(path.join(extensionDir, language.configuration)));
    const [grammar] = manifest.contributes.grammars;
    assert.equal(grammar?.language, 'sparrow');
    assert.equal((readJson(grammar.path) as { scopeName: string }).scopeName, grammar.scopeName);
    assert.equal(grammar.scopeName, 'source.sparrow');
    assert.equal(manifest.contributes.configuration.properties['sparrow.server.path']?.type, 'string');
    assert.equal(manifest.main, './dist/extension.cjs');
  });

  it('pins vsce to 3.x (4.x needs Node 22) and the client to an exact version', () => {
    assert.match(manifest.devDependencies['@vscode/vsce'] ?? '', /^3\.\d+\.\d+$/);
    assert.match(manifest.devDependencies['vscode-languageclient'] ?? '', /^\d+\.\d+\.\d+$/);
  });
});

describe('finding the server (findServer)', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'sparrow-find-server-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const workspace = (name: string, files: readonly string[]): string => {
    const dir = path.join(root, name);
    for (const file of files) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), '#!/usr/bin/env node\n');
    }
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  it('follows node_modules/.bin/sparrowc to the package\'s JS entry, run as a module', () => {
    const dir = workspace('linked', ['node_modules/sparrowc/bin/sparrowc.js']);
    mkdirSync(path.join(dir, 'node_modules', '.bin'));
    symlinkSync('../sparrowc/bin/sparrowc.js', path.join(dir, 'node_modules', '.bin', 'sparrowc'));
    assert.deepEqual(findServer('', [dir], 'linux'), { kind: 'module', path: path.join(dir, 'node_modules/sparrowc/bin/sparrowc.js'), source: 'workspace' });
  });

  it('falls back to node_modules/sparrowc/bin/sparrowc.js, in any workspace folder', () => {
    const empty = workspace('empty', []);
    const dir = workspace('package-only', ['node_modules/sparrowc/bin/sparrowc.js']);
    assert.equal(findServer('', [empty, dir], 'linux')?.path, path.join(dir, 'node_modules/sparrowc/bin/sparrowc.js'));
    assert.equal(findServer('', [empty], 'linux'), undefined);
  });

  it('prefers the sparrow.server.path setting, relative to the first folder, and runs a non-JS file as a command', () => {
    const dir = workspace('configured', ['tools/sparrowc', 'node_modules/sparrowc/bin/sparrowc.js']);
    chmodSync(path.join(dir, 'tools/sparrowc'), 0o755);
    assert.deepEqual(findServer('tools/sparrowc', [dir], 'linux'), { kind: 'command', path: path.join(dir, 'tools/sparrowc'), source: 'setting' });
    assert.throws(() => findServer('tools/missing', [dir], 'linux'), /sparrow\.server\.path: no file at .*tools\/missing/);
  });

  it('finds this repository\'s own sparrowc (the workspace install)', () => {
    const launch = findServer('', [projectRoot]);
    assert.equal(launch?.kind, 'module');
    assert.equal(launch.path, path.join(projectRoot, 'compiler', 'bin', 'sparrowc.js'));
  });
});

/** The names in a zip's central directory (what `unzip -l` lists). */
function zipEntries(zip: Buffer): string[] {
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end -= 1;
  assert.ok(end >= 0, 'no end-of-central-directory record: not a zip');
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i += 1) {
    assert.equal(zip.readUInt32LE(offset), 0x02014b50, 'bad central directory entry');
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    names.push(zip.toString('utf8', offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

describe('packaging the .vsix', { skip }, () => {
  const vsix = path.join(extensionDir, 'sparrow.vsix');
  after(() => rmSync(vsix, { force: true }));

  it('type-checks the client against @types/vscode', () => {
    const result = run(bin('tsc'), ['-p', 'tsconfig.json']);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  it('builds offline with vsce 3 (--no-dependencies), holding the grammar, the configuration and the bundled client', () => {
    rmSync(vsix, { force: true });
    const result = run('npm', ['run', '--silent', 'package'], extensionDir, 240_000);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    const entries = zipEntries(readFileSync(vsix));
    for (const file of ['extension/package.json', 'extension/syntaxes/sparrow.tmLanguage.json', 'extension/language-configuration.json', 'extension/dist/extension.cjs', 'extension.vsixmanifest']) {
      assert.ok(entries.includes(file), `${file} missing from ${entries.join(', ')}`);
    }
    assert.deepEqual(entries.filter((entry) => /node_modules|\/src\/|\/test\/|tsconfig/.test(entry)), []);
    // The client is bundled: only `vscode` (given by the editor) and Node built-ins are required at run time.
    const bundle = readFileSync(path.join(extensionDir, 'dist', 'extension.cjs'), 'utf8');
    const required = new Set([...bundle.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]));
    assert.ok(required.has('vscode'));
    assert.deepEqual([...required].filter((name) => name !== 'vscode' && !/^(?:node:)?[a-z_]+$/.test(name ?? '')), []);
    assert.ok(!required.has('vscode-languageclient') && !required.has('vscode-languageclient/node'));
    assert.match(bundle, /sparrow\.server\.path/);
  });
});
