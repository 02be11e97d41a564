// The page: tabs of one deployment, linted together by the engine as you type; findings,
// fixes, the generator and ACL DRYRUN. Every verdict comes from the engine (engine.js); this
// module only moves text and JSON between the DOM, CodeMirror and the engine.
import './style.css';
import * as engine from './engine.js';
import { EXAMPLE } from './example.js';
import { createState, createView, showDiagnostics, gotoLine, charColumnToOffset } from './editor.js';
import { renderMarkdown, stripFrontMatter } from './markdown.js';
// fflate (zip, share links) is loaded when first used: the first load stays small.
const share = () => import('./share.js');
const fflate = () => import('fflate');

const $ = (id) => document.getElementById(id);
const LINT_DELAY_MS = 150;

/** @type {{path: string, host_path: string, view: import('@codemirror/view').EditorView}[]} */
let tabs = [];
let active = 0;
let lastReport = null;
let lintSeq = 0;
let lintTimer = 0;
let strengthAsked = false; // the password-strength module was asked for (once)
const rulePages = new Map(); // code → Promise<string|null>

// ---------------------------------------------------------------------------------------
// Tabs

function tabText(tab) {
  return tab.view.state.doc.toString();
}

function files() {
  return tabs.map((t) => ({ path: t.path, host_path: t.host_path, text: tabText(t) }));
}

/** A tab named redlint.toml is the run's settings (as the CLI finds it), not a checked file. */
const isSettings = (t) => basename(t.path) === 'redlint.toml';

/** The files the engine checks (the settings tab goes as `config`). */
function checkedFiles() {
  return tabs.filter((t) => !isSettings(t)).map((t) => ({ path: t.path, host_path: t.host_path, text: tabText(t) }));
}

function basename(p) {
  return p.replace(/\/+$/, '').split('/').pop() || p;
}

/** A display name no other tab has (findings name their file by it). */
function uniqueName(name, except = null) {
  const taken = new Set(tabs.filter((t) => t !== except).map((t) => t.path));
  if (!taken.has(name)) return name;
  for (let i = 2; ; i++) {
    const candidate = `${name} (${i})`;
    if (!taken.has(candidate)) return candidate;
  }
}

function makeTab(path, hostPath, text) {
  const tab = { path, host_path: hostPath, view: null };
  tab.view = createView(createState(text, {
    onChange: () => scheduleLint(),
    hover: (view, pos) => ruleHover(tab, pos),
    label: `Contents of ${path}`,
  }));
  return tab;
}

function setFiles(list, { activeIndex = 0 } = {}) {
  for (const t of tabs) t.view.destroy();
  tabs = [];
  for (const f of list) {
    const path = uniqueName(f.path || basename(f.host_path || 'untitled.conf'));
    tabs.push(makeTab(path, f.host_path || guessHostPath(path), f.text ?? ''));
  }
  if (!tabs.length) tabs.push(makeTab('redis.conf', '/etc/redis/redis.conf', ''));
  active = Math.min(activeIndex, tabs.length - 1);
  renderTabs();
  lintNow();
}

/** Add files, replacing tabs that have the same host path. */
function addFiles(list) {
  let last = -1;
  for (const f of list) {
    const i = tabs.findIndex((t) => t.host_path === f.host_path);
    if (i >= 0) {
      const view = tabs[i].view;
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: f.text } });
      last = i;
    } else {
      tabs.push(makeTab(uniqueName(f.path), f.host_path, f.text));
      last = tabs.length - 1;
    }
  }
  if (last >= 0) selectTab(last);
  lintNow();
}

function guessHostPath(name) {
  return name.startsWith('/') ? name : `/etc/redis/${name}`;
}

