// Opens pg_migrate's HTML reports in headless Chromium through ChromeDriver
// (the W3C WebDriver protocol, over node's own fetch) and checks what a
// person would see: the fleet matrix, a failure shown as a failure, the
// migrations listed, no network access, a phone's width, a printout.
//   node browser_check.mjs DRIVER_URL FLEET_HTML ONE_HTML ARTIFACT_DIR
// Prints "ok - ..." / "not ok - ..." lines; exits 1 when a check failed.
import { writeFileSync } from 'node:fs';

const [driver, fleetPage, onePage, artifacts] = process.argv.slice(2);
let failed = 0;
function check(name, ok, detail) {
  console.log(`${ok ? 'ok' : 'not ok'} - ${name}`);
  if (!ok) { failed++; if (detail !== undefined) console.log(`    got: ${JSON.stringify(detail)}`); }
}

async function call(method, path, body) {
  const response = await fetch(driver + path, {
    method, headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json.value)}`);
  return json.value;
}

const session = await call('POST', '/session', {
  capabilities: { alwaysMatch: { browserName: 'chrome', 'goog:chromeOptions': {
    binary: '/usr/bin/chromium',
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--hide-scrollbars'],
  } } },
});
const sid = session.sessionId;
const run = (script, ...args) => call('POST', `/session/${sid}/execute/sync`, { script, args });
const resize = (width, height) => call('POST', `/session/${sid}/window/rect`, { width, height });
async function screenshot(name) {
  const png = Buffer.from(await call('GET', `/session/${sid}/screenshot`), 'base64');
  writeFileSync(`${artifacts}/${name}`, png);
  return { signature: png.subarray(1, 4).toString(), width: png.readUInt32BE(16), bytes: png.length };
}

try {
  // --- The fleet page ---------------------------------------------------------
  await resize(1280, 1000);
  await call('POST', `/session/${sid}/url`, { url: `file://${fleetPage}` });
  const fleet = await run(`
    const rows = [...document.querySelectorAll('table.matrix tbody tr')];
    const cells = tr => [...tr.querySelectorAll('td.cell')].map(td => td.className.replace('cell ', '') + ':' + td.textContent);
    return {
      labels: rows.map(tr => tr.dataset.database),
      attention: rows.map(tr => tr.dataset.attention),
      cells: Object.fromEntries(rows.map(tr => [tr.dataset.database, cells(tr)])),
      drift: rows.filter(tr => tr.querySelector('.drift')).map(tr => tr.dataset.database + ': ' + tr.querySelector('.drift').title),
      unreadable: rows.filter(tr => tr.classList.contains('unreadable')).map(tr => tr.dataset.database + ':' + tr.textContent.includes('could not be read')),
      linksResolve: rows.every(tr => document.getElementById(tr.querySelector('a').getAttribute('href').slice(1)) !== null),
      resources: performance.getEntriesByType('resource').map(e => e.name),
      external: [...document.querySelectorAll('[src], link[href]')].map(e => e.getAttribute('src') || e.getAttribute('href')).filter(u => !u.startsWith('data:')),
      scripted: document.documentElement.classList.contains('js'),
      revertedShown: [...document.querySelectorAll('section[data-database="rep_revert"] ol.timeline > li[data-status="reverted"]')].map(li => li.dataset.version),
      laterReverted: document.querySelector('section[data-database="rep_revert"] li[data-status="applied"][data-version="004"] .badge.bad')?.textContent,
    };`);
  check('fleet: the matrix has a row per database, in the fleet file\'s order',
        fleet.labels.join() === 'rep_ok,rep_fail,rep_drift,rep_revert,rep_missing', fleet.labels);
  check('fleet: a database at the head is all applied and needs no attention',
        fleet.cells.rep_ok.every(c => c === 'state-applied:\u2713') && fleet.attention[0] === 'no', fleet.cells.rep_ok);
  check('fleet: the failed migration is shown as a failure (a red cross in its column)',
        fleet.cells.rep_fail.join() === 'state-applied:\u2713,state-applied:\u2713,state-failed:\u2717,state-pending:\u00b7',
        fleet.cells.rep_fail);
  check('fleet: drift is marked on the database changed by hand, a verify problem on the one stopped half-way',
        fleet.drift.join('; ') === 'rep_fail: 0 changes outside migrations, 1 verify problem; ' +
                                    'rep_drift: 1 change outside migrations, 3 verify problems', fleet.drift);
  check('fleet: a database that could not be read says so', fleet.unreadable.join() === 'rep_missing:true', fleet.unreadable);
  check('fleet: every row links to its database\'s part', fleet.linksResolve);
  check('fleet: the reverted migration is in its database\'s timeline, its earlier run marked',
        fleet.revertedShown.join() === '004' && fleet.laterReverted === 'reverted later', [fleet.revertedShown, fleet.laterReverted]);
  check('fleet: nothing is fetched from anywhere (styles, script and pictures inline)',
        fleet.resources.length === 0 && fleet.external.length === 0, [fleet.resources, fleet.external]);
  check('fleet: the page\'s script ran', fleet.scripted);

  const box = await call('POST', `/session/${sid}/element`, { using: 'css selector', value: '#only-attention' });
  await call('POST', `/session/${sid}/element/${Object.values(box)[0]}/click`, {});
  const filtered = await run(`return { shown: [...document.querySelectorAll('table.matrix tbody tr:not([hidden])')].map(tr => tr.dataset.database),
                                       count: document.getElementById('shown-count').textContent };`);
  check('fleet: "only those that need attention" hides the database at the head',
        filtered.shown.join() === 'rep_fail,rep_drift,rep_revert,rep_missing' && filtered.count === '4', filtered);

  const desk = await screenshot('fleet-desktop.png');
  check('fleet: a desktop screenshot', desk.signature === 'PNG' && desk.width >= 1200 && desk.bytes > 10000, desk);

  await resize(390, 844);  // a phone
  const phone = await run(`return { page: document.documentElement.scrollWidth, viewport: window.innerWidth,
                                     matrixScrolls: getComputedStyle(document.querySelector('.scroll')).overflowX };`);
  check('fleet on a phone: the page fits the width (the matrix scrolls inside its box)',
        phone.page <= phone.viewport && phone.matrixScrolls === 'auto', phone);
  const small = await screenshot('fleet-phone.png');
  check('fleet on a phone: a screenshot', small.signature === 'PNG' && small.width < 800, small);

  const pdf = Buffer.from(await call('POST', `/session/${sid}/print`, { background: true }), 'base64');
  writeFileSync(`${artifacts}/fleet.pdf`, pdf);
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  check('fleet printed: a PDF, each database on a page of its own', pdf.subarray(0, 4).toString() === '%PDF' && pages >= 5, pages);

  // --- One database's page ----------------------------------------------------
  await resize(1280, 1000);
  await call('POST', `/session/${sid}/url`, { url: `file://${onePage}` });
  const one = await run(`
    const details = document.querySelector('ol.timeline li[data-version="001"] details');
    details.open = true;
    return {
      timeline: [...document.querySelectorAll('ol.timeline > li')].map(li => li.dataset.version + ':' + li.dataset.status),
      failure: document.querySelector('.attention.failed')?.dataset.version,
      failureText: document.querySelector('.attention.failed pre')?.textContent,
      notApplied: [...document.querySelectorAll('table.versions tbody tr')].map(tr => tr.dataset.version + ':' + tr.querySelector('.badge').textContent),
      statement: details.querySelector('pre').textContent,
      statementVisible: details.querySelector('pre').getBoundingClientRect().height > 0,
      objects: [...details.querySelectorAll('ul.objects li')].map(li => li.textContent),
      verify: document.querySelector("p.verify")?.className,
      verifyChecks: [...document.querySelectorAll("table.verify-failures tbody tr td:first-child")].map(td => td.textContent),
    };`);
  check('one database: its migrations listed, newest first', one.timeline.join() === '002:applied,001:applied', one.timeline);
  check('one database: the failed migration shown as a failure, with the server\'s error',
        one.failure === '003' && /relation "a3_i" already exists/.test(one.failureText || ''), [one.failure, one.failureText]);
  check('one database: the versions not applied, failed and pending', one.notApplied.join() === '003:failed,004:pending', one.notApplied);
  check('one database: a migration opens onto its statements and the objects they touched',
        one.statementVisible && /CREATE TABLE a1/.test(one.statement) && one.objects.some(o => /CREATE TABLE public\.a1/.test(o)),
        [one.statement, one.objects]);
  check("one database: the last verify shown, failed for the migration stopped half-way", one.verify === "verify failed" && one.verifyChecks.join() === "incomplete_migration", [one.verify, one.verifyChecks]);
  const oneShot = await screenshot('one-database.png');
  check('one database: a screenshot', oneShot.signature === 'PNG', oneShot);
} finally {
  await call('DELETE', `/session/${sid}`);
}
process.exit(failed === 0 ? 0 : 1);
