// A scanner unplugged mid-capture: the desk shows a banner saying so (the capture is not lost nor
// counted), and once it is plugged back the banner goes and the capture succeeds. The simulated
// scanner is unplugged from outside the daemon with its control file (agent/src/devices/unplug.rs).

import assert from 'node:assert/strict';
import test from 'node:test';

import { ACCOUNTS, anyOf, setup } from './harness.mjs';
import { Clicks, D, button, enroll, onScreen, signIn } from './flows.mjs';

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
  const pressed = act.press(button(page, D.captureSlap));
  await page.waitForTimeout(300);
  env.agent.unplugFingerprint();
  await pressed;
  const banner = page.getByRole('alert').filter({ hasText: UNPLUGGED }).or(page.getByRole('status').filter({ hasText: UNPLUGGED })).first();
  await banner.waitFor({ state: 'visible', timeout: 30_000 });
  await s.check(page, 'desk-fingers-unplugged');
  // Still at the same step: nothing was taken, nothing lost.
  assert.equal(new URL(page.url()).pathname, new URL(url).pathname);

  // Plugged back: the banner goes (at once, or when the operator tries again) and the capture
  // goes through.
  env.agent.plugFingerprint();
  const h1 = await page.locator('h1').first().innerText();
  const at = page.url();
  const again = button(page, anyOf('Coba lagi', 'Ulangi', 'Sambungkan ulang', 'Hubungkan ulang', 'Try again', 'Retry', 'Reconnect'));
  if (await again.isVisible()) await act.press(again);
  else await act.press(button(page, D.captureSlap));
  await banner.waitFor({ state: 'hidden', timeout: 30_000 });
  await page.waitForFunction(
    ([u, h]) => location.href !== u || document.querySelector('h1')?.innerText !== h,
    [at, h1],
    { timeout: 30_000 },
  );
  await s.check(page, 'desk-fingers-recovered');
  await s.finish();
});
