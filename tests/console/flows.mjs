// Driving the console the way an operator does, by mouse and keyboard (`Clicks`) or by keyboard
// alone (`Keys`), through labels, roles and `<main data-screen>`: the steps the scenarios share.
// Wording is matched in both languages, so a step works whichever language the console shows.

import { anyOf, tabTo } from './harness.mjs';

/** Operates the page with the mouse (and types into fields). */
export class Clicks {
  constructor(page) {
    this.page = page;
    this.keyboard = false;
  }
  async fill(locator, text) {
    await locator.fill(text);
  }
  async press(locator) {
    await locator.click();
  }
  async choose(locator) {
    await locator.check();
  }
  async select(locator, option) {
    await locator.selectOption(option);
  }
}

/** Operates the page with Tab, Shift+Tab, Enter, Space, arrows and typing only: never a click. */
export class Keys {
  constructor(page) {
    this.page = page;
    this.keyboard = true;
  }
  async fill(locator, text) {
    await tabTo(this.page, locator);
    await this.page.keyboard.press('ControlOrMeta+A');
    await this.page.keyboard.press('Backspace');
    await this.page.keyboard.type(text);
  }
  async press(locator) {
    await tabTo(this.page, locator);
    const tag = await locator.evaluate((e) => `${e.tagName} ${e.getAttribute('type') ?? ''}`);
    // Links follow Enter; buttons take Enter or Space; a checkbox only Space.
    await this.page.keyboard.press(/INPUT (checkbox|radio)/.test(tag) ? 'Space' : 'Enter');
  }
  /** A radio button or checkbox: Tab into its group, then arrows (radios) or Space. */
  async choose(locator) {
    const kind = await locator.evaluate((e) => ({ type: e.type, name: e.name }));
    if (kind.type === 'radio') {
      const group = this.page.locator(`input[type=radio][name="${kind.name}"]`);
      // Tab stops on the group's checked radio, or its first when none is.
      const n = await group.count();
      let reached = false;
      for (let i = 0; i < 80 && !reached; i += 1) {
        reached = await group.evaluateAll((rs) => rs.includes(document.activeElement));
        if (!reached) await this.page.keyboard.press('Tab');
      }
      if (!reached) throw new Error(`Tab never reached the radio group ${kind.name}`);
      for (let i = 0; i <= n; i += 1) {
        if (await locator.evaluate((e) => e === document.activeElement)) break;
        await this.page.keyboard.press('ArrowDown');
      }
      if (!(await locator.isChecked())) await this.page.keyboard.press('Space');
      return;
    }
    await tabTo(this.page, locator);
    if (!(await locator.isChecked())) await this.page.keyboard.press('Space');
  }
  /** A `<select>`: focused with Tab, moved with the arrow keys to the option whose value or text
   * is `option`. */
  async select(locator, option) {
    await tabTo(this.page, locator);
    const want = await locator.evaluate(
      (s, o) => [...s.options].findIndex((x) => x.value === o || x.textContent.trim() === o),
      option,
    );
    if (want < 0) throw new Error(`no option ${option} in ${locator}`);
    for (let i = 0; i < 200; i += 1) {
      const at = await locator.evaluate((s) => s.selectedIndex);
      if (at === want) return;
      await this.page.keyboard.press(at < want ? 'ArrowDown' : 'ArrowUp');
    }
    throw new Error(`could not reach option ${option} in ${locator} with the arrow keys`);
  }
}

// --- wording (both languages) ------------------------------------------------------------------

export const W = {
  operatorId: anyOf('ID operator', 'Operator ID', 'Nama pengguna', 'User name', 'ID petugas'),
  password: anyOf('Kata sandi', 'Password'),
  signIn: anyOf('Masuk', 'Sign in'),
  signOut: anyOf('Keluar', 'Sign out'),
  newEnrollment: anyOf('Perekaman baru', 'New enrollment', 'Pendaftaran baru', 'Rekam baru'),
  english: anyOf('English'),
  indonesian: anyOf('Bahasa Indonesia', 'Indonesia'),
  errorSummary: anyOf('Ada masalah', 'There is a problem', 'Periksa', 'Check'),
  unlock: anyOf('Buka kunci', 'Unlock', 'Lanjutkan', 'Continue', 'Masuk', 'Sign in'),
};

