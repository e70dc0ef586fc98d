// The idle lock: after the configured idle time the desk locks; the same operator unlocks it with
// their password and finds the enrollment in progress at the step it was on.

import assert from 'node:assert/strict';
import test from 'node:test';

import { ACCOUNTS, setup } from './harness.mjs';
import { Clicks, W, button, enroll, onScreen, screenName, signIn } from './flows.mjs';

// The shortest idle time the configuration allows.
const IDLE = { key: 'idle_lock_minutes', value: 1, ms: 60_000 };
const env = setup(test, 'idle', { console: { [IDLE.key]: IDLE.value } });

test('the idle lock keeps the enrollment in progress', async () => {
  const s = env.scenario;
  const context = await s.context();
  const page = await context.newPage();
  const act = new Clicks(page);
  await page.goto('/');
  await onScreen(page, 'login');
  await signIn(act, ACCOUNTS.operator);
  await onScreen(page, 'office-home');
  const rp = await context.newPage();
  await rp.goto('/resident');
  await enroll(s, act, new Clicks(rp), { supervisor: ACCOUNTS.supervisor, until: /desk-signature/ });
  const step = await screenName(page);
  const url = new URL(page.url()).pathname;

  // Idle: the page locks itself, or the next request finds it locked.
  await page.waitForTimeout(IDLE.ms + 2_000);
  if ((await screenName(page)) !== 'lock') await page.reload();
  await onScreen(page, 'lock');
  await s.screen(page, 'lock');
  // The lock names who is signed in and asks only for the password.
  assert.ok((await page.locator('main').innerText()).includes(ACCOUNTS.operator.name));
  await act.fill(page.getByLabel(W.password), ACCOUNTS.operator.password);
  await act.press(button(page, W.unlock));
  await page.waitForLoadState();
  if ((await screenName(page)) !== step) await page.goto(url);
  await onScreen(page, step);
  assert.equal(new URL(page.url()).pathname, url);
  await s.check(page, 'after-unlock');
  await s.finish();
});
