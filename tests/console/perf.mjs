// The console's figures, measured in Chromium (not a test: run by hand, prints a table).
//
//   node tests/console/perf.mjs            (after `cargo build -p rekam-agent --bin rekam`)
//
// 1. First load of the desk: a fresh browser context (empty cache, a signed-in session) opens
//    the home page and the desk's first screen; the Performance API's navigation timing gives
//    responseEnd and loadEventEnd (ms from the start of navigation). Target: at most 300 ms.
// 2. Preview latency: on the face screen, the page itself reads the preview stream that its
//    `<img>` shows (multipart/x-mixed-replace), decodes every JPEG (`createImageBitmap`) and
//    waits for the next paint; a part header carrying the capture time (any header whose name
//    says time/stamp/captured, in ms or µs since the epoch) gives device-to-screen latency, and
//    the arrival times give the frame rate. Target: at most 150 ms at 10 fps or more.
// 3. The agent's resident memory (VmRSS from /proc/<pid>/status) every second while one console
//    is open with its preview running for 30 s. Target: at most 60 MB.
//
// The agent runs with human-paced simulators (`devices.realtime = true`), as at a real desk.

import fs from 'node:fs';

import { ACCOUNTS, Agent, Scenario, openBrowser, sleep } from './harness.mjs';
import { Clicks, enroll, onScreen, previewShows, signIn } from './flows.mjs';

const SECONDS = Number(process.env.REKAM_PERF_SECONDS ?? 30);
const LOADS = 5;

function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, median: q(0.5), p95: q(0.95), max: s.at(-1) };
}

const rows = [];
function row(what, value, target, ok) {
  rows.push({ what, value, target, verdict: ok === undefined ? '' : ok ? 'ok' : 'OVER' });
}