/** Waits for `<main data-screen=name>` (one name or any of several); returns the name shown. */
export async function onScreen(page, ...names) {
  const sel = names.map((n) => `main[data-screen="${n}"]`).join(', ');
  await page.locator(sel).first().waitFor({ state: 'visible' });
  return page.locator('main[data-screen]').first().getAttribute('data-screen');
}

/** Fills the sign-in form of the page (already on it) and submits it. */
export async function signIn(act, who, password = who.password) {
  const page = act.page;
  await act.fill(page.getByLabel(W.operatorId), who.id);
  await act.fill(page.getByLabel(W.password), password);
  await act.press(page.getByRole('button', { name: W.signIn }));
}

/** The session's CSRF token, as the page's forms carry it. */
export async function csrfToken(page) {
  return page.locator('input[name="_csrf"]').first().inputValue();
}

// --- the enrollment desk -----------------------------------------------------------------------

/** The resident enrolled in the scenarios: male, born 15 August 1990 in Jakarta (the NIK's
 * digits 7-12 say so), unmarried, so eligible by age. */
export const RESIDENT = {
  nik: '3171011508900001',
  name: 'Agus Prasetyo',
  placeOfBirth: 'Jakarta',
  birth: { year: '1990', month: '08', day: '15' },
  street: 'Jl. Cempaka Putih Raya No. 12',
  rt: '3',
  rw: '7',
  village: 'Cempaka Putih Timur',
  district: 'Cempaka Putih',
  regency: 'Jakarta Pusat',
  province: 'DKI Jakarta',
  occupation: 'Karyawan Swasta',
  sex: 'male',
};

/** A second resident (female, born 2 March 1995: the NIK's day is 02 + 40). */
export const RESIDENT_2 = {
  ...RESIDENT,
  nik: '3171014203950002',
  name: 'Dewi Lestari',
  birth: { year: '1995', month: '03', day: '02' },
  sex: 'female',
};

/** The demographics form's fields: label (either language), value, and for choices the option. */
function demographicFields(r) {
  return [
    { label: /^\s*NIK\b/i, value: r.nik },
    { label: anyOf('Nama lengkap', 'Full name'), value: r.name },
    { label: anyOf('Tempat lahir', 'Place of birth'), value: r.placeOfBirth },
    { date: true, label: anyOf('Tanggal lahir', 'Date of birth'), value: r.birth },
    r.sex === 'female'
      ? { choice: true, label: anyOf('Jenis kelamin', 'Sex'), option: /^(perempuan|female)$/i, value: 'female' }
      : { choice: true, label: anyOf('Jenis kelamin', 'Sex'), option: /^(laki-laki|male)$/i, value: 'male' },
    { choice: true, label: anyOf('Golongan darah', 'Blood type'), option: /^(O|o)$/, value: 'o', optional: true },
    { label: anyOf('Alamat', 'Jalan', 'Street', 'Address'), value: r.street },
    { label: /^\s*RT\b/i, value: r.rt },
    { label: /^\s*RW\b/i, value: r.rw },
    { label: anyOf('Kelurahan', 'Desa', 'Village'), value: r.village },
    { label: anyOf('Kecamatan', 'District'), value: r.district },
    { label: anyOf('Kabupaten', 'Kota', 'Regency', 'City'), value: r.regency },
    { label: anyOf('Provinsi', 'Province'), value: r.province },
    { choice: true, label: anyOf('Agama', 'Religion'), option: /^islam$/i, value: 'islam' },
    { choice: true, label: anyOf('Status perkawinan', 'Marital status', 'Status kawin'), option: /^(belum kawin|not married|single|unmarried)$/i, value: 'belum_kawin' },
    { label: anyOf('Pekerjaan', 'Occupation'), value: r.occupation },
    { choice: true, label: anyOf('Kewarganegaraan', 'Citizenship'), option: /^(WNI|indonesia|indonesian)/i, value: 'wni', optional: true },
  ];
}

