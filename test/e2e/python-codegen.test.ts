/**
 * `sparrowc gen --target python` checked by real tools:
 * - `mypy --strict` (Debian's python3-mypy) passes on the generated code of
 *   every schema case (test/golden/python/cases.ts), with only the
 *   reference's sources on MYPYPATH (0.1.2; the demo also against `next`);
 * - the descriptor test: what the generated `register_*` functions export
 *   to the reference's `FunctionRegister` (names, namespaces, multipart
 *   flags, @auth groups, callback and iterable params, threaded and
 *   asyncio) is exactly what `--target descriptor` of the same schema says.
 *
 * Without Debian's python3 (with msgpack, cbor2, mypy) or the reference
 * sources the tests skip with a message, except under CI=true, where they fail.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { compileSchemas } from '../../compiler/index.ts';
import { emitDescriptor } from '../../compiler/emit/descriptor.ts';
import { emitPython } from '../../compiler/emit/python/index.ts';
import { PYTHON, pythonDemoGenerated, pythonEnv, pythonMissing, referencePaths, repoRoot, type ReferenceLayout } from '../../scripts/python-env.ts';
import { emitPythonCase, pythonCases, type PythonCase } from '../golden/python/cases.ts';

const inCi = process.env['CI'] === 'true';
const work = mkdtempSync(path.join(tmpdir(), 'sparrow-pygen-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Skips (or fails under CI) when Python cannot run; true when the test may go on. */
function pythonReady(t: TestContext, withMypy: boolean): boolean {
  const missing = pythonMissing({ withMypy });
  if (missing === undefined) return true;
  if (inCi) assert.fail(`${missing} with CI=true: run scripts/install-system-deps.sh`);
  t.skip(`${missing}; install Debian's python3-msgpack, python3-cbor2 and python3-mypy (scripts/install-system-deps.sh) to run it`);
  return false;
}

