/**
 * The browser demo end to end in Debian's Chromium (TOOLCHAIN.md §7): the
 * page, bundled by esbuild for the browser, connects over WebSocket, calls
 * the server (hello_world, a multipart response, a bytes round trip) and
 * shows the server's calls back to its exported DemoClient. The test reads
 * what the page shows.
 *
 * Without Chromium the test skips with a message, except under CI=true,
 * where a missing browser must fail rather than pass quietly.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { bundlePage, serveBrowserDemo } from '../../examples/browser/serve.ts';
import { bundle, profileEntry, type Profile } from '../../scripts/bundle-size.ts';

const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const inCi = process.env['CI'] === 'true';

/** Launches headless Chromium (or skips, or fails under CI=true, when it is missing) and runs `body` with a page. */
async function withChromium(t: { skip(message: string): void }, body: (page: import('playwright-core').Page) => Promise<void>): Promise<void> {
  if (!existsSync(chromiumPath)) {
    if (inCi) assert.fail(`Chromium not found at ${chromiumPath} with CI=true: run scripts/install-system-deps.sh`);
    t.skip(`Chromium not found at ${chromiumPath} (set CHROMIUM_PATH, or run scripts/install-system-deps.sh)`);
    return;
  }
  const profile = mkdtempSync(join(tmpdir(), 'sparrow-chromium-'));
  let context: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    });
    await body(context.pages()[0] ?? (await context.newPage()));
  } finally {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** What a page showed once its status left "starting": the status, its `#to-server` lines (`ok …`/`fail …`) and its errors. */
interface PageRun {
  status: string | null;
  lines: string[];
  errors: string[];
  /** All of it, for assertion messages. */
  shown: string;
}

/** Opens `url` and waits for the page's status to say done or failed. */
async function runPage(page: import('playwright-core').Page, url: string): Promise<PageRun> {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  await page.waitForFunction(() => /^(done|failed)/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 15_000 });
  const status = await page.textContent('#status');
  const lines = await page.$$eval('#to-server li', (items) => items.map((item) => `${item.className} ${item.textContent ?? ''}`));
  return { status, lines, errors, shown: `status: ${status}\n${lines.join('\n')}\nerrors: ${errors.join('; ')}` };
}

describe('browser size pages (npm run size)', () => {
  const pages: Array<[Profile, RegExp[]]> = [
    ['unary-json', [/^ok hello_world → "Hello unary!"$/]],
    ['streams-callbacks-json', [/^ok demo_progress_update → "Processed 2 items", progress Processing a, Processing b$/, /^ok demo_multipart_response\(up_to: 3\) → \[1,2\] \[2,5\] \[3,10\]$/, /^ok demo_multipart_param\(1, 10, 30, 3\) → 44$/]],
  ];
  for (const [profile, expected] of pages) {
    it(`the ${profile} page runs its calls in headless Chromium`, { timeout: 60_000 }, async (t) => {
      await withChromium(t, async (page) => {
        const demo = await serveBrowserDemo({ entry: profileEntry(profile) });
        try {
          const { status, lines, errors, shown } = await runPage(page, demo.pageUrl);
          assert.equal(status, 'done', shown);
          assert.deepEqual(errors, [], shown);
          assert.equal(lines.length, expected.length, shown);
          expected.forEach((pattern, k) => assert.match(lines[k]!, pattern, shown));
        } finally {
          await demo.close();
        }
      });
    });
  }
});

describe('browser size pages: JSON\'s exact numbers come with a schema that has numbers', () => {
  it('the unary page (strings only) leaves json-exact.ts out; the streams page (int32 values) bundles it', async () => {
    // The bytes each input left in the page: the entry reads every module it imports, tree shaking drops what is unused.
    const bundlesExact = async (profile: Profile): Promise<boolean> => {
      const [output] = Object.values((await bundle(profileEntry(profile))).metafile.outputs);
      return Object.entries(output!.inputs).some(([input, { bytesInOutput }]) => input.endsWith('runtime/serialisation/json-exact.ts') && bytesInOutput > 0);
    };
    assert.equal(await bundlesExact('unary-json'), false);
    assert.equal(await bundlesExact('streams-callbacks-json'), true);
  });
});