/** The first form control labelled `label` (inputs, selects, or a fieldset of radios). */
async function control(page, label) {
  const byLabel = page.getByLabel(label);
  if ((await byLabel.count()) > 0) return byLabel.first();
  const group = page.getByRole('group', { name: label });
  if ((await group.count()) > 0) return group.first();
  const radios = page.getByRole('radiogroup', { name: label });
  if ((await radios.count()) > 0) return radios.first();
  return null;
}

async function fillChoice(act, el, f) {
  const tag = await el.evaluate((e) => e.tagName);
  if (tag === 'SELECT') {
    const value = await el.evaluate(
      (s, [src, flags, v]) => {
        const re = new RegExp(src, flags);
        const o = [...s.options].find((x) => x.value === v || re.test(x.textContent.trim()));
        return o ? o.value : null;
      },
      [f.option.source, f.option.flags, f.value],
    );
    if (value === null) throw new Error(`no option ${f.option} in the ${f.label} list`);
    await act.select(el, value);
    return;
  }
  // A group of radios (fieldset/legend or radiogroup).
  const radio = el.getByRole('radio', { name: f.option });
  if ((await radio.count()) === 0) throw new Error(`no ${f.option} choice under ${f.label}`);
  await act.choose(radio.first());
}

async function fillDate(act, page, el, f) {
  const { year, month, day } = f.value;
  if (el) {
    const type = await el.evaluate((e) => (e.tagName === 'INPUT' ? e.type : e.tagName));
    if (type === 'date' && !act.keyboard) return act.fill(el, `${year}-${month}-${day}`);
    if (type === 'date') {
      // Chromium's date field takes the digits in its own locale's order (headless: month, day,
      // year; an Indonesian desktop: day, month, year): type one, read it back, else the other.
      const want = `${year}-${month}-${day}`;
      await tabTo(page, el);
      for (const digits of [`${day}${month}${year}`, `${month}${day}${year}`, `${year}${month}${day}`]) {
        await page.keyboard.type(digits);
        if ((await el.inputValue()) === want) return;
        // Back out of the field and in again, to its first segment.
        for (let i = 0; i < 5 && (await el.evaluate((e) => e === document.activeElement)); i += 1) {
          await page.keyboard.press('Shift+Tab');
        }
        await page.keyboard.press('Tab');
      }
      throw new Error(`the date field did not take ${want} (it has ${await el.inputValue()})`);
    }
    if (type === "text") return act.fill(el, `${year}-${month}-${day}`);
  }
  // GOV.UK style: three fields (day, month, year).
  await act.fill(page.getByLabel(anyOf('Hari', 'Tanggal', 'Day')).first(), day);
  await act.fill(page.getByLabel(anyOf('Bulan', 'Month')).first(), month);
  await act.fill(page.getByLabel(anyOf('Tahun', 'Year')).first(), year);
}

/** Fills the demographics form with `r` (without submitting). */
export async function fillDemographics(act, r = RESIDENT) {
  const page = act.page;
  for (const f of demographicFields(r)) {
    const el = await control(page, f.label);
    if (f.date) {
      await fillDate(act, page, el, f);
      continue;
    }
    if (!el) {
      if (f.optional) continue;
      throw new Error(`no field labelled ${f.label} on ${page.url()}`);
    }
    if (f.choice) await fillChoice(act, el, f);
    else await act.fill(el, f.value);
  }
}

/** The button (or link styled as one) whose text matches `name`, visible on the page. */
export function button(page, name, scope = 'main') {
  const within = page.locator(scope);
  return within.getByRole('button', { name }).or(within.getByRole('link', { name })).first();
}

