// The "Report speeding traffic" journeys in headless Chromium, as a citizen would go
// through them, with JavaScript on (type-ahead) and off (postcode, then the list).
//
//   node tests/browser/journey.mjs <base-url> <artefact-dir>
//
// Every page is screenshotted into <artefact-dir> and checked with axe-core; any
// serious or critical violation fails the run. Each finished journey prints
// `JOURNEY {"name", "reference", "expect"}` for tests/all/report_speeding/browser.rs, which
// then checks that the Notify stand-in received the report, once, for the right council.
//
// Chromium is Debian's (/usr/bin/chromium), started with the flags this machine needs
// (no background networking: the network is closed); Playwright gives it a fresh
// profile directory.

import { createRequire } from 'node:module';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const [base, artefacts] = process.argv.slice(2);
if (!base || !artefacts) {
  console.error('usage: node journey.mjs <base-url> <artefact-dir>');
  process.exit(2);
}
mkdirSync(artefacts, { recursive: true });

const problems = [];
const fail = (message) => {
  problems.push(message);
  console.error(`FAIL ${message}`);
};

/** The JavaScript-enabled context that checks pages a no-JavaScript browser shows. */
let axeContext;

/** Runs axe-core on a page; the page's CSP allows only its own scripts, so the
 * contexts bypass it for axe. Without JavaScript axe cannot run in the page itself: the
 * same HTML, scripts removed, is served at the same URL in a JavaScript-enabled page. */
async function axeResults(page, javaScript) {
  let target = page;
  if (!javaScript) {
    const html = (await page.content()).replace(/<script\b[\s\S]*?<\/script>/gi, '');
    target = await axeContext.newPage();
    await target.route(page.url(), (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    await target.goto(page.url());
  }
  await target.addScriptTag({ content: axeSource });
  const results = await target.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ['violations'] }),
  );
  if (target !== page) await target.close();
  return results;
}