describe('browser Web Worker page', () => {
  it('calls a generated service in a Web Worker: a call, a callback, a stream result and a stream param', { timeout: 60_000 }, async (t) => {
    await withChromium(t, async (page) => {
      const demo = await serveBrowserDemo();
      try {
        const { status, lines, errors, shown } = await runPage(page, demo.workerPageUrl);
        assert.equal(status, 'done', shown);
        assert.deepEqual(errors, [], shown);
        assert.deepEqual(lines, [
          'ok hello_world(name: "worker") → "Hello worker!"',
          'ok demo_progress_update → "Processed 2 items", progress Processing a, Processing b',
          'ok demo_multipart_response(up_to: 3) → [1,2] [2,5] [3,10]',
          'ok demo_multipart_param(1, 10, 30, 3) → 44',
        ], shown);
      } finally {
        await demo.close();
      }
    });
  });

  it('the worker and its page bundle browser-safe', async () => {
    for (const entry of ['page.ts', 'worker.ts']) {
      const { metafile } = await bundlePage({ entry: fileURLToPath(new URL(`../../examples/browser/worker/${entry}`, import.meta.url)) });
      const inputs = Object.keys(metafile.inputs);
      assert.ok(inputs.some((input) => input.endsWith('runtime/connection/port-peers.ts')), `${entry} bundles the port peers`);
      assert.deepEqual(inputs.filter((input) => /node_modules\/(ws|msgpackr|cbor-x)\/|^node:|runtime\/transport\/node\//.test(input)), [], entry);
    }
  });
});

describe('browser demo', () => {
  it('the page bundle is browser-safe: no ws, no node: modules, no Node transports', async () => {
    const { metafile } = await bundlePage();
    const inputs = Object.keys(metafile.inputs);
    assert.ok(inputs.some((input) => input.endsWith('runtime/index.ts')), 'bundles the browser runtime entry');
    assert.ok(inputs.some((input) => input.includes('examples/generated/')), 'bundles the generated client');
    assert.deepEqual(
      inputs.filter((input) => /node_modules\/ws\/|^node:|runtime\/transport\/node\//.test(input)),
      [],
    );
  });

  it('calls in both directions in headless Chromium', { timeout: 60_000 }, async (t) => {
    await withChromium(t, async (page) => {
      const demo = await serveBrowserDemo();
      try {
        const pageErrors: string[] = [];
        page.on('pageerror', (error) => pageErrors.push(error.message));
        await page.goto(demo.pageUrl);
        await page.waitForFunction(() => /^(done|failed)/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 15_000 });

        const status = await page.textContent('#status');
        const toServer = await page.$$eval('#to-server li', (items) => items.map((item) => `${item.className} ${item.textContent ?? ''}`));
        const fromServer = await page.$$eval('#from-server li', (items) => items.map((item) => `${item.className} ${item.textContent ?? ''}`));
        const shown = `status: ${status}\npage → server:\n${toServer.join('\n')}\nserver → page:\n${fromServer.join('\n')}\nerrors: ${pageErrors.join('; ')}`;

        assert.equal(status, 'done', shown);
        assert.deepEqual(pageErrors, [], shown);
        const has = (lines: string[], pattern: RegExp): void => assert.ok(lines.some((line) => line.startsWith('ok ') && pattern.test(line)), `${pattern} in\n${shown}`);
        // page → server
        has(toServer, /hello_world\(name: "browser"\) → "Hello browser!"/);
        has(toServer, /demo_multipart_response\(up_to: 3\) → \[1,2\] \[2,5\] \[3,10\]/);
        has(toServer, /put_blob \+ get_blob.*65536 bytes.*sha256 [0-9a-f]{12}/);
        has(toServer, /notes\.add/);
        // server → page
        has(fromServer, /client\.show ← .*during notes\.add/);
        has(fromServer, /client\.confirm ← .* → true/);
        has(fromServer, /client\.show ← .*outside any call/);
        has(fromServer, /client\.ping_count ← \d+/);
        assert.ok(![...toServer, ...fromServer].some((line) => line.startsWith('fail')), shown);
      } finally {
        await demo.close();
      }
    });
  });
});