function renderTabs() {
  const bar = $('tabs');
  // Re-rendering replaces the buttons: keep keyboard focus on the active tab if it was there.
  const hadFocus = bar.contains(document.activeElement);
  bar.replaceChildren(...tabs.map((t, i) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.role = 'tab';
    b.id = `tab-${i}`;
    b.className = 'tab';
    b.dataset.path = t.host_path;
    b.title = t.host_path;
    b.setAttribute('aria-selected', String(i === active));
    b.setAttribute('aria-controls', 'tabpanel');
    b.tabIndex = i === active ? 0 : -1;
    const name = document.createElement('span');
    name.textContent = t.path;
    b.append(name);
    const n = countFor(t.path);
    if (n) {
      const badge = document.createElement('span');
      badge.className = `badge sev-${n.worst}`;
      badge.textContent = String(n.count);
      badge.setAttribute('aria-label', `${n.count} finding${n.count === 1 ? '' : 's'}`);
      b.append(badge);
    }
    b.addEventListener('click', () => selectTab(i));
    return b;
  }));
  $('tabpanel').setAttribute('aria-labelledby', `tab-${active}`);
  const tab = tabs[active];
  $('tab-name').value = tab.path;
  $('tab-host-path').value = tab.host_path;
  $('tab-remove').disabled = tabs.length <= 1;
  const holder = $('editor');
  if (holder.firstChild !== tab.view.dom) holder.replaceChildren(tab.view.dom);
  if (hadFocus) $(`tab-${active}`).focus();
  renderAclFiles();
}

function selectTab(i, { focusTab = false } = {}) {
  active = Math.max(0, Math.min(i, tabs.length - 1));
  renderTabs();
  tabs[active].view.requestMeasure();
  if (focusTab) $(`tab-${active}`).focus();
}

function countFor(path) {
  if (!lastReport) return null;
  const mine = lastReport.findings.filter((f) => f.file === path);
  if (!mine.length) return null;
  const order = ['error', 'warning', 'info'];
  const worst = order.find((s) => mine.some((f) => f.severity === s)) || 'info';
  return { count: mine.length, worst };
}

function wireTabs() {
  $('tabs').addEventListener('keydown', (e) => {
    const moves = { ArrowRight: active + 1, ArrowLeft: active - 1, Home: 0, End: tabs.length - 1 };
    if (!(e.key in moves)) return;
    e.preventDefault();
    selectTab((moves[e.key] + tabs.length) % tabs.length, { focusTab: true });
  });
  $('add-tab').addEventListener('click', () => {
    const name = uniqueName('new.conf');
    tabs.push(makeTab(name, uniqueHostPath(guessHostPath(name)), ''));
    selectTab(tabs.length - 1);
    $('tab-name').focus();
    $('tab-name').select();
  });
  $('tab-remove').addEventListener('click', () => {
    if (tabs.length <= 1) return;
    tabs[active].view.destroy();
    tabs.splice(active, 1);
    selectTab(Math.min(active, tabs.length - 1), { focusTab: true });
    lintNow();
  });
  $('tab-name').addEventListener('change', (e) => {
    const name = e.target.value.trim();
    if (!name) { e.target.value = tabs[active].path; return; }
    tabs[active].path = uniqueName(name, tabs[active]);
    renderTabs();
    lintNow();
  });
  $('tab-host-path').addEventListener('change', (e) => {
    let host = e.target.value.trim();
    if (!host) { e.target.value = tabs[active].host_path; return; }
    if (!host.startsWith('/')) host = `/${host}`;
    tabs[active].host_path = host;
    renderTabs();
    lintNow();
  });
}

function uniqueHostPath(p) {
  const taken = new Set(tabs.map((t) => t.host_path));
  if (!taken.has(p)) return p;
  const dot = p.lastIndexOf('.');
  for (let i = 2; ; i++) {
    const c = dot > p.lastIndexOf('/') ? `${p.slice(0, dot)}-${i}${p.slice(dot)}` : `${p}-${i}`;
    if (!taken.has(c)) return c;
  }
}

// ---------------------------------------------------------------------------------------
// Lint

function hostRequest() {
  const req = { redis_build: $('redis-build').value };
  const host = {};
  const mem = $('host-memory').value.trim();
  if (mem) host.memory = /^\d+$/.test(mem) ? Number(mem) : mem;
  const cpus = parseInt($('host-cpus').value, 10);
  if (cpus > 0) host.cpus = cpus;
  if (Object.keys(host).length) req.host = host;
  return req;
}

function lintRequest(extra = {}) {
  const req = { files: checkedFiles(), ...hostRequest(), ...extra };
  const settings = tabs.find(isSettings);
  if (settings) req.config = tabText(settings);
  return req;
}

function scheduleLint() {
  clearTimeout(lintTimer);
  lintTimer = setTimeout(lintNow, LINT_DELAY_MS);
}