/** Writes a case's files (support included) to `work/<dir>` and returns that folder. */
function writeCase(c: PythonCase, dir: string): string {
  const out = path.join(work, dir);
  for (const file of emitPythonCase(c, true)) {
    const target = path.join(out, file.path);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
  return out;
}

function run(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** `mypy --strict` on every package and top-level module of `dir`. */
async function mypy(dir: string, layout: ReferenceLayout): Promise<{ code: number | null; output: string }> {
  const targets = readdirSync(dir).flatMap((name) => (name.endsWith('.py') ? ['-m', name.slice(0, -3)] : ['-p', name]));
  const env = { ...pythonEnv(layout), MYPYPATH: [dir, ...referencePaths(layout)].join(path.delimiter) };
  // The reference is untyped: its own modules are followed silently, the generated code is checked strictly.
  const argv = [PYTHON, '-m', 'mypy', '--strict', '--follow-imports=silent', '--no-error-summary', '--cache-dir', path.join(work, `.mypy-${layout}`), ...targets];
  return run(argv, env, work);
}

describe('sparrowc gen --target python: mypy --strict', () => {
  const cases = pythonCases();

  it(`passes on the generated code of all ${cases.length} schema cases (reference 0.1.2)`, { timeout: 600_000 }, async (t) => {
    if (!pythonReady(t, true)) return;
    // Cases are merged into as few trees as their paths allow (one mypy run each is what costs).
    const batches: Map<string, string>[] = [];
    for (const c of cases) {
      const files = emitPythonCase(c, true);
      let batch = batches.find((b) => files.every((f) => b.get(f.path) === undefined || b.get(f.path) === f.content));
      if (batch === undefined) batches.push((batch = new Map()));
      for (const f of files) batch.set(f.path, f.content);
    }
    const failures: string[] = [];
    for (const [i, batch] of batches.entries()) {
      const dir = path.join(work, `mypy-batch-${i}`);
      for (const [p, content] of batch) {
        mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
        writeFileSync(path.join(dir, p), content);
      }
      const result = await mypy(dir, '0.1.2');
      if (result.code !== 0) failures.push(result.output);
    }
    assert.deepEqual(failures, []);
  });

  it('passes on the demo against the next reference too', { timeout: 300_000 }, async (t) => {
    if (!pythonReady(t, true)) return;
    const demo = cases.find((c) => c.name === 'demo');
    assert.ok(demo);
    const result = await mypy(writeCase(demo, 'mypy-next-demo'), 'next');
    assert.equal(result.code, 0, result.output);
  });

  it('fails on code that breaks the types (the check is real)', { timeout: 300_000 }, async (t) => {
    if (!pythonReady(t, true)) return;
    const demo = cases.find((c) => c.name === 'demo');
    assert.ok(demo);
    const dir = writeCase(demo, 'mypy-broken');
    writeFileSync(path.join(dir, 'misuse.py'), 'from demo.v1 import Point\n\nPoint(x="not a float", y=1.0)\n');
    const result = await mypy(dir, '0.1.2');
    assert.notEqual(result.code, 0);
    assert.match(result.output, /misuse\.py:3: error: Argument "x" to "Point" has incompatible type "str"; expected "float"/);
  });
});

/** Lists what every `register_*` function of `modules` exports, as JSON on stdout. */
const DUMP_EXPORTS = `
import importlib, json, sys
from sparrowrpc.registers import FunctionRegister
out = []
for module_name in sys.argv[1:]:
    module = importlib.import_module(module_name)
    for name in sorted(dir(module)):
        if not name.startswith('register_') or getattr(getattr(module, name), '__module__', None) != module_name:
            continue
        register = FunctionRegister()
        getattr(module, name)(object(), register)
        for namespace, targets in register._register.items():
            for target, info in targets.items():
                out.append({'register': name, 'namespace': namespace, 'target': target, 'multipart': info.multipart_response,
                            'auth': info.auth_groups or None, 'special': info.func.sparrow_special_params})
print(json.dumps(out))
`;

interface Export {
  register: string;
  namespace: string;
  target: string;
  multipart: boolean;
  auth: string[] | null;
  special: Record<string, string>;
}

interface DescriptorService {
  kind: string;
  name: string;
  namespace: string;
  members: {
    kind: 'call' | 'notify' | 'topic';
    wireName: string;
    auth?: string[];
    result?: { kind: string };
    params?: { kind: string; wireName: string; result?: { kind: string } }[];
  }[];
}

describe('sparrowc gen --target python: the descriptor is what the Python side registers', () => {
  for (const name of ['demo', 'members', 'kitchen-sink', 'streams-reference']) {
    it(name, { timeout: 120_000 }, async (t) => {
      if (!pythonReady(t, false)) return;
      const c = pythonCases().find((x) => x.name === name);
      assert.ok(c);
      const model = compileSchemas(c.entries, { cwd: c.cwd }).model;
      assert.ok(model);
      const descriptor = JSON.parse(emitDescriptor(model)) as { declarations: Record<string, DescriptorService>; files: { path: string; system: boolean }[] };
      const dir = writeCase(c, `descriptor-${name}`);
      const modules = emitPythonCase(c)
        .map((f) => f.path)
        .filter((p) => p.endsWith('.py') && !p.endsWith('__init__.py'))
        .map((p) => p.slice(0, -3).replaceAll('/', '.'));
      const result = await run([PYTHON, '-c', DUMP_EXPORTS, ...modules], pythonEnv('0.1.2', [dir]), work);
      assert.equal(result.code, 0, result.output);
      const exported = (JSON.parse(result.output) as Export[]).map(({ register, ...rest }) => ({ ...rest, async: register.endsWith('_async') }));
      const expected: Omit<Export, 'register'>[] = [];
      for (const d of Object.values(descriptor.declarations)) {
        if (d.kind !== 'service') continue;
        for (const m of d.members) {
          // Topics have no Python publisher (the reference cannot end a subscription): nothing is registered for them.
          if (m.kind === 'topic') continue;
          const special: Record<string, string> = {};
          for (const p of m.params ?? []) {
            if (p.kind === 'stream') special[p.wireName] = 'iterable';
            if (p.kind === 'callback') special[p.wireName] = p.result?.kind === 'void' || p.result === undefined ? 'notification' : 'request';
          }
          expected.push({ namespace: d.namespace, target: m.wireName, multipart: m.kind === 'call' && m.result?.kind === 'stream', auth: m.auth ?? null, special });
        }
      }
      const key = (e: { namespace: string; target: string }): string => `${e.namespace}\u0000${e.target}`;
      const sort = <T extends { namespace: string; target: string }>(list: T[]): T[] => [...list].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
      assert.ok(expected.length > 0);
      for (const flavour of [false, true]) {
        const mine = sort(exported.filter((e) => e.async === flavour).map(({ async: _a, ...rest }) => rest));
        assert.deepEqual(mine, sort(expected), `${flavour ? 'asyncio' : 'threaded'} registers differ from the descriptor`);
      }
    });
  }
});

describe('examples/python/generated', () => {
  it('is what sparrowc gen --target python makes of schemas/demo.sparrow today', () => {
    const model = compileSchemas(['schemas/demo.sparrow'], { cwd: repoRoot }).model;
    assert.ok(model);
    const list = (dir: string, prefix = ''): string[] =>
      existsSync(dir) ? readdirSync(dir).flatMap((n) => (statSync(path.join(dir, n)).isDirectory() ? list(path.join(dir, n), `${prefix}${n}/`) : [`${prefix}${n}`])) : [];
    const files = emitPython(model, { version: (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version });
    assert.deepEqual(list(pythonDemoGenerated).filter((p) => !p.includes('__pycache__')).sort(), files.map((f) => f.path));
    for (const file of files) assert.equal(readFileSync(path.join(pythonDemoGenerated, file.path), 'utf8'), file.content, `${file.path} is stale: run npm run demo:py-server once, or sparrowc gen --target python`);
  });
});
