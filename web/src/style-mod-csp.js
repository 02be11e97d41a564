// CodeMirror's styles, mounted without inline <style> elements.
//
// style-mod (which CodeMirror uses for its themes) puts its rules in a <style> element when the
// editor lives in a document, and `style-src 'self'` in our Content-Security-Policy refuses
// that. Constructed stylesheets (`new CSSStyleSheet()` + `adoptedStyleSheets`) are not inline
// markup and are not blocked, so this module re-exports StyleModule with a `mount` that
// keeps one constructed sheet per document or shadow root, in the same module order.
import { StyleModule as Base } from '../node_modules/style-mod/src/style-mod.js';

const sheets = new WeakMap(); // root → { sheet, modules }

export class StyleModule extends Base {
  static mount(root, modules, options) {
    const doc = root.ownerDocument || root;
    const win = doc.defaultView;
    if (!win || !win.CSSStyleSheet || !('adoptedStyleSheets' in root)) {
      return Base.mount(root, modules, options);
    }
    let set = sheets.get(root);
    if (!set) {
      set = { sheet: new win.CSSStyleSheet(), modules: [] };
      sheets.set(root, set);
    }
    // Later modules in the list must come after earlier ones; keep the order stable.
    let changed = false;
    let next = 0;
    for (const mod of Array.isArray(modules) ? modules : [modules]) {
      let at = set.modules.indexOf(mod);
      if (at > -1 && at < next) {
        set.modules.splice(at, 1);
        next--;
        at = -1;
      }
      if (at === -1) {
        set.modules.splice(next++, 0, mod);
        changed = true;
      } else {
        next = at + 1;
      }
    }
    if (changed) set.sheet.replaceSync(set.modules.map((m) => m.getRules()).join('\n'));
    if (!root.adoptedStyleSheets.includes(set.sheet)) {
      root.adoptedStyleSheets = [set.sheet, ...root.adoptedStyleSheets];
    }
  }
}