async function lintNow() {
  clearTimeout(lintTimer);
  const seq = ++lintSeq;
  let report;
  try {
    report = await engine.check(lintRequest());
  } catch (e) {
    if (seq === lintSeq) showLintError(e.message);
    return;
  }
  if (seq !== lintSeq) return; // a newer edit is being linted
  showLintError(null);
  applyReport(report);
  // The password-strength dictionaries may come as a second module: load it, then re-lint.
  // (looked up by name: older engine builds have no loadStrength)
  const loadStrength = Reflect.get(engine, 'loadStrength');
  if (!strengthAsked && loadStrength && report.notices?.some((n) => n.kind === 'strength-pending')) {
    strengthAsked = true;
    loadStrength().then(() => lintNow(), () => { /* RL401 stays pending; the notice says so */ });
  }
}

function showLintError(message) {
  const el = $('lint-error');
  el.hidden = !message;
  el.textContent = message ? `The engine refused the request: ${message}` : '';
}

function applyReport(report) {
  lastReport = report;
  window.redlint.lastReport = report;
  for (const tab of tabs) {
    const mine = report.findings.filter((f) => f.file === tab.path);
    showDiagnostics(tab.view, mine.map((f) => diagnostic(tab, f)).filter(Boolean));
  }
  renderTabs();
  renderFindings(report);
  renderSummary(report);
  renderAclFiles();
  if (document.body.dataset.state !== 'ready') {
    document.body.dataset.state = 'ready';
    resolveReady?.();
    // After the first findings: fetch the zip/share code too, so it works offline later.
    setTimeout(() => { share().catch(() => {}); fflate().catch(() => {}); }, 1000);
  }
}

/** A finding as a CodeMirror diagnostic: its range from line/column (columns count characters). */
function diagnostic(tab, f) {
  const doc = tab.view.state.doc;
  if (!f.line || f.line > doc.lines) return null;
  const line = doc.line(f.line);
  const from = line.from + charColumnToOffset(line.text, f.column || 1);
  let to = from;
  if (f.end_line && f.end_line <= doc.lines) {
    const endLine = doc.line(f.end_line);
    to = endLine.from + charColumnToOffset(endLine.text, f.end_column || 1);
  }
  if (to <= from) to = Math.min(line.to, Math.max(from + 1, line.to));
  const d = {
    from: Math.min(from, doc.length),
    to: Math.min(Math.max(to, from), doc.length),
    severity: f.severity === 'info' ? 'info' : f.severity,
    source: f.code,
    message: f.help ? `${f.message}\n${f.help}` : f.message,
  };
  if (f.fix) {
    d.actions = [{
      name: f.fix.applicability === 'safe' ? 'Fix' : 'Fix (unsafe)',
      apply: () => quickFix(f),
    }];
  }
  return d;
}

function renderSummary(report) {
  const s = report.summary || {};
  const n = report.findings.length;
  const el = $('summary');
  el.dataset.count = String(n);
  const parts = [`${s.errors ?? 0} error${s.errors === 1 ? '' : 's'}`,
    `${s.warnings ?? 0} warning${s.warnings === 1 ? '' : 's'}`,
    `${s.infos ?? 0} info`];
  const checked = s.files ?? tabs.length;
  const inFiles = `${checked} file${checked === 1 ? '' : 's'}`;
  el.textContent = n ? `${n} finding${n === 1 ? '' : 's'} in ${inFiles}: ${parts.join(', ')}.` : `No findings in ${inFiles}.`;
  const notices = [...(report.notices || [])];
  if (report.not_checked?.length) {
    notices.push({ kind: 'not-checked', message: `Not checked (no known kind): ${report.not_checked.join(', ')}` });
  }
  $('notices').replaceChildren(...notices.map((nt) => {
    const li = document.createElement('li');
    li.dataset.kind = nt.kind;
    li.textContent = (nt.file ? `${nt.file}${nt.line ? `:${nt.line}` : ''}: ` : '') + nt.message;
    if (nt.help) li.title = nt.help;
    return li;
  }));
}

