// A scanner unplugged mid-capture: the desk shows a banner saying so (the capture is not lost nor
// counted), and once it is plugged back the banner goes and the capture succeeds. The simulated
// scanner is unplugged from outside the daemon with its control file (agent/src/devices/unplug.rs).

import assert from 'node:assert/strict';
import test from 'node:test';

import { ACCOUNTS, anyOf, setup } from './harness.mjs';
import { Clicks, D, button, enroll, go, onScreen, signIn } from './flows.mjs';

// Human-paced simulators, so a capture lasts long enough to pull the cable during it.
const env = setup(test, 'unplug', { realtime: true });

const UNPLUGGED = anyOf('dicabut', 'terputus', 'tidak terhubung', 'tidak tersambung', 'unplugged', 'disconnected', 'not connected');

test('a scanner unplugged mid-capture is shown as a banner and recovered', async () => {
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
  await enroll(s, act, resident, { supervisor: ACCOUNTS.supervisor, until: /desk-fingers/ });
  const url = page.url();

  // The capture starts; the cable is pulled while the resident's fingers are on their way.
  const pressed = go(act, button(page, D.captureSlap));
  await page.waitForTimeout(300);
  env.agent.unplugFingerprint();
  await pressed;
  const banner = page.getByRole('alert').filter({ hasText: UNPLUGGED });
  await banner.first().waitFor({ state: 'visible', timeout: 30_000 });
  await s.check(page, 'desk-fingers-unplugged');
  // Still at the same step: nothing was taken, nothing lost.
  assert.equal(new URL(page.url()).pathname, new URL(url).pathname);
  assert.doesNotMatch(await page.locator('main table').innerText(), /diterima|accepted/i);

  // Plugged back: the operator tries again, the banner goes and the capture goes through.
  env.agent.plugFingerprint();
  await go(act, button(page, anyOf('Coba lagi', 'Try again')));
  assert.equal(await banner.count(), 0, 'the banner is gone');
  assert.match(await page.locator('main table').innerText(), /diterima|accepted/i);
  await s.check(page, 'desk-fingers-recovered');
  await s.finish();
});
