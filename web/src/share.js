// Sharing a deployment in the URL fragment: compressed (fflate), base64url, secrets replaced.
// Only when the user asks; opening such a link only fills the tabs.
import { deflateSync, inflateSync, strToU8, strFromU8 } from 'fflate';

export const REDACTED = '<redacted>';

// Directives whose value is a secret (redis.conf / sentinel.conf).
const SECRET_DIRECTIVES = /^(\s*)(requirepass|masterauth|primaryauth|tls-key-file-pass|tls-client-key-file-pass)(\s+)(.*)$/i;
const SENTINEL_AUTH = /^(\s*sentinel\s+auth-pass\s+\S+\s+)(.*)$/i;
const SENTINEL_PASS = /^(\s*sentinel\s+sentinel-pass\s+)(.*)$/i;

/**
 * The text with secrets replaced by `<redacted>`: the values of `requirepass`, `masterauth`,
 * the TLS key passphrases, `sentinel auth-pass` and `sentinel sentinel-pass`, and on `user` lines (ACL files and
 * redis.conf) the `>password`, `<password` and `#hash` tokens. This is a plain text
 * substitution done for sharing only, not a judgement of the config.
 */
export function redactSecrets(text) {
  return text.split('\n').map((line) => {
    let m = line.match(SECRET_DIRECTIVES);
    if (m && m[4].trim()) return `${m[1]}${m[2]}${m[3]}${REDACTED}`;
    m = line.match(SENTINEL_AUTH) || line.match(SENTINEL_PASS);
    if (m && m[2].trim()) return `${m[1]}${REDACTED}`;
    if (/^\s*user\s/i.test(line)) {
      // `user NAME` itself is never a secret; only the tokens after it.
      let n = 0;
      return line.replace(/\S+/g, (tok) => (n++ >= 2 && /^[<>#]/.test(tok) ? tok[0] + REDACTED : tok));
    }
    return line;
  }).join('\n');
}

function toBase64Url(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text) {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** `#d=<...>` for the files (secrets replaced). */
export function encodeFragment(files) {
  const payload = { v: 1, files: files.map((f) => ({ p: f.path, h: f.host_path, t: redactSecrets(f.text) })) };
  return `#d=${toBase64Url(deflateSync(strToU8(JSON.stringify(payload)), { level: 9 }))}`;
}

/** The files of a shared fragment, or null when there is none or it cannot be read. */
export function decodeFragment(hash) {
  const m = /^#d=([A-Za-z0-9_-]+)$/.exec(hash || '');
  if (!m) return null;
  try {
    const payload = JSON.parse(strFromU8(inflateSync(fromBase64Url(m[1]))));
    if (payload?.v !== 1 || !Array.isArray(payload.files)) return null;
    const files = payload.files
      .filter((f) => f && typeof f.p === 'string' && typeof f.t === 'string')
      .map((f) => ({ path: f.p, host_path: typeof f.h === 'string' ? f.h : undefined, text: f.t }));
    return files.length ? files : null;
  } catch {
    return null;
  }
}