export const D = {
  next: anyOf('Lanjut', 'Lanjutkan', 'Continue', 'Next'),
  begin: anyOf('Mulai perekaman', 'Start the enrollment', 'Start enrollment'),
  capturePhoto: anyOf('Ambil foto', 'Take the photo', 'Take photo'),
  approve: anyOf('Ya, setujui foto', 'Yes, approve the photo'),
  retake: anyOf('Tidak, foto ulang', 'No, take it again'),
  signature: anyOf('Mulai tanda tangan', 'Start signing'),
  acceptSignature: anyOf('Terima tanda tangan', 'Accept the signature'),
  captureSlap: anyOf('Ambil Empat jari', 'Ambil Kedua ibu jari', 'Capture: Right four', 'Capture: Left four', 'Capture: Both thumbs', 'Coba lagi', 'Try again'),
  takeSingle: anyOf('Ambil satu per satu', 'Take on its own'),
  captureSingle: anyOf('Ambil jari ini', 'Capture this finger', 'Coba lagi', 'Try again'),
  backToFingers: anyOf('Kembali ke sidik jari', 'Back to the fingerprints'),
  saveException: anyOf('Catat pengecualian', 'Record the exception'),
  amputated: anyOf('Diamputasi', 'Amputated'),
  captureIris: anyOf('Ambil Iris', 'Capture: Left iris', 'Capture: Right iris', 'Coba lagi', 'Try again'),
  askSupervisor: anyOf('Minta supervisor menyetujui', 'Ask a supervisor to approve'),
  finalize: anyOf('Selesaikan dan segel', 'Finalize and seal'),
  supervisorApprove: anyOf('Setujui perekaman', 'Approve the enrollment'),
  supervisorId: anyOf('ID supervisor', 'Supervisor id'),
  print: anyOf('Cetak', 'Print'),
};

/** The left ring finger, as the diagram names it. */
export const LEFT_RING = anyOf('Jari manis kiri', 'Manis kiri', 'Left ring finger', 'Left ring');


/** The screen `page` shows now (its `<main data-screen>`), or null between pages. */
export async function screenName(page) {
  return page
    .locator('main[data-screen]')
    .first()
    .getAttribute('data-screen', { timeout: 1000 })
    .catch(() => null);
}

/** Marks the page's document, so `loaded` can tell when another one has replaced it. */
async function mark(page) {
  await page.evaluate(() => {
    window.rekamOld = true;
  });
}

/** Waits until a new document (after `mark`) shows a screen; returns its name. */
export async function loaded(page, timeout = 60_000) {
  const until = Date.now() + timeout;
  while (Date.now() < until) {
    const fresh = await page
      .evaluate(() => !window.rekamOld && document.readyState !== 'loading' && document.querySelector('main[data-screen]') !== null)
      .catch(() => false);
    if (fresh) return screenName(page);
    await page.waitForTimeout(100);
  }
  throw new Error(`no new page within ${timeout} ms (still ${page.url()})`);
}

/** Presses `locator` and waits for the page it leads to. */
export async function go(act, locator, timeout = 60_000) {
  await mark(act.page);
  await act.press(locator);
  return loaded(act.page, timeout);
}

/** Waits until the first preview image in `main` has shown a frame. */
export async function previewShows(page, timeout = 15_000) {
  const img = page.locator('main img[src*="preview"], main img[src*=".mjpg"]').first();
  await img.waitFor({ state: 'visible', timeout });
  await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle(), { timeout });
}

async function visible(locator) {
  return (await locator.count()) > 0 && (await locator.isVisible());
}

/**
 * The desk's steps, each handled on its screen, until a screen whose name matches `until`:
 * demographics (`who`), the face with the resident approving on `resident` (an operator of a
 * page of the same browser on /resident), the signature, the slaps with `except` (a finger's
 * name on the diagram) excepted as amputated, irises, the supervisor's approval, review and
 * finalize. Every screen passed is checked (screenshot, axe). Returns the screens' names.
 */