function renderFindings(report) {
  const byFile = new Map(tabs.map((t) => [t.path, []]));
  for (const f of report.findings) {
    if (!byFile.has(f.file)) byFile.set(f.file, []);
    byFile.get(f.file).push(f);
  }
  // The list is rebuilt: put focus back on the item at the same place if it was in the list.
  const items = [...$('findings').querySelectorAll('li.finding')];
  const focused = items.findIndex((li) => li.contains(document.activeElement));
  const groups = [];
  for (const [file, list] of byFile) {
    if (!list.length) continue;
    const section = document.createElement('section');
    section.className = 'file-group';
    const h = document.createElement('h3');
    h.textContent = `${file} (${list.length})`;
    const ul = document.createElement('ul');
    ul.setAttribute('aria-label', `Findings in ${file}`);
    for (const f of list) ul.append(findingItem(f));
    section.append(h, ul);
    groups.push(section);
  }
  $('findings').replaceChildren(...groups);
  if (focused >= 0) {
    const now = $('findings').querySelectorAll('li.finding');
    (now[Math.min(focused, now.length - 1)] || $('summary')).focus();
  }
}

function findingItem(f) {
  const li = document.createElement('li');
  li.className = 'finding';
  li.tabIndex = 0;
  li.dataset.code = f.code;
  li.dataset.file = f.file;
  li.dataset.line = String(f.line ?? '');
  li.dataset.severity = f.severity;
  const sev = document.createElement('span');
  sev.className = `sev sev-${f.severity}`;
  sev.textContent = f.severity;
  const code = document.createElement('span');
  code.className = 'code';
  code.textContent = f.code;
  const where = document.createElement('span');
  where.className = 'where';
  where.textContent = `line ${f.line}`;
  const msg = document.createElement('span');
  msg.className = 'msg';
  msg.textContent = f.message;
  li.append(sev, ' ', code, ' ', where, ' ', msg);
  if (f.fix) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'small';
    b.textContent = f.fix.applicability === 'safe' ? 'Fix' : 'Fix (unsafe)';
    b.setAttribute('aria-label', `Fix ${f.code} at ${f.file} line ${f.line}${f.fix.applicability === 'safe' ? '' : ' (unsafe)'}`);
    b.addEventListener('click', (e) => { e.stopPropagation(); quickFix(f); });
    li.append(' ', b);
  }
  const jump = () => {
    const i = tabs.findIndex((t) => t.path === f.file);
    if (i < 0) return;
    selectTab(i);
    gotoLine(tabs[i].view, f.line || 1, f.column || 1);
    showRule(f.code);
  };
  li.addEventListener('click', jump);
  li.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target === li) { e.preventDefault(); jump(); }
  });
  return li;
}

// ---------------------------------------------------------------------------------------
// Rule pages (fetched from the page's own origin once, rendered without innerHTML)

/**
 * A rule's page, fetched once from the page's own origin (`rules/RLnnn.md`, copied there by
 * build.sh; web/CONTRACT.md). Always fetched, even from an engine build that embeds the pages,
 * so the first load never carries them.
 */
function rulePage(code) {
  if (!/^RL\d{3}$/.test(code)) return Promise.resolve(null);
  if (!rulePages.has(code)) {
    rulePages.set(code, fetch(`rules/${code}.md`)
      .then((res) => (res.ok ? res.text() : null))
      .then((md) => (md === null ? null : stripFrontMatter(md)))
      .catch(() => null));
  }
  return rulePages.get(code);
}

function ruleHover(tab, pos) {
  const f = lastReport?.findings.find((x) => {
    if (x.file !== tab.path) return false;
    const d = diagnostic(tab, x);
    return d && pos >= d.from && pos <= d.to;
  });
  if (!f) return null;
  return {
    pos,
    above: false,
    create() {
      const dom = document.createElement('div');
      dom.className = 'rule-tooltip';
      const h = document.createElement('p');
      h.className = 'rule-tooltip-title';
      h.textContent = `${f.code} — loading the rule's page…`;
      dom.append(h);
      rulePage(f.code).then((md) => {
        if (md) h.replaceWith(renderMarkdown(md));
        else h.textContent = `${f.code}: the rule's page is not available.`;
      });
      return { dom };
    },
  };
}

async function showRule(code) {
  const box = $('rule');
  const md = await rulePage(code);
  $('rule-h').textContent = `Rule page: ${code}`;
  $('rule-page').replaceChildren(md ? renderMarkdown(md) : document.createTextNode('The rule’s page is not available.'));
  box.hidden = false;
}

// ---------------------------------------------------------------------------------------
// Fixes

/** UTF-8 byte offsets → UTF-16 offsets of `text` (finding edits count bytes). */
function byteToUtf16(text) {
  return (byte) => {
    let b = 0;
    let i = 0;
    while (i < text.length && b < byte) {
      const cp = text.codePointAt(i);
      b += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      i += cp > 0xffff ? 2 : 1;
    }
    return i;
  };
}

