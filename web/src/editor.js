// The code editor: CodeMirror 6 with a small highlighter for the formats of a Redis
// deployment (redis.conf, sentinel.conf, ACL files, sysctl), lint diagnostics set from the
// outside (the page lints every tab together), and a hover hook for rule pages.
import { EditorState } from '@codemirror/state';
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection, hoverTooltip,
} from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { StreamLanguage, HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { searchKeymap, highlightSelectionMatches } from '@codemirror/search';
import { lintGutter, lintKeymap, setDiagnostics } from '@codemirror/lint';
import { tags as t } from '@lezer/highlight';

/**
 * One tokenizer for the line-oriented formats: the first word of a line is the directive (or
 * the sysctl key / `user`), then strings, numbers with units, ACL tokens. It only colours;
 * nothing here judges a config.
 */
const redisLike = StreamLanguage.define({
  name: 'redis-config',
  startState: () => ({ first: true }),
  token(stream, state) {
    if (stream.sol()) state.first = true;
    if (stream.eatSpace()) return null;
    if (state.first && (stream.peek() === '#' || stream.peek() === ';')) {
      stream.skipToEnd();
      return 'comment';
    }
    if (state.first) {
      state.first = false;
      stream.match(/^[^\s=]+/) || stream.next();
      return 'keyword';
    }
    if (stream.match(/^"(?:[^"\\]|\\.)*"?/) || stream.match(/^'[^']*'?/)) return 'string';
    if (stream.match(/^-?\d+(?:\.\d+)?(?:[kmgt]i?b?|ms|s|%)?(?=[\s,]|$)/i)) return 'number';
    if (stream.match(/^[<>#!][^\s]*/)) return 'string'; // ACL passwords and hashes
    if (stream.match(/^[+-]@?[^\s]+/)) return 'operator'; // ACL command rules
    if (stream.match(/^(?:[~%&]|%R~|%W~|%RW~)[^\s]*/)) return 'variableName'; // key/channel patterns
    if (stream.match(/^(?:yes|no|on|off|allkeys|nopass|resetpass|reset)\b/)) return 'atom';
    if (stream.match(/^=/)) return 'operator';
    stream.match(/^[^\s"']+/) || stream.next();
    return null;
  },
  languageData: { commentTokens: { line: '#' } },
});

/** Colours come from CSS variables, so the light and dark themes both keep their contrast. */
const highlight = HighlightStyle.define([
  { tag: t.comment, color: 'var(--hl-comment)', fontStyle: 'italic' },
  { tag: t.keyword, color: 'var(--hl-keyword)', fontWeight: '600' },
  { tag: t.string, color: 'var(--hl-string)' },
  { tag: t.number, color: 'var(--hl-number)' },
  { tag: t.operator, color: 'var(--hl-operator)' },
  { tag: t.variableName, color: 'var(--hl-variable)' },
  { tag: t.atom, color: 'var(--hl-atom)' },
]);

const theme = EditorView.theme({
  '&': { height: '100%', fontSize: '14px' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.5' },
  '.cm-content': { caretColor: 'var(--fg)' },
  '.cm-gutters': { background: 'var(--panel)', color: 'var(--muted)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine': { background: 'var(--active-line)' },
  '.cm-activeLineGutter': { background: 'var(--active-line)' },
  '&.cm-focused': { outline: '2px solid var(--focus)' },
  '.cm-tooltip': { background: 'var(--panel)', color: 'var(--fg)', border: '1px solid var(--border)' },
  '.cm-diagnosticAction': { background: 'var(--accent)', color: 'var(--accent-fg)' },
  '.cm-selectionBackground, &.cm-focused .cm-selectionBackground': { background: 'var(--selection)' },
});

/**
 * A new editor state for a tab. `onChange(view)` is called after each edit; `hover(view, pos)`
 * may return a tooltip for the diagnostics under `pos` (the rule page).
 */
export function createState(text, { onChange, hover, label }) {
  return EditorState.create({
    doc: text,
    extensions: [
      lineNumbers(),
      highlightActiveLineGutter(),
      history(),
      drawSelection(),
      highlightActiveLine(),
      highlightSelectionMatches(),
      redisLike,
      syntaxHighlighting(highlight),
      lintGutter(),
      hoverTooltip(hover, { hoverTime: 350 }),
      keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap, ...lintKeymap, indentWithTab]),
      EditorView.updateListener.of((u) => { if (u.docChanged) onChange(u.view); }),
      // tabindex: the content is focusable anyway (contenteditable); saying so lets checkers
      // such as axe see that the scrolling region is keyboard reachable.
      EditorView.contentAttributes.of({ 'aria-label': label, tabindex: '0' }),
      theme,
    ],
  });
}

export function createView(state) {
  return new EditorView({ state });
}

/** Replace a view's diagnostics (the page lints all tabs at once and hands each its part). */
export function showDiagnostics(view, diagnostics) {
  view.dispatch(setDiagnostics(view.state, diagnostics));
}

/** Put the cursor at the start of a 1-based line and scroll it into view. */
export function gotoLine(view, line, column = 1) {
  const doc = view.state.doc;
  const l = doc.line(Math.max(1, Math.min(line, doc.lines)));
  const pos = Math.min(l.to, l.from + charColumnToOffset(l.text, column));
  view.dispatch({ selection: { anchor: pos }, effects: EditorView.scrollIntoView(pos, { y: 'center' }) });
  view.focus();
}

/** A 1-based column counted in characters (Unicode scalar values) → UTF-16 offset in the line. */
export function charColumnToOffset(lineText, column) {
  let off = 0;
  for (let c = 1; c < column && off < lineText.length; c++) {
    off += lineText.codePointAt(off) > 0xffff ? 2 : 1;
  }
  return off;
}

export { EditorView };
