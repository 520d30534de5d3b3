import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkEntryName, checkLinkTarget, entryKind, entryMode } from '../../src/core/archive-paths.js';

test('ordinary names become path components', () => {
  assert.deepEqual(checkEntryName('dist/app.js'), { ok: true, value: ['dist', 'app.js'] });
  assert.deepEqual(checkEntryName('./dist//x/'), { ok: true, value: ['dist', 'x'] });
  assert.deepEqual(checkEntryName('./'), { ok: true, value: [] });
  assert.deepEqual(checkEntryName('test:cargo 1/3.log'), { ok: true, value: ['test:cargo 1', '3.log'] });
});

test('names that could leave the folder are refused, each with its reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['../evil', /'\.\.' in the path/],
    ['dist/../../evil', /'\.\.' in the path/],
    ['a/../b', /'\.\.' in the path/],
    ['/etc/passwd', /absolute path/],
    ['C:/Windows/x', /absolute path/],
    ['c:evil', /absolute path/],
    ['..\\evil', /backslash/],
    ['dist\\..\\..\\evil', /backslash/],
    ['a\u0000b', /control characters/],
    ['.git/hooks/pre-commit', /\.git folder/],
    ['', /empty name/],
  ];
  for (const [name, reason] of cases) {
    const checked = checkEntryName(name);
    assert.equal(checked.ok, false, name);
    if (!checked.ok) assert.match(checked.reason, reason, name);
  }
});

test('link targets must stay inside and not pass through other links', () => {
  const noLinks = () => false;
  assert.deepEqual(checkLinkTarget(['node_modules', '.bin', 'tsc'], '../typescript/bin/tsc', noLinks), { ok: true, value: ['node_modules', 'typescript', 'bin', 'tsc'] });
  assert.deepEqual(checkLinkTarget(['d', 'b'], '..', noLinks), { ok: true, value: [] });
  const refused: Array<[string[], string, RegExp]> = [
    [['out'], '/etc/passwd', /absolute path/],
    [['out'], '../../etc', /outside the folder/],
    [['a', 'b'], '../../x', /outside the folder/],
    [['out'], 'C:/x', /absolute/],
    [['out'], '.git/config', /\.git folder/],
    [['out'], '', /empty target/],
  ];
  for (const [link, target, reason] of refused) {
    const checked = checkLinkTarget(link, target, noLinks);
    assert.equal(checked.ok, false, target);
    if (!checked.ok) assert.match(checked.reason, reason);
  }
  // b/c -> .. is inside, but a -> b/c/.. walks through the link b/c (physically: the parent of the folder).
  const isLink = (p: string) => p === 'b/c';
  const through = checkLinkTarget(['a'], 'b/c/..', isLink);
  assert.equal(through.ok, false);
  if (!through.ok) assert.match(through.reason, /through another link/);
  assert.equal(checkLinkTarget(['a'], 'b/c', isLink).ok, true, 'a link to a link is fine: each is checked');
});

test('entry kinds and modes from the Unix attributes', () => {
  assert.deepEqual(entryKind(0o100755 << 16, 'x'), { ok: true, value: 'file' });
  assert.deepEqual(entryKind(0o040755 << 16, 'd/'), { ok: true, value: 'directory' });
  assert.deepEqual(entryKind(0o120777 << 16, 'l'), { ok: true, value: 'symlink' });
  assert.deepEqual(entryKind(0, 'dos/'), { ok: true, value: 'directory' });
  assert.equal(entryKind((0o020644 << 16) >>> 0, 'dev').ok, false, 'character device');
  assert.equal(entryKind((0o010644 << 16) >>> 0, 'fifo').ok, false);
  assert.equal(entryMode((0o104755 << 16) >>> 0, 'file'), 0o755, 'setuid dropped');
  assert.equal(entryMode((0o100600 << 16) >>> 0, 'file'), 0o644);
});