/**
 * One finding's fix. The engine's fix plan is exact (the finding's own `fix.edits` show
 * secrets as `***`, and are byte offsets), so the fix runs through `engine.fix` limited to the
 * finding's code; of its changes, only those touching this finding's edits are applied, so
 * other findings of the same code stay as they are.
 */
async function quickFix(f) {
  const unsafe = f.fix?.applicability !== 'safe';
  await runFix({ select: [f.code], unsafe_fixes: unsafe }, `${f.code} fixed`, (file, changes) => onlyThisFinding(f, file, changes));
}

/** The changes of `file` that overlap the finding's edits (all of them when none match). */
function onlyThisFinding(f, file, changes) {
  const edits = (f.fix?.edits || []).filter((e) => e.file === file.path);
  if (!edits.length) return file.created ? changes : [];
  const tab = tabs.find((t) => t.path === file.path);
  if (!tab) return changes;
  // Newer engines give the UTF-16 place (`from16`/`to16`); otherwise convert the byte offsets.
  const toUtf16 = byteToUtf16(tabText(tab));
  const ranges = edits.map((e) => (Number.isInteger(e.from16) && Number.isInteger(e.to16)
    ? [e.from16, e.to16] : [toUtf16(e.start), toUtf16(e.end)]));
  const mine = changes.filter((c) => ranges.some(([s, e]) => c.from <= e && c.to >= s));
  return mine.length ? mine : changes;
}

async function runFix(extra, label, pick = (file, changes) => changes) {
  let res;
  try {
    res = await engine.fix(lintRequest(extra));
  } catch (e) {
    $('fix-status').textContent = `Fix failed: ${e.message}`;
    return;
  }
  await applyFix(res, extra, label, pick);
}

/** The diff of a fix response as shown to the user (hunks holding a secret are withheld). */
function diffText(res) {
  const diff = res.diff || {};
  let text = diff.text || '';
  if (diff.withheld_hunks) {
    text += `${text ? '\n' : ''}(${diff.withheld_hunks} hunk${diff.withheld_hunks === 1 ? '' : 's'} in ${diff.withheld_files} file${diff.withheld_files === 1 ? '' : 's'} not shown: they contain a secret. The editor shows the fixed text.)`;
  }
  return text;
}

/** Apply a fix response's changes (each file's as one editor transaction, undoable). */
async function applyFix(res, extra, label, pick = (file, changes) => changes) {
  let changed = 0;
  let dropped = false;
  for (const file of res.files || []) {
    const changes = pick(file, file.changes || []);
    dropped ||= changes.length < (file.changes || []).length;
    if (!changes.length) continue;
    let i = tabs.findIndex((t) => t.path === file.path || t.host_path === file.host_path);
    if (i < 0) {
      if (!file.created) continue;
      const host = file.host_path || guessHostPath(file.path);
      tabs.push(makeTab(uniqueName(basename(file.path)), host, ''));
      i = tabs.length - 1;
    }
    tabs[i].view.dispatch({ changes: changes.map((c) => ({ from: c.from, to: c.to, insert: c.insert })) });
    changed++;
  }
  let text = diffText(res);
  if (dropped && text) text = `(The diff shows every ${extra.select?.join(', ')} fix; only the one you chose was applied.)\n${text}`;
  $('diff').textContent = text || 'Nothing to fix.';
  const applied = Array.isArray(res.applied) ? res.applied.length : (res.applied ?? 0);
  $('fix-status').textContent = changed
    ? `${label}: ${applied} fix${applied === 1 ? '' : 'es'} applied in ${changed} file${changed === 1 ? '' : 's'}.`
    : 'Nothing to fix.';
  renderTabs();
  await lintNow();
}

