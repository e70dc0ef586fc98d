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
    { label: anyOf('Nama lengkap', 'Full name', 'Nama'), value: r.name },
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
      // Chromium's date field takes the digits in the locale's order (id-ID: day, month, year).
      await tabTo(page, el);
      await page.keyboard.type(`${day}${month}${year}`);
      return;
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
  next: anyOf('Lanjut', 'Lanjutkan', 'Berikutnya', 'Continue', 'Next', 'Simpan dan lanjut', 'Save and continue'),
  begin: anyOf('Mulai', 'Start', 'Lanjut', 'Lanjutkan', 'Continue', 'Simpan', 'Save', 'Mulai perekaman', 'Start enrollment'),
  capturePhoto: anyOf('Ambil foto', 'Take photo', 'Capture photo', 'Potret', 'Capture'),
  approve: anyOf('Setuju', 'Setujui', 'Saya setuju', 'Approve', 'I approve', 'Yes, approve'),
  retake: anyOf('Foto ulang', 'Ulangi', 'Retake'),
  signature: anyOf('Mulai tanda tangan', 'Ambil tanda tangan', 'Start signing', 'Capture signature', 'Tanda tangan', 'Sign'),
  acceptSignature: anyOf('Terima', 'Accept', 'Simpan tanda tangan', 'Accept signature'),
  captureSlap: anyOf('Ambil', 'Rekam', 'Pindai', 'Capture', 'Scan'),
  exception: anyOf('Pengecualian', 'Exception', 'Tandai', 'Mark'),
  saveException: anyOf('Simpan', 'Save', 'Simpan pengecualian', 'Save exception'),
  amputated: anyOf('Diamputasi', 'Amputasi', 'Amputated'),
  captureIris: anyOf('Ambil iris', 'Pindai iris', 'Capture irises', 'Capture iris', 'Scan irises'),
  finalize: anyOf('Selesaikan', 'Finalisasi', 'Finalize', 'Finalise', 'Selesai', 'Kunci dan kirim'),
  supervisorApprove: anyOf('Setujui', 'Approve', 'Setujui perekaman', 'Approve enrollment'),
  supervisorId: anyOf('ID supervisor', 'Supervisor ID', 'ID penyelia', 'ID operator', 'Operator ID'),
  print: anyOf('Cetak', 'Print', 'Cetak bukti', 'Print slip'),
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

/** Waits until the page leaves `name` at `url` (another screen, or the same screen elsewhere). */
export async function leaves(page, name, url, timeout = 30_000) {
  const until = Date.now() + timeout;
  while (Date.now() < until) {
    const now = await screenName(page);
    if (now && (now !== name || page.url() !== url)) return now;
    await page.waitForTimeout(100);
  }
  throw new Error(`still on ${name} (${url}) after ${timeout} ms`);
}

/** Waits until the first preview image in `main` has shown a frame. */
export async function previewShows(page, timeout = 15_000) {
  const img = page.locator('main img[src*="preview"], main img[src*="live"], main img[src*="stream"], main canvas').first();
  await img.waitFor({ state: 'visible', timeout });
  await page.waitForFunction(
    (el) => (el.tagName === 'CANVAS' ? el.width > 0 : el.complete && el.naturalWidth > 0),
    await img.elementHandle(),
    { timeout },
  );
}

/**
 * The desk's steps, each handled on its screen until the slip: demographics, the face with the
 * resident approving on `resident` (a page in the same browser, on /resident), the signature,
 * the slaps with `except` (a finger's name on the diagram) excepted as amputated, irises, the
 * supervisor's approval, review and finalize. Returns the screens passed, in order.
 */
export async function enroll(s, act, resident, { except = LEFT_RING, supervisor, who = RESIDENT, until = /slip/ } = {}) {
  const page = act.page;
  const seen = [];
  let excepted = false;
  let approved = false;
  for (let step = 0; step < 40; step += 1) {
    const name = await screenName(page);
    const url = page.url();
    if (!name) {
      await page.waitForTimeout(100);
      continue;
    }
    if (seen.at(-1) !== name) {
      seen.push(name);
      await s.check(page, name);
    }
    if (until.test(name)) return seen;
    if (/home/.test(name)) {
      await act.press(button(page, W.newEnrollment, 'body'));
    } else if (/start|demograph|nik/.test(name)) {
      await fillDemographics(act, who);
      await act.press(button(page, D.begin));
    } else if (/face|photo|foto/.test(name)) {
      await faceStep(s, act, resident);
    } else if (/sign/.test(name)) {
      await act.press(button(page, D.signature));
      const accept = button(page, D.acceptSignature);
      await accept.waitFor({ state: 'visible', timeout: 30_000 });
      await s.check(page, `${name}-signed`);
      await act.press(accept);
    } else if (/finger|slap|jari/.test(name)) {
      if (!excepted && except) {
        await exceptFinger(s, act, except);
        excepted = true;
        continue;
      }
      await act.press(button(page, D.captureSlap));
    } else if (/iris/.test(name)) {
      await act.press(button(page, D.captureIris));
    } else if (/approv|supervis/.test(name) || (/review/.test(name) && !approved && (await needsApproval(page)))) {
      await approve(s, act, supervisor);
      approved = true;
    } else if (/review/.test(name)) {
      await act.press(button(page, D.finalize));
    } else {
      const next = button(page, D.next);
      if ((await next.count()) === 0) throw new Error(`no way forward on screen ${name} (${url})`);
      await act.press(next);
    }
    await leaves(page, name, url, 60_000).catch(async (e) => {
      // A step that stays on its screen (the next slap, a retake) is handled again.
      if (!/finger|slap|jari|iris/.test(name)) throw e;
    });
  }
  throw new Error(`no slip after 40 steps: ${seen.join(' > ')}`);
}

async function faceStep(s, act, resident) {
  const page = act.page;
  await previewShows(page);
  await s.check(page, 'desk-face-preview');
  await act.press(button(page, D.capturePhoto));
  // The resident sees the photo on their own screen and approves it there.
  const rp = resident.page;
  if (!/\/resident/.test(rp.url())) await rp.goto('/resident');
  const ok = button(rp, D.approve);
  await ok.waitFor({ state: 'visible', timeout: 30_000 });
  await s.screen(rp, 'resident');
  await resident.press(ok);
  // The desk moves on by itself, or offers to.
  const url = page.url();
  const moved = await leaves(page, await screenName(page), url, 5_000).catch(() => null);
  if (!moved) {
    const next = button(page, D.next);
    await next.waitFor({ state: 'visible', timeout: 10_000 });
    await act.press(next);
  }
}

/** Excepts `finger` (its name on the diagram) as amputated. */
export async function exceptFinger(s, act, finger) {
  const page = act.page;
  // On the two-hand diagram: the finger itself is the control.
  await act.press(page.locator('main').getByRole('button', { name: finger }).or(page.locator('main').getByRole('link', { name: finger })).first());
  await page.getByRole('radio', { name: D.amputated }).or(page.getByLabel(D.amputated)).first().waitFor();
  await s.check(page, 'desk-finger-exception');
  await act.choose(page.getByRole('radio', { name: D.amputated }).first());
  await act.press(button(page, D.saveException));
}

async function needsApproval(page) {
  return (await page.getByLabel(D.supervisorId).count()) > 0;
}

async function approve(s, act, supervisor) {
  const page = act.page;
  await s.check(page, 'desk-supervisor-approval');
  await act.fill(page.getByLabel(D.supervisorId).first(), supervisor.id);
  await act.fill(page.getByLabel(W.password).first(), supervisor.password);
  await act.press(button(page, D.supervisorApprove));
}
