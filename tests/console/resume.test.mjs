// Resuming: a page reload in the middle of the fingers, and an agent restart in the middle of the
// enrollment, both come back at exactly the step the desk was on, and the enrollment then goes
// on to its slip.

import assert from 'node:assert/strict';
import test from 'node:test';

import { ACCOUNTS, setup } from './harness.mjs';
import { Clicks, D, LEFT_RING, button, enroll, go, onScreen, screenName, signIn } from './flows.mjs';

const env = setup(test, 'resume');

/** Where the desk is: its screen, its address and its heading. */
async function where(page) {
  const name = await screenName(page);
  return { name, url: new URL(page.url()).pathname, h1: (await page.locator('h1').first().innerText()).trim() };
}

test('a reload mid-finger and an agent restart mid-enrollment resume at the same step', async () => {
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
  const resident = new Clicks(rp);

  // Up to the fingers, the left ring finger excepted there, then one slap taken.
  await enroll(s, act, resident, { supervisor: ACCOUNTS.supervisor, until: /desk-fingers/ });
  await go(act, page.locator('main').getByRole('link', { name: LEFT_RING }).first());
  await act.choose(page.getByRole('radio', { name: D.amputated }).first());
  let name = await go(act, button(page, D.saveException));
  if (name !== 'desk-fingers') await go(act, button(page, D.backToFingers));
  await go(act, button(page, D.captureSlap));
  const before = await where(page);
  assert.match(before.name, /finger|slap/);

  // A reload mid-finger.
  await page.reload();
  await onScreen(page, before.name);
  assert.deepEqual(await where(page), before);
  await s.check(page, 'after-reload');

  // The agent restarts (same data directory and address): the desk is at the same step again,
  // after the operator signs in anew if the session did not survive.
  await env.agent.restart();
  await page.goto(before.url);
  name = await onScreen(page, before.name, 'login');
  if (name === 'login') {
    await signIn(act, ACCOUNTS.operator);
    await page.waitForLoadState();
    if ((await screenName(page)) !== before.name) await page.goto(before.url);
  }
  await onScreen(page, before.name);
  assert.deepEqual(await where(page), before);
  await s.check(page, 'after-restart');

  // And it goes on to the slip.
  await rp.goto('/resident');
  const rest = await enroll(s, act, resident, { except: null, supervisor: ACCOUNTS.supervisor });
  assert.match(rest.at(-1), /slip/);
  await s.finish();
});