function wireFix() {
  $('fix-safe').addEventListener('click', () => runFix({}, 'Safe fixes'));
  // Unsafe fixes: compute them first, show their diff in the dialog, apply on confirmation.
  // The dialog is modal, so the files cannot change between the preview and the apply.
  const dialog = $('confirm-dialog');
  let pending = null;
  $('fix-unsafe').addEventListener('click', async () => {
    try {
      pending = await engine.fix(lintRequest({ unsafe_fixes: true }));
    } catch (e) {
      $('fix-status').textContent = `Fix failed: ${e.message}`;
      return;
    }
    $('confirm-diff').textContent = diffText(pending) || 'Nothing to fix.';
    $('confirm-unsafe').disabled = !(pending.files || []).some((f) => f.changes?.length);
    dialog.showModal();
  });
  $('confirm-cancel').addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => { if (dialog.returnValue !== 'apply') pending = null; dialog.returnValue = ''; });
  $('confirm-unsafe').addEventListener('click', async () => {
    const res = pending;
    pending = null;
    dialog.close('apply');
    if (res) await applyFix(res, { unsafe_fixes: true }, 'All fixes');
  });
  $('copy').addEventListener('click', async () => {
    const tab = tabs[active];
    try {
      await navigator.clipboard.writeText(tabText(tab));
      $('fix-status').textContent = `Copied ${tab.path}.`;
    } catch {
      $('fix-status').textContent = 'The browser refused the clipboard; select the text and copy it.';
    }
  });
  $('download').addEventListener('click', () => {
    downloadZip('redlint-deployment.zip', files().map((f) => ({ path: f.host_path, text: f.text })));
  });
}

async function downloadZip(name, list) {
  const { zipSync, strToU8 } = await fflate();
  const entries = {};
  for (const f of list) entries[f.path.replace(/^\/+/, '') || 'file'] = [strToU8(f.text), { level: 6 }];
  const blob = new Blob([zipSync(entries)], { type: 'application/zip' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ---------------------------------------------------------------------------------------
// Generate

let generated = [];

function wireGenerate() {
  $('gen-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const options = { topology: $('gen-topology').value };
    const mem = $('gen-memory').value.trim();
    if (mem) options['host-memory'] = /^\d+$/.test(mem) ? Number(mem) : mem;
    const num = (id) => { const v = parseInt($(id).value, 10); return Number.isFinite(v) ? v : null; };
    if (num('gen-cpus') !== null) options['host-cpus'] = num('gen-cpus');
    if (num('gen-replicas') !== null) options.replicas = num('gen-replicas');
    if (num('gen-sentinels') !== null) options.sentinels = num('gen-sentinels');
    if ($('gen-role').value) options.role = $('gen-role').value;
    options['redis-build'] = $('gen-build').value || $('redis-build').value;
    if ($('gen-tls').checked) options.tls = true;
    try {
      const res = await engine.generate({ options });
      generated = res.files;
      $('gen-status').textContent = `Generated ${generated.length} files.`;
      renderGenerated(0);
    } catch (err) {
      generated = [];
      $('gen-result').hidden = true;
      $('gen-status').textContent = `Cannot generate: ${err.message}`;
    }
  });
  $('gen-tabs').addEventListener('keydown', (e) => {
    const cur = generated.findIndex((_, i) => $(`gen-tab-${i}`)?.getAttribute('aria-selected') === 'true');
    const moves = { ArrowRight: cur + 1, ArrowLeft: cur - 1, Home: 0, End: generated.length - 1 };
    if (!(e.key in moves)) return;
    e.preventDefault();
    renderGenerated((moves[e.key] + generated.length) % generated.length);
    $(`gen-tab-${(moves[e.key] + generated.length) % generated.length}`).focus();
  });
  $('gen-zip').addEventListener('click', () => downloadZip('redlint-generated.zip', generated));
  $('gen-open').addEventListener('click', () => {
    // The editor never holds the generated passwords (a share link could carry them).
    const configs = generated.filter((f) => !/(^|\/)credentials\.env$/.test(f.path));
    setFiles(configs.map((f) => ({ path: f.path.replace(/^\/+/, ''), host_path: `/${f.path.replace(/^\/+/, '')}`, text: f.text })));
    $('gen-status').textContent = `Opened ${configs.length} generated files in the editor (credentials.env stays out).`;
    $(`tab-${active}`).focus();
  });
}

function renderGenerated(sel) {
  $('gen-result').hidden = false;
  $('gen-tabs').replaceChildren(...generated.map((f, i) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.role = 'tab';
    b.id = `gen-tab-${i}`;
    b.className = 'tab';
    b.dataset.path = f.path;
    b.setAttribute('aria-selected', String(i === sel));
    b.setAttribute('aria-controls', 'gen-text');
    b.tabIndex = i === sel ? 0 : -1;
    b.textContent = f.path;
    b.addEventListener('click', () => renderGenerated(i));
    return b;
  }));
  $('gen-text').textContent = generated[sel]?.text ?? '';
  $('gen-text').setAttribute('aria-labelledby', `gen-tab-${sel}`);
}

// ---------------------------------------------------------------------------------------
// ACL DRYRUN

/** Tabs that define users (`user NAME ...` lines), and their user names, for the selects. */
function aclSources() {
  return tabs.map((t) => {
    const users = [];
    for (const line of tabText(t).split('\n')) {
      const m = line.match(/^\s*user\s+(\S+)/i);
      if (m && !users.includes(m[1])) users.push(m[1]);
    }
    return { tab: t, users };
  }).filter((s) => s.users.length);
}

function renderAclFiles() {
  const sel = $('acl-file');
  const sources = aclSources();
  const prev = sel.value;
  sel.replaceChildren(...sources.map((s) => new Option(s.tab.path, s.tab.path)));
  if (sources.some((s) => s.tab.path === prev)) sel.value = prev;
  else if (sources.length) {
    sel.value = (sources.find((s) => /\.acl$/i.test(s.tab.path)) || sources[0]).tab.path;
  }
  renderAclUsers();
}

function renderAclUsers() {
  const sel = $('acl-user');
  const source = aclSources().find((s) => s.tab.path === $('acl-file').value);
  const prev = sel.value;
  const users = source?.users || [];
  sel.replaceChildren(...users.map((u) => new Option(u, u)));
  if (users.includes(prev)) sel.value = prev;
  else if (users.length) sel.value = users.find((u) => u !== 'default') || users[0];
}

function wireAcl() {
  $('acl-file').addEventListener('change', renderAclUsers);
  $('acl-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const out = $('acl-answer');
    const words = $('acl-command').value.trim().split(/\s+/).filter(Boolean);
    if (!words.length || !$('acl-user').value) {
      out.dataset.answer = 'error';
      out.textContent = words.length ? 'No user to ask about: paste an ACL file.' : 'Type a command, e.g. get foo.';
      return;
    }
    try {
      const res = await engine.aclDryrun({
        files: checkedFiles(), file: $('acl-file').value || undefined,
        user: $('acl-user').value, command: words[0], args: words.slice(1),
      });
      out.dataset.answer = res.answer;
      out.textContent = res.answer === 'ok' ? 'OK' : res.text;
      if (res.refused?.length) {
        out.textContent += ` (Redis refuses ${res.refused.length} line${res.refused.length === 1 ? '' : 's'} of ${res.file}: ${res.refused.map((r) => `line ${r.line}`).join(', ')})`;
      }
    } catch (err) {
      out.dataset.answer = 'error';
      out.textContent = err.message;
    }
  });
}