const browser = await openBrowser();
const version = browser.browser.version();
const agent = await Agent.start({ realtime: true });
try {
  const s = new Scenario('perf', browser.browser, agent);
  const context = await s.context();
  const page = await context.newPage();
  const act = new Clicks(page);
  await page.goto('/');
  await onScreen(page, 'login');
  await signIn(act, ACCOUNTS.operator);
  await onScreen(page, 'office-home');
  const home = new URL(page.url()).pathname;
  const rp = await context.newPage();
  await rp.goto('/resident');
  await enroll(s, act, new Clicks(rp), { supervisor: ACCOUNTS.supervisor, until: /desk-face/ });
  const desk = new URL(page.url()).pathname;
  const session = await context.storageState();

  // 1. First loads, each in a fresh context (cold cache) with the signed-in session.
  for (const [name, path] of [['home', home], ['desk (face step)', desk]]) {
    const response = [];
    const load = [];
    for (let i = 0; i < LOADS; i += 1) {
      const c = await browser.browser.newContext({ baseURL: agent.url, storageState: session });
      const p = await c.newPage();
      await p.goto(path, { waitUntil: 'load' });
      const t = await p.evaluate(() => {
        const n = performance.getEntriesByType('navigation')[0];
        return { responseEnd: n.responseEnd, loadEventEnd: n.loadEventEnd };
      });
      response.push(t.responseEnd);
      load.push(t.loadEventEnd);
      await c.close();
    }
    const r = stats(response);
    const l = stats(load);
    row(`first load of ${name}: responseEnd (median / max of ${LOADS})`, `${r.median.toFixed(0)} / ${r.max.toFixed(0)} ms`, '');
    row(`first load of ${name}: loadEventEnd (median / max of ${LOADS})`, `${l.median.toFixed(0)} / ${l.max.toFixed(0)} ms`, '<= 300 ms', l.max <= 300);
  }

  // 2 and 3. The face preview, running; the page reads its stream as a second viewer. The desk
  // is the tab in front (a background tab gets no animation frames, so nothing would paint).
  await page.bringToFront();
  await previewShows(page);
  const src = await page.locator('main img[src*="preview"], main img[src*="live"], main img[src*="stream"]').first().getAttribute('src');
  const rss = [];
  const sampler = setInterval(() => rss.push(rssKiB(agent.pid)), 1000);
  const frames = src
    ? await page.evaluate(
        async ([url, seconds]) => {
          const out = [];
          const ends = [];
          const enc = new TextEncoder();
          const dec = new TextDecoder('latin1');
          const until = performance.now() + seconds * 1000;
          const find = (hay, needle, from = 0) => {
            outer: for (let i = from; i <= hay.length - needle.length; i += 1) {
              for (let j = 0; j < needle.length; j += 1) if (hay[i + j] !== needle[j]) continue outer;
              return i;
            }
            return -1;
          };
          const crlf2 = enc.encode('\r\n\r\n');
          // A stream that ends (the hub stops on a device error) is noted and opened again, as
          // the desk's own page does.
          while (performance.now() < until) {
            const res = await fetch(url);
            const type = res.headers.get('content-type') ?? '';
            const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1];
            if (!boundary) return { error: `not multipart: ${type}` };
            const reader = res.body.getReader();
            let buf = new Uint8Array(0);
            let ended = false;
            while (performance.now() < until) {
              const { value, done } = await reader.read();
              if (done) {
                ended = true;
                break;
              }
              const arrived = performance.timeOrigin + performance.now();
              const next = new Uint8Array(buf.length + value.length);
              next.set(buf);
              next.set(value, buf.length);
              buf = next;
              // Every complete part: headers, blank line, a body of Content-Length bytes.
              for (;;) {
                const h = find(buf, crlf2);
                if (h < 0) break;
                const head = dec.decode(buf.subarray(0, h));
                let len = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? NaN);
                if (!Number.isFinite(len)) {
                  // No length: the part ends where the next boundary begins.
                  const end = find(buf, enc.encode(`\r\n--${boundary}`), h + 4);
                  if (end < 0) break;
                  len = end - (h + 4);
                }
                if (buf.length < h + 4 + len) break;
                const body = buf.slice(h + 4, h + 4 + len);
                buf = buf.slice(h + 4 + len);
                let captured = null;
                for (const line of head.split('\r\n')) {
                  const m = /^([\w-]*(time|stamp|captured)[\w-]*):\s*(\d+(\.\d+)?)/i.exec(line);
                  if (m) {
                    const v = Number(m[3]);
                    captured = v > 1e15 ? v / 1000 : v > 1e12 ? v : null;
                  }
                }
                const t0 = performance.now();
                let decodeMs = null;
                try {
                  const bitmap = await createImageBitmap(new Blob([body], { type: 'image/jpeg' }));
                  decodeMs = performance.now() - t0;
                  bitmap.close();
                } catch {
                  // The blank frame that ends a failed stream may not decode; not a frame.
                  continue;
                }
                await new Promise((r) => requestAnimationFrame(() => r()));
                const shown = performance.timeOrigin + performance.now();
                out.push({ arrived, decodeMs, latency: captured === null ? null : shown - captured, bytes: len });
              }
            }
            if (!ended) {
              reader.cancel();
              break;
            }
            const statusUrl = url.replace(/\.mjpg.*$/, '/status');
            const why = await fetch(statusUrl).then((r) => r.text()).catch((e) => String(e));
            ends.push({ at: performance.now(), why });
            await new Promise((r) => setTimeout(r, 200));
          }
          return { frames: out, ends };
        },
        [src, SECONDS],
      )
    : { error: 'no preview <img> found on the face screen' };
  await sleep(100);
  clearInterval(sampler);

  if (frames.error) {
    row('preview', frames.error, '');
  } else {
    const f = frames.frames;
    const span = (f.at(-1).arrived - f[0].arrived) / 1000;
    const fps = (f.length - 1) / span;
    row(`preview frame rate over ${span.toFixed(1)} s`, `${fps.toFixed(1)} fps (${f.length} frames)`, '>= 10 fps', fps >= 10);
    // The steadiest stretch: the best one-second window.
    let best = 0;
    for (let a = 0, b = 0; b < f.length; b += 1) {
      while (f[b].arrived - f[a].arrived > 1000) a += 1;
      best = Math.max(best, b - a + 1);
    }
    row('preview frames in the best second', `${best}`, '');
    if (frames.ends.length) {
      row('preview streams that ended (reopened)', `${frames.ends.length}; first: ${frames.ends[0].why.slice(0, 80)}`, '');
    }
    const d = stats(f.map((x) => x.decodeMs));
    row('preview JPEG decode (median / p95)', `${d.median.toFixed(1)} / ${d.p95.toFixed(1)} ms`, '');
    const sizes = stats(f.map((x) => x.bytes));
    row('preview JPEG size (median)', `${(sizes.median / 1024).toFixed(1)} KiB`, '');
    const withTime = f.filter((x) => x.latency !== null);
    if (withTime.length) {
      const l = stats(withTime.map((x) => x.latency));
      row('preview device-to-screen latency (median / p95 / max)', `${l.median.toFixed(0)} / ${l.p95.toFixed(0)} / ${l.max.toFixed(0)} ms`, '<= 150 ms', l.p95 <= 150);
    } else {
      row('preview device-to-screen latency', 'n/a: the stream carries no capture time', '<= 150 ms');
    }
  }
  const r = stats(rss);
  row(`agent VmRSS, one console, preview running ${SECONDS} s (max / last)`, `${(r.max / 1024).toFixed(1)} / ${(rss.at(-1) / 1024).toFixed(1)} MB`, '<= 60 MB', r.max / 1024 <= 60);
  await s.finish().catch((e) => row('screen checks', e.message.split('\n')[0], ''));
} finally {
  await agent.close();
  await browser.close();
}

const w = [0, 0, 0];
for (const r of rows) {
  w[0] = Math.max(w[0], r.what.length);
  w[1] = Math.max(w[1], r.value.length);
  w[2] = Math.max(w[2], r.target.length);
}
console.log(`chromium ${version}, ${new Date().toISOString()}`);
for (const r of rows) {
  console.log(`${r.what.padEnd(w[0])}  ${r.value.padEnd(w[1])}  ${r.target.padEnd(w[2])}  ${r.verdict}`);
}
