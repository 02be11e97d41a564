// A tiny Markdown renderer for the rule pages (rules/RLnnn.md): headings, paragraphs, lists,
// fenced code, inline code, bold and emphasis, links shown as their text. It builds DOM nodes
// with textContent only — no innerHTML — so nothing in a page can become markup or script.

/** The page without its `---` front matter. */
export function stripFrontMatter(md) {
  if (!md.startsWith('---')) return md;
  const end = md.indexOf('\n---', 3);
  if (end < 0) return md;
  const after = md.indexOf('\n', end + 4);
  return after < 0 ? '' : md.slice(after + 1);
}

/** Inline spans: `code`, **bold**, *em* / _em_, [text](url) → text. */
function inline(parent, text) {
  const re = /(`+)([\s\S]*?)\1|\*\*([^*]+)\*\*|(?<![\w*])[*_]([^*_\s][^*_]*?)[*_](?![\w*])|\[([^\]]+)\]\(([^)\s]*)\)/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) parent.append(text.slice(last, m.index));
    let el;
    if (m[1]) { el = document.createElement('code'); el.textContent = m[2]; }
    else if (m[3] !== undefined) { el = document.createElement('strong'); inline(el, m[3]); }
    else if (m[4] !== undefined) { el = document.createElement('em'); inline(el, m[4]); }
    else { el = document.createElement('span'); inline(el, m[5]); }
    parent.append(el);
    last = m.index + m[0].length;
  }
  if (last < text.length) parent.append(text.slice(last));
}

/** Render Markdown into a DocumentFragment. */
export function renderMarkdown(md) {
  const out = document.createDocumentFragment();
  const lines = stripFrontMatter(md).replace(/\r\n?/g, '\n').split('\n');
  let para = [];
  let list = null;
  const flush = () => {
    if (para.length) {
      const p = document.createElement('p');
      inline(p, para.join(' '));
      out.append(p);
      para = [];
    }
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = line.match(/^\s*(```+|~~~+)\s*([\w-]*)/);
    if (fence) {
      flush(); list = null;
      const body = [];
      for (i++; i < lines.length && !lines[i].trimStart().startsWith(fence[1]); i++) body.push(lines[i]);
      const pre = document.createElement('pre');
      const code = document.createElement('code');
      code.textContent = body.join('\n');
      if (fence[2]) pre.dataset.lang = fence[2];
      pre.append(code);
      out.append(pre);
      continue;
    }
    const heading = line.match(/^(#{1,6})\s+(.*)$/);
    if (heading) {
      flush(); list = null;
      // Page headings sit under the panel's own heading: shift them down two levels.
      const h = document.createElement(`h${Math.min(6, heading[1].length + 2)}`);
      inline(h, heading[2]);
      out.append(h);
      continue;
    }
    const item = line.match(/^\s*(?:[-*+]|\d+[.)])\s+(.*)$/);
    if (item) {
      flush();
      if (!list) { list = document.createElement(/^\s*\d/.test(line) ? 'ol' : 'ul'); out.append(list); }
      const li = document.createElement('li');
      inline(li, item[1]);
      list.append(li);
      continue;
    }
    if (!line.trim()) { flush(); list = null; continue; }
    if (list && /^\s+\S/.test(line)) { inline(list.lastChild, ' ' + line.trim()); continue; }
    list = null;
    para.push(line.trim());
  }
  flush();
  return out;
}