// ---------------------------------------------------------------------------------------
// Drop files / folders, open files

const MAX_FILE = 1 << 20;

async function readEntry(entry, out) {
  if (entry.isFile) {
    const file = await new Promise((res, rej) => entry.file(res, rej));
    out.push({ rel: entry.fullPath.replace(/^\/+/, ''), file });
  } else if (entry.isDirectory) {
    const reader = entry.createReader();
    for (;;) {
      const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
      if (!batch.length) break;
      for (const e of batch) await readEntry(e, out);
    }
  }
}

const HOST_ROOTS = /^(etc|opt|var|usr|srv|home|data)$/;

/**
 * Host path of a dropped file. A folder keeps its layout: a dropped `etc/` (or a folder
 * holding `etc/`, `opt/`, …) stands for the host root; any other folder for /etc/redis. A
 * single file is guessed to be in /etc/redis.
 */
function hostPathFor(rel, fromFolder) {
  const parts = rel.split('/').filter(Boolean);
  if (fromFolder && parts.length > 1) {
    if (HOST_ROOTS.test(parts[0])) return `/${parts.join('/')}`;
    const rest = parts.slice(1);
    if (rest.length > 1 && HOST_ROOTS.test(rest[0])) return `/${rest.join('/')}`;
    return `/etc/redis/${rest.join('/')}`;
  }
  return `/etc/redis/${parts[parts.length - 1]}`;
}

/** True while the tabs are still the untouched example (dropped files then replace it). */
function isUntouchedExample() {
  return tabs.length === EXAMPLE.length
    && tabs.every((t) => EXAMPLE.some((e) => e.host_path === t.host_path && e.text === tabText(t)));
}

