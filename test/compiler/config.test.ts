/**
 * The project file (sparrow.json): its JSON Schema, the checker that applies
 * it with JSON paths and line:col, and `sparrowc gen` driven by it,
 * including the removal of files it generated earlier and no longer does.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { runGen, type GenCommandOptions } from '../../compiler/cli/gen-command.ts';
import { genTargets } from '../../compiler/cli/targets.ts';
import { ConfigError, TARGET_NAMES, loadConfig } from '../../compiler/config/config.ts';
import { formatJsonPath, parseJsonWithLocations, JsonSyntaxError } from '../../compiler/config/json-locations.ts';
import { projectRoot, runSparrowc } from '../helpers/cli.ts';

function tempProject(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sparrow-config-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

function capture(cwd: string) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  err.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { io: { stdout: out, stderr: err, cwd }, stdout: () => stdout, stderr: () => stderr };
}

const gen = async (cwd: string, options: GenCommandOptions = {}, files: string[] = []) => {
  const io = capture(cwd);
  const code = await runGen(files, options, io.io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
};

const config = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

describe('sparrow.json', () => {
  it('its JSON Schema names exactly the targets gen dispatches on', () => {
    const schema = JSON.parse(readFileSync(path.join(projectRoot, 'schemas/sparrow-config.schema.json'), 'utf8')) as {
      properties: { generate: { items: { properties: { target: { enum: string[] } } } } };
    };
    assert.deepEqual(schema.properties.generate.items.properties.target.enum, [...TARGET_NAMES]);
    assert.deepEqual(Object.keys(genTargets).sort(), [...TARGET_NAMES].sort());
  });

  it('loads a valid file and resolves its paths against its folder', () => {
    const dir = tempProject({ 'sub/sparrow.json': config({ $schema: '../x.json', inputs: ['a.sparrow'], generate: [{ target: 'ts', out: 'gen', options: { importExtension: 'ts' } }], lint: { rules: { 'member-documented': false }, ignore: ['old/*.sparrow'] } }) });
    try {
      const loaded = loadConfig(path.join(dir, 'sub/sparrow.json'));
      assert.deepEqual(loaded.inputs, [path.join(dir, 'sub/a.sparrow')]);
      assert.deepEqual(loaded.generate, [{ target: 'ts', out: path.join(dir, 'sub/gen'), options: { importExtension: 'ts' } }]);
      assert.deepEqual(loaded.lint, { rules: { 'member-documented': false }, memberCase: 'snake_case', ignore: ['old/*.sparrow'], ignoreOnly: {} });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports every problem with its JSON path and line:col; unknown keys at any depth are errors', () => {
    const text = ['{', '  "inputs": [],', '  "generate": [', '    { "target": "rust", "out": "gen", "optons": {} },', '    { "out": 3, "options": { "runtimeImport": "x", "extra": true } }', '  ],', '  "lint": { "rules": { "a": "loud" }, "ignored": [] },', '  "plugins": []', '}', ''].join('\n');
    const dir = tempProject({ 'sparrow.json': text });
    try {
      assert.throws(
        () => loadConfig(path.join(dir, 'sparrow.json'), 'sparrow.json'),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.equal(error.code, 'invalid');
          assert.deepEqual(error.problems, [
            'sparrow.json:2:3: $.inputs needs at least 1 item(s)',
            'sparrow.json:4:7: $.generate[0].target must be one of "ts", "js", "descriptor", "python", not "rust"',
            'sparrow.json:4:39: $.generate[0].optons unknown key "optons" (expected one of: target, out, options)',
            'sparrow.json:5:5: $.generate[1] misses the required key "target"',
            'sparrow.json:5:7: $.generate[1].out must be a string, not an integer',
            'sparrow.json:5:52: $.generate[1].options.extra unknown key "extra" (expected one of: runtimeImport, importExtension)',
            'sparrow.json:7:24: $.lint.rules.a must be a boolean, not a string',
            'sparrow.json:7:39: $.lint.ignored unknown key "ignored" (expected one of: rules, memberCase, ignore, ignoreOnly)',
            'sparrow.json:8:3: $.plugins unknown key "plugins" (expected one of: $schema, inputs, generate, lint)',
          ]);
          return true;
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports invalid JSON with line:col, and a missing file', () => {
    assert.throws(() => parseJsonWithLocations('{\n  "a": 1,\n}'), (error: unknown) => error instanceof JsonSyntaxError && error.location.line === 3 && error.location.column === 1);
    assert.throws(() => parseJsonWithLocations('[1 2]'), /unexpected "2", expected "," or "]"/);
    assert.deepEqual(parseJsonWithLocations(' {"a": [1, {"b": "\\u00e9"}], "c d": null} ').value, { a: [1, { b: 'é' }], 'c d': null });
    assert.equal(formatJsonPath(['generate', 0, 'c d']), '$.generate[0]["c d"]');
    assert.throws(() => loadConfig(path.join(tmpdir(), 'no-such-sparrow.json'), 'x.json'), (error: unknown) => error instanceof ConfigError && error.code === 'not-found' && error.message === 'x.json: no such file');
  });
});

describe('sparrowc gen with a config file', () => {
  const schemas = {
    'schemas/app.sparrow': 'package app\nimport "common.sparrow"\nservice App {\n  ping(who: common.User): string\n}\n',
    'schemas/common.sparrow': 'package common\nstruct User { name: string }\n',
  };

  it('generates every target, removes what it no longer generates, and leaves every other file alone', async () => {
    const dir = tempProject({
      ...schemas,
      'sparrow.json': config({ inputs: ['schemas/app.sparrow'], generate: [{ target: 'ts', out: 'src/gen' }, { target: 'descriptor', out: 'desc' }] }),
      'src/gen/hand-written.ts': '// my own helper\nexport const x = 1;\n',
      'src/gen/notes.md': 'Code generated by sparrowc v0 — but not a header\n',
      'desc/other.json': '{"$schema": "something else"}\n',
    });
    try {
      const first = await gen(dir);
      assert.equal(first.code, 0, first.stdout + first.stderr);
      assert.deepEqual(readdirSync(path.join(dir, 'src/gen')).sort(), ['app.ts', 'common.ts', 'hand-written.ts', 'index.ts', 'notes.md']);
      assert.deepEqual(readdirSync(path.join(dir, 'desc')).sort(), ['app.descriptor.json', 'other.json']);
      assert.match(readFileSync(path.join(dir, 'src/gen/app.ts'), 'utf8'), /from "sparrow-rpc"/);
      assert.match(readFileSync(path.join(dir, 'src/gen/app.ts'), 'utf8'), /from "\.\/common\.js"/);

      // The import dropped: common.ts is stale, the hand-written files stay.
      writeFileSync(path.join(dir, 'schemas/app.sparrow'), 'package app\nservice App {\n  ping(who: string): string\n}\n');
      const second = await gen(dir);
      assert.equal(second.code, 0, second.stdout + second.stderr);
      assert.match(second.stdout, new RegExp(`removed ${path.join('src', 'gen', 'common.ts').replace(/\./g, '\\.')} \\(no longer generated\\)`));
      assert.match(second.stdout, /, 1 removed in src\/gen, desc/);
      assert.deepEqual(readdirSync(path.join(dir, 'src/gen')).sort(), ['app.ts', 'hand-written.ts', 'index.ts', 'notes.md']);
      assert.deepEqual(readdirSync(path.join(dir, 'desc')).sort(), ['app.descriptor.json', 'other.json']);

      // A generated file in a subfolder goes, and so does the folder it leaves empty.
      mkdirSync(path.join(dir, 'src/gen/old'));
      writeFileSync(path.join(dir, 'src/gen/old/gone.ts'), '// Code generated by sparrowc v0.0.1 from old/gone.sparrow. DO NOT EDIT.\n');
      const third = await gen(dir);
      assert.equal(third.code, 0);
      assert.equal(existsSync(path.join(dir, 'src/gen/old')), false);
      assert.match(third.stdout, /0 file\(s\) written, 3 unchanged, 1 removed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes nothing and removes nothing when a schema has errors', async () => {
    const dir = tempProject({ ...schemas, 'sparrow.json': config({ inputs: ['schemas/app.sparrow'], generate: [{ target: 'ts', out: 'gen' }] }) });
    try {
      assert.equal((await gen(dir)).code, 0);
      writeFileSync(path.join(dir, 'schemas/app.sparrow'), 'package app\nservice App {\n  ping(who: Nope): string\n}\n');
      const broken = await gen(dir);
      assert.equal(broken.code, 1);
      assert.match(broken.stdout, /app\.sparrow:3:\d+: error/);
      assert.deepEqual(readdirSync(path.join(dir, 'gen')).sort(), ['app.ts', 'common.ts', 'index.ts']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--config names another file; options reach the target', async () => {
    const dir = tempProject({ ...schemas, 'conf/gen.json': config({ inputs: ['../schemas/app.sparrow'], generate: [{ target: 'ts', out: '../out', options: { runtimeImport: '@me/rt', importExtension: 'ts' } }] }) });
    try {
      const result = await gen(dir, { config: 'conf/gen.json' });
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const app = readFileSync(path.join(dir, 'out/app.ts'), 'utf8');
      assert.match(app, /from "@me\/rt"/);
      assert.match(app, /from "\.\/common\.ts"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('usage errors exit 2 with one clear line', async () => {
    const dir = tempProject({ ...schemas, 'sparrow.json': config({ inputs: ['schemas/app.sparrow'], generate: [{ target: 'python', out: 'py' }] }) });
    try {
      const noConfig = await gen(path.join(dir, 'schemas'));
      assert.equal(noConfig.code, 2);
      assert.match(noConfig.stderr, /^sparrowc gen: no schema files given and no sparrow\.json in .*schemas \(give files and --out, or create one with sparrowc init\)\n$/);
      const mixed = await gen(dir, { out: 'x', target: 'ts' });
      assert.equal(mixed.code, 2);
      assert.match(mixed.stderr, /--out, --target go only with schema files/);
      const noOut = await gen(dir, {}, ['schemas/app.sparrow']);
      assert.equal(noOut.code, 2);
      assert.match(noOut.stderr, /--out <dir> is required/);
      const both = await gen(dir, { config: 'sparrow.json', out: 'x' }, ['schemas/app.sparrow']);
      assert.equal(both.code, 2);
      const bad = await gen(dir, { config: 'schemas/common.sparrow' });
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /^schemas\/common\.sparrow:1:1: unexpected "p", expected a JSON value\n$/);
      if (genTargets.python.emit === undefined) {
        const unavailable = await gen(dir);
        assert.equal(unavailable.code, 2);
        assert.match(unavailable.stderr, /^sparrowc gen: target python is not available in this version of sparrowc \(available: [a-z, ]+\)\n$/);
        assert.equal(existsSync(path.join(dir, 'py')), false);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the CLI reads ./sparrow.json when given no files', async () => {
    const dir = tempProject({ ...schemas, 'sparrow.json': config({ inputs: ['schemas/app.sparrow'], generate: [{ target: 'ts', out: 'gen' }] }) });
    try {
      const result = await runSparrowc(['gen'], { cwd: dir });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /3 file\(s\) written, 0 unchanged in gen/);
      assert.ok(existsSync(path.join(dir, 'gen/index.ts')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
