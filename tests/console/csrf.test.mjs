// CSRF: a state-changing console request without the session's token is refused with 403 and
// changes nothing; the same request with the token goes through (so the refusal is the token's).

import assert from 'node:assert/strict';
import test from 'node:test';

import { ACCOUNTS, setup } from './harness.mjs';
import { Clicks, csrfToken, onScreen, signIn } from './flows.mjs';

const env = setup(test, 'csrf');

test('a state-changing request without its CSRF token is refused with 403', async () => {
  const s = env.scenario;
  const page = await s.page();
  await page.goto('/login');
  await s.screen(page, 'login');
  await signIn(new Clicks(page), ACCOUNTS.operator);
  await onScreen(page, 'office-home');
  const token = await csrfToken(page);
  assert.ok(token.length >= 16, `a CSRF token in the page's forms: ${token}`);

  // The language switch is the smallest state change: from the page's own origin, with the
  // session cookie, but no token (the form field nor the header).
  const post = (body, headers = {}) =>
    page.evaluate(
      async ([b, h]) => {
        const r = await fetch('/lang', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...h },
          body: new URLSearchParams(b),
          redirect: 'manual',
        });
        return r.status;
      },
      [body, headers],
    );
  assert.equal(await post({ lang: 'en' }), 403, 'no token');
  assert.equal(await post({ lang: 'en', _csrf: 'f'.repeat(token.length) }), 403, 'a wrong token');
  // Through Playwright's own client too (shares the context's cookies, no page involved).
  const r = await page.request.post('/lang', { form: { lang: 'en' }, maxRedirects: 0 });
  assert.equal(r.status(), 403);
  // Signing out is a state change as well.
  const out = await page.request.post('/logout', { form: {}, maxRedirects: 0 });
  assert.equal(out.status(), 403);

  // Nothing changed: still signed in, still in Indonesian.
  await page.reload();
  await onScreen(page, 'office-home');
  assert.equal(await page.locator('html').getAttribute('lang'), 'id');

  // With the token the same request is accepted (a redirect, or the page itself via fetch's
  // opaque redirect), and the language changes.
  const ok = await post({ lang: 'en', _csrf: token });
  assert.ok(ok === 0 || ok === 200 || ok === 303, `with the token: ${ok}`);
  await page.reload();
  await onScreen(page, 'office-home');
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await s.check(page, 'home-en');
  await s.finish();
});
