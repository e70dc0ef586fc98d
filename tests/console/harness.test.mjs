// The harness's own checks can fail: a request off 127.0.0.1, a serious accessibility violation
// and an uncaught script error are each reported, and a clean page passes.

import assert from 'node:assert/strict';
import test from 'node:test';

import { Scenario, openBrowser } from './harness.mjs';

let browser;
test.before(async () => {
  browser = await openBrowser();
});
test.after(async () => {
  await browser?.close();
});

// No agent needed: the pages are written in place.
const nowhere = { url: 'http://127.0.0.1:9' };
const clean = `<!doctype html><html lang="id"><head><title>Bersih</title></head>
<body><header><p>rekam</p></header><main data-screen="clean"><h1>Bersih</h1>
<label for="n">Nama</label><input id="n" name="n"><button>Lanjut</button></main></body></html>`;

test('a clean page passes every check', async () => {
  const s = new Scenario('harness-clean', browser.browser, nowhere);
  const page = await s.page();
  await page.route('http://127.0.0.1:9/', (r) => r.fulfill({ contentType: 'text/html', body: clean }));
  await page.goto('/');
  await s.screen(page, 'clean');
  assert.equal(s.report(), '');
  await s.finish();
});

test('a request off loopback, an unlabelled field and a script error are all reported', async () => {
  const s = new Scenario('harness-dirty', browser.browser, nowhere);
  const page = await s.page();
  const dirty = clean
    .replace('<label for="n">Nama</label>', '')
    .replace('</main>', '<img src="http://cdn.invalid/logo.png" alt="logo"><script>undefinedFunction()</script></main>');
  await page.route('http://127.0.0.1:9/', (r) => r.fulfill({ contentType: 'text/html', body: dirty }));
  await page.route('http://cdn.invalid/**', (r) => r.abort());
  await page.goto('/');
  await s.screen(page, 'clean');
  const report = s.report();
  assert.match(report, /axe critical label/);
  assert.match(report, /request off 127\.0\.0\.1: http:\/\/cdn\.invalid\/logo\.png/);
  assert.match(report, /script error: .*undefinedFunction/);
  await assert.rejects(s.finish(), /harness-dirty/);
});