export async function enroll(s, act, resident, { except = LEFT_RING, supervisor, who = RESIDENT, until = /slip/ } = {}) {
  const page = act.page;
  const seen = [];
  let excepted = false;
  let name = await screenName(page);
  for (let step = 0; step < 60; step += 1) {
    if (!name) name = await loaded(page);
    if (seen.at(-1) !== name) {
      seen.push(name);
      await s.check(page, name);
    }
    if (until.test(name)) return seen;
    const at = page.url();
    if (/home/.test(name)) {
      name = await go(act, button(page, W.newEnrollment, 'body'));
    } else if (/start/.test(name)) {
      await fillDemographics(act, who);
      name = await go(act, button(page, D.begin));
      if (name === 'desk-start') throw new Error(`the start form was refused: ${await page.locator('main').innerText()}`);
    } else if (/face/.test(name)) {
      name = await faceStep(s, act, resident);
    } else if (/signature/.test(name)) {
      const accept = button(page, D.acceptSignature);
      if (await visible(accept)) {
        name = await go(act, accept);
      } else {
        name = await go(act, button(page, D.signature));
        await s.check(page, `${name}-signed`);
      }
    } else if (/exception/.test(name)) {
      if (await visible(page.getByRole('radio', { name: D.amputated }))) {
        await act.choose(page.getByRole('radio', { name: D.amputated }).first());
        name = await go(act, button(page, D.saveException));
      } else {
        name = await go(act, button(page, D.backToFingers));
      }
    } else if (/single/.test(name)) {
      const capture = button(page, D.captureSingle);
      name = await go(act, (await visible(capture)) ? capture : button(page, D.backToFingers));
    } else if (/finger/.test(name)) {
      if (!excepted && except) {
        excepted = true;
        name = await go(act, page.locator('main').getByRole('link', { name: except }).first());
        await s.check(page, 'desk-finger-exception');
        continue;
      }
      const capture = button(page, D.captureSlap);
      const single = button(page, D.takeSingle);
      if (await visible(capture)) name = await go(act, capture);
      else if (await visible(single)) name = await go(act, single);
      else name = await go(act, button(page, D.next));
    } else if (/iris/.test(name)) {
      const capture = button(page, D.captureIris);
      name = await go(act, (await visible(capture)) ? capture : button(page, D.next));
    } else if (/approval/.test(name)) {
      await act.fill(page.getByLabel(D.supervisorId).first(), supervisor.id);
      await act.fill(page.getByLabel(W.password).first(), supervisor.password);
      name = await go(act, button(page, D.supervisorApprove));
    } else if (/review/.test(name)) {
      const finalize = button(page, D.finalize);
      name = await go(act, (await visible(finalize)) ? finalize : button(page, D.askSupervisor));
    } else {
      const next = button(page, D.next);
      if (!(await visible(next))) throw new Error(`no way forward on screen ${name} (${at})`);
      name = await go(act, next);
    }
  }
  throw new Error(`not at ${until} after 60 steps: ${seen.join(' > ')}`);
}

/** The face: preview, photo, the resident's approval on their screen; returns the next screen. */
async function faceStep(s, act, resident) {
  const page = act.page;
  if (await visible(button(page, D.capturePhoto))) {
    await previewShows(page);
    await s.check(page, 'desk-face-preview');
    await go(act, button(page, D.capturePhoto));
  }
  // The photo waits for the resident, who sees it on their own screen and approves it there.
  const rp = resident.page;
  if (!/\/resident/.test(rp.url())) await rp.goto('/resident');
  const ok = button(rp, D.approve);
  await ok.waitFor({ state: 'visible', timeout: 30_000 });
  await s.check(page, 'desk-face-waiting');
  await s.screen(rp, 'resident');
  await mark(page);
  await go(resident, ok);
  await s.check(rp, 'resident-approved');
  // The desk notices by itself (it polls every second) and moves on.
  return loaded(page, 15_000);
}