/** Screenshots the page and runs axe-core on it. */
async function record(page, journey, step, name) {
  const file = join(artefacts, `${journey}-${String(step).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  const results = await axeResults(page, !journey.startsWith('nojs'));
  for (const v of results.violations) {
    const line = `${journey} ${name}: axe ${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`;
    if (v.impact === 'serious' || v.impact === 'critical') {
      fail(line);
    } else {
      console.log(`note ${line}`);
    }
  }
}

async function expectText(page, selector, text, what) {
  const found = (await page.locator(selector).first().textContent({ timeout: 10000 }).catch(() => null)) ?? '';
  if (!found.includes(text)) {
    fail(`${what}: expected ${JSON.stringify(text)} in ${selector}, found ${JSON.stringify(found.trim())}`);
  }
}

async function continueButton(page, within = 'main') {
  await Promise.all([page.waitForLoadState('load'), page.locator(`${within} button[type=submit]`).first().click()]);
  await page.waitForLoadState('load');
}

/** One journey; returns the reference number. */
async function journey(browser, { name, javaScript, address, postcode, answers, expect }) {
  const context = await browser.newContext({ javaScriptEnabled: javaScript, bypassCSP: true, viewport: { width: 1024, height: 900 } });
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (m) => {
    // Pages that show errors in a form answer 400 on purpose.
    if (m.type() === 'error' && !m.text().includes('status of 400')) consoleErrors.push(m.text());
  });
  let step = 0;
  await page.goto(`${base}/report-speeding/`);
  await record(page, name, ++step, 'start');

  // By keyboard: the focus order is the skip link, the header's links, then the
  // start button, which Enter activates.
  const order = [];
  for (let i = 0; i < 8 && order[order.length - 1] !== 'Start now'; i++) {
    await page.keyboard.press('Tab');
    order.push(await page.evaluate(() => document.activeElement?.textContent?.trim()));
  }
  const expected = ['Skip to main content', 'Trafford Council', 'Report speeding traffic', 'Start now'];
  if (JSON.stringify(order) !== JSON.stringify(expected)) fail(`${name}: focus order ${JSON.stringify(order)}`);
  await Promise.all([page.waitForURL('**/report-speeding/postcode'), page.keyboard.press('Enter')]);
  await record(page, name, ++step, 'find-address');

  if (javaScript) {
    // The type-ahead replaces the postcode step.
    const input = page.locator('#typeahead-input');
    await input.waitFor({ state: 'visible', timeout: 10000 });
    const label = await page.evaluate(() => document.querySelector('label[for="typeahead-input"]')?.textContent);
    if (label !== 'Address') fail(`${name}: the type-ahead has no label`);
    await input.fill(address);
    const option = page.locator('#typeahead-input__listbox li').first();
    await option.waitFor({ state: 'visible', timeout: 10000 });
    await record(page, name, ++step, 'type-ahead');
    await option.click();
    await continueButton(page, '#typeahead');
  } else {
    if (await page.locator('#typeahead').isVisible()) fail(`${name}: the type-ahead shows without JavaScript`);
    // An empty postcode: the error summary links to the field.
    await continueButton(page, 'form[action$="/postcode"]');
    await expectText(page, '.govuk-error-summary', 'Enter a postcode', `${name} empty postcode`);
    const title = await page.title();
    if (!title.startsWith('Error: ')) fail(`${name}: the error page's title is ${JSON.stringify(title)}`);
    await record(page, name, ++step, 'postcode-error');
    await page.getByLabel('Postcode').fill(postcode);
    await continueButton(page, 'form[action$="/postcode"]');
    await record(page, name, ++step, 'select-address');
    const options = await page.locator('#uprn option').allTextContents();
    const wanted = options.find((o) => o.toUpperCase().startsWith(address.toUpperCase()));
    if (!wanted) throw new Error(`${name}: ${address} is not in ${JSON.stringify(options.slice(0, 5))}`);
    await page.getByLabel('Select the address').selectOption({ label: wanted });
    await continueButton(page);
  }

  for (const [id, value] of answers) {
    await page.waitForURL(`**/report-speeding/question/${id}`);
    await record(page, name, ++step, `question-${id}`);
    await page.locator(`input[name="answer"][value="${value}"]`).check();
    await continueButton(page);
  }

  await page.waitForURL('**/report-speeding/details');
  await record(page, name, ++step, 'details');
  // Submitting nothing shows every error; with JavaScript the summary takes focus.
  await continueButton(page);
  await expectText(page, '.govuk-error-summary', 'Enter where on the road the speeding happens', `${name} details errors`);
  if (javaScript) {
    const focused = await page.evaluate(() => document.activeElement?.closest('.govuk-error-summary') !== null);
    if (!focused) fail(`${name}: the error summary does not take focus`);
  }
  await record(page, name, ++step, 'details-errors');
  await page.getByLabel('Where on the road does the speeding happen?').fill('Between the school and the shops');
  await page.getByLabel('When does it happen?').fill('Weekday mornings, 8am to 9am');
  await page.getByLabel('Cars').check();
  await page.getByLabel('Motorbikes').check();
  await page.getByLabel('Describe the speeding').fill('Cars race past the school gate every morning.');
  await continueButton(page);

  await page.waitForURL('**/report-speeding/check');
  await expectText(page, '#recipient', expect, `${name} check page`);
  await record(page, name, ++step, 'check-answers');
  await Promise.all([page.waitForURL('**/report-speeding/confirmation'), page.getByRole('button', { name: 'Send report' }).click()]);
  await expectText(page, '.govuk-panel__title', 'Report received', `${name} confirmation`);
  await expectText(page, '#body-name', expect, `${name} confirmation`);
  await record(page, name, ++step, 'confirmation');
  const reference = (await page.locator('#reference').textContent()).trim();
  if (!/^SPD-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$/.test(reference)) fail(`${name}: reference ${reference}`);
  // Content-Security-Policy violations and script errors show up as console errors.
  for (const e of consoleErrors) fail(`${name}: console error: ${e}`);
  await context.close();
  console.log(`JOURNEY ${JSON.stringify({ name, reference, expect })}`);
  return reference;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
axeContext = await browser.newContext({ bypassCSP: true, viewport: { width: 1024, height: 900 } });
const parish = [
  ['speed-limit', 'yes'],
  ['speedwatch', 'yes'],
  ['pattern', 'particular-times'],
];
// Issue 10, item 12: accessible-autocomplete puts a suggestion's template into the
// page as HTML. An address with markup in it (the suggestions answer is replaced here,
// as a gazetteer with such a name would give it) must show as text, never as elements.
async function suggestionsAreText(browser) {
  const context = await browser.newContext({ viewport: { width: 1024, height: 900 } });
  const page = await context.newPage();
  const hostile = '<img id="injected" src="data:,"><b id="bold">1 Hostile Road</b>';
  await page.route('**/report-speeding/address-suggestions*', (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ results: [{ uprn: '1', address: hostile }] }) }));
  await page.goto(`${base}/report-speeding/`);
  await Promise.all([page.waitForURL('**/report-speeding/postcode'), page.click('button.govuk-button--start')]);
  const input = page.locator('#typeahead-input');
  await input.waitFor({ state: 'visible', timeout: 10000 });
  await input.fill('1 Hostile');
  const option = page.locator('#typeahead-input__listbox li').first();
  await option.waitFor({ state: 'visible', timeout: 10000 });
  const shown = await option.textContent();
  const injected = await page.evaluate(() => Boolean(document.getElementById('injected') || document.getElementById('bold')));
  if (injected) fail('a suggestion label was inserted as HTML (issue 10, item 12)');
  if (!shown.includes('<img id="injected"')) fail(`the suggestion does not show its text as typed: ${JSON.stringify(shown)}`);
  await context.close();
}

try {
  await suggestionsAreText(browser);
  await journey(browser, { name: 'js-partington', javaScript: true, address: '1 Moor Drive Partington', answers: parish, expect: 'Partington Town Council' });
  await journey(browser, { name: 'js-sale', javaScript: true, address: '1 Carrington Lane Sale', answers: parish, expect: 'Trafford Council' });
  await journey(browser, { name: 'nojs-partington', javaScript: false, address: '1, MOOR DRIVE', postcode: 'M31 4AN', answers: parish, expect: 'Partington Town Council' });
  await journey(browser, { name: 'nojs-sale', javaScript: false, address: '1, CARRINGTON LANE', postcode: 'M33 0AF', answers: parish, expect: 'Trafford Council' });
} catch (e) {
  fail(`journey stopped: ${e.stack || e}`);
} finally {
  await browser.close();
}
if (problems.length > 0) {
  console.error(`${problems.length} problem(s)`);
  process.exit(1);
}
console.log('all journeys passed');
