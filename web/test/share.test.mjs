// node --test web/test/  — the share link's secret replacement and round trip (no browser).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactSecrets, encodeFragment, decodeFragment } from '../src/share.js';

test('passwords, hashes and passphrases are replaced; the rest is kept', () => {
  const text = [
    'requirepass "s3cret pass"',
    'masterauth abc',
    'sentinel auth-pass mymaster hunter2',
    'sentinel sentinel-pass zzz',
    'tls-key-file-pass pp',
    'user app on >pw1 <old #0123abcd ~app:* +get',
    'user >weird on >pw2',
    'bind 127.0.0.1',
    '# requirepass in a comment stays a comment',
  ].join('\n');
  assert.equal(redactSecrets(text), [
    'requirepass <redacted>',
    'masterauth <redacted>',
    'sentinel auth-pass mymaster <redacted>',
    'sentinel sentinel-pass <redacted>',
    'tls-key-file-pass <redacted>',
    'user app on ><redacted> <<redacted> #<redacted> ~app:* +get',
    'user >weird on ><redacted>',
    'bind 127.0.0.1',
    '# requirepass in a comment stays a comment',
  ].join('\n'));
});

test('a fragment round-trips the files, secrets replaced', () => {
  const frag = encodeFragment([{ path: 'users.acl', host_path: '/etc/redis/users.acl', text: 'user a on >x ~* +@all\n' }]);
  assert.match(frag, /^#d=[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeFragment(frag), [{ path: 'users.acl', host_path: '/etc/redis/users.acl', text: 'user a on ><redacted> ~* +@all\n' }]);
  assert.equal(decodeFragment('#d=not-deflate'), null);
  assert.equal(decodeFragment(''), null);
});