async function loadDropped(items) {
  const list = [];
  for (const { rel, file, fromFolder } of items) {
    if (file.size > MAX_FILE) continue;
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (bytes.includes(0)) continue; // binary
    const host = hostPathFor(rel, fromFolder);
    list.push({ path: fromFolder ? host.replace(/^\/(etc\/redis\/)?/, '') : basename(rel), host_path: host, text: new TextDecoder().decode(bytes) });
  }
  if (list.length && isUntouchedExample()) setFiles(list);
  else if (list.length) addFiles(list);
  $('fix-status').textContent = list.length
    ? `Added ${list.length} file${list.length === 1 ? '' : 's'}.`
    : 'No text file to add (binary files and files over 1 MiB are skipped).';
}

function wireDrop() {
  document.addEventListener('dragover', (e) => {
    if (e.dataTransfer?.types?.includes('Files')) { e.preventDefault(); document.body.classList.add('dropping'); }
  });
  document.addEventListener('dragleave', (e) => { if (!e.relatedTarget) document.body.classList.remove('dropping'); });
  document.addEventListener('drop', async (e) => {
    if (!e.dataTransfer?.types?.includes('Files')) return;
    e.preventDefault();
    document.body.classList.remove('dropping');
    const found = [];
    const entries = [...e.dataTransfer.items].map((it) => it.webkitGetAsEntry?.()).filter(Boolean);
    if (entries.length) {
      for (const entry of entries) {
        const out = [];
        await readEntry(entry, out);
        for (const o of out) found.push({ ...o, fromFolder: entry.isDirectory });
      }
    } else {
      for (const file of e.dataTransfer.files) found.push({ rel: file.name, file, fromFolder: false });
    }
    await loadDropped(found);
  });
  $('open-files').addEventListener('change', async (e) => {
    const found = [...e.target.files].map((file) => ({ rel: file.name, file, fromFolder: false }));
    e.target.value = '';
    await loadDropped(found);
  });
}

// ---------------------------------------------------------------------------------------
// Share, theme, host facts

function wireShare() {
  $('share').addEventListener('click', async () => {
    const frag = (await share()).encodeFragment(files());
    history.replaceState(null, '', frag);
    let copied = false;
    try { await navigator.clipboard.writeText(location.href); copied = true; } catch { /* no clipboard */ }
    $('fix-status').textContent = `The link in the address bar now holds these files, secrets replaced by <redacted>${copied ? ' (copied)' : ''}. Nothing was sent anywhere.`;
  });
}

const THEMES = ['system', 'light', 'dark'];

function applyTheme(name) {
  if (name === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = name;
  $('theme').textContent = `Theme: ${name}`;
  $('theme').setAttribute('aria-label', `Colour theme: ${name}`);
}

function wireTheme() {
  let current = 'system';
  try { current = localStorage.getItem('redlint-theme') || 'system'; } catch { /* storage off */ }
  if (!THEMES.includes(current)) current = 'system';
  applyTheme(current);
  $('theme').addEventListener('click', () => {
    current = THEMES[(THEMES.indexOf(current) + 1) % THEMES.length];
    applyTheme(current);
    try { localStorage.setItem('redlint-theme', current); } catch { /* storage off */ }
  });
}

function wireHost() {
  for (const id of ['host-memory', 'host-cpus', 'redis-build']) $(id).addEventListener('input', scheduleLint);
}

// ---------------------------------------------------------------------------------------
// Start

let resolveReady;
window.redlint = {
  ready: new Promise((r) => { resolveReady = r; }),
  setFiles: (list) => { setFiles(list); return window.redlint.ready.then(() => lintNow()).then(() => lastReport); },
  getFiles: () => files(),
  lastReport: null,
  lint: () => lintNow().then(() => lastReport),
};

async function start() {
  wireTabs();
  wireFix();
  wireGenerate();
  wireAcl();
  wireDrop();
  wireShare();
  wireTheme();
  wireHost();
  const shared = location.hash.startsWith('#d=') ? (await share()).decodeFragment(location.hash) : null;
  setFiles(shared || EXAMPLE);
  if (shared) $('fix-status').textContent = 'Loaded the files of a shared link (secrets in it were replaced).';
  if ('serviceWorker' in navigator && location.protocol.startsWith('http')) {
    navigator.serviceWorker.register('./sw.js').catch(() => { /* offline cache is optional */ });
  }
}

start();
