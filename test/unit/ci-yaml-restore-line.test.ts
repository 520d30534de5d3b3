/** The restore line healer init puts first in every job: recognised, placed, upgraded and rewritten. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jobEndLines, jobStartLines } from '../../src/core/ci-yaml/index.js';
import { commandOf } from '../../src/core/ci-yaml/recording.js';
import { composeCi } from '../helpers/ci-config.js';
import { initOk } from '../helpers/init-check.js';

const RESTORE = '[ -z "$RESUME_STAGE" ] || npx --yes healer restore';
const START = 'npx --yes healer stage "$CI_JOB_STAGE" in_progress';
const END = 'npx --yes healer stage --from-job-status || true';

/** What healer init wrote before it knew the restore line (its real output for this input, kept as a fixture). */
const WRITTEN_BEFORE_RESTORE = `default:
  image: alpine
  before_script:
    - 'npx --yes healer stage "$CI_JOB_STAGE" in_progress'
    - echo hi
  after_script:
    - 'npx --yes healer stage --from-job-status || true'
variables:
  HEALER_STAGES: ".pre,build,test,deploy,.post"
build:
  stage: build
  script: [x]
  rules:
    - if: '$RESUME_STAGE != null && $RESUME_STAGE != "" && $RESUME_STAGE !~ /^(\\.pre|build)$/'
      when: never
    - if: '$CI_COMMIT_BRANCH || $CI_COMMIT_TAG'
      when: on_success
flow:
  before_script: ['npx --yes healer stage "$CI_JOB_STAGE" in_progress', echo hi]
  script: [x]
  rules:
    - if: '$RESUME_STAGE != null && $RESUME_STAGE != "" && $RESUME_STAGE !~ /^(\\.pre|build|test)$/'
      when: never
    - if: '$CI_COMMIT_BRANCH || $CI_COMMIT_TAG'
      when: on_success
`;

describe('the restore line', () => {
  it('is the first start line, guarded so that a normal pipeline never starts healer', () => {
    const lines = jobStartLines('npx --yes healer');
    assert.deepEqual(lines.map((l) => l.kind), ['restore', 'stage-in-progress']);
    assert.equal(lines[0]!.text, RESTORE);
    assert.deepEqual(jobEndLines('npx --yes healer').map((l) => l.text), [END]);
  });

  it('is recognised whatever prefix wrote it, and only when it is healer\'s', () => {
    const restore = jobStartLines('x')[0]!;
    for (const line of [
      RESTORE,
      '[ -z "$RESUME_STAGE" ] || node /opt/healer/bin/healer.js restore',
      '  [ -z "${RESUME_STAGE}" ]  ||  healer restore  ',
      'test -z "$RESUME_STAGE" || ./tools/heal restore',
      'npx --yes healer restore',
      'npx healer@0.1.0 restore',
      'node /opt/healer/bin/healer.js restore',
    ]) assert.ok(restore.matches(line), line);
    for (const line of ['dotnet restore', 'git restore .', 'npm run restore', 'npx --yes healer stage "$CI_JOB_STAGE" in_progress', 'healer restore --dry-run']) {
      assert.ok(!restore.matches(line), line);
    }
    assert.equal(commandOf(RESTORE, 'restore'), 'npx --yes healer');
    assert.equal(commandOf('[ -z "$RESUME_STAGE" ] || node /opt/restore/healer.js restore', 'restore'), 'node /opt/restore/healer.js');
    assert.equal(commandOf('npx --yes healer restore', 'restore'), 'npx --yes healer');
    assert.equal(commandOf('dotnet restore', 'restore'), null);
    assert.equal(commandOf(START, 'stage-in-progress'), 'npx --yes healer');
  });

  it('goes first in default: and in every list a job brings, before the stage line', () => {
    const text = 'default:\n  before_script:\n    - echo hi\nbuild:\n  stage: build\n  script: [x]\n.tpl:\n  before_script: [setup]\n' +
      'a:\n  extends: .tpl\n  script: [x]\nc:\n  before_script: echo single\n  script: [z]\nd:\n  inherit:\n    default: false\n  script: [w]\n';
    const c = composeCi(initOk(text).text);
    assert.deepEqual(c.default.before_script, [RESTORE, START, 'echo hi']);
    assert.deepEqual(c.a.before_script, [RESTORE, START, 'setup']);
    assert.deepEqual(c.c.before_script, [RESTORE, START, 'echo single']);
    assert.deepEqual(c.d.before_script, [RESTORE, START]);
    assert.deepEqual(c.d.after_script, [END]);
  });

  it('upgrades a file written before it existed: inserted just before the stage line, nothing else changes', () => {
    const r = initOk(WRITTEN_BEFORE_RESTORE);
    assert.ok(r.changed);
    const added = r.text.split('\n').filter((l) => !WRITTEN_BEFORE_RESTORE.split('\n').includes(l));
    assert.deepEqual(added, [`    - '${RESTORE}'`, `  before_script: ['${RESTORE}', '${START}', echo hi]`]);
    const c = composeCi(r.text);
    assert.deepEqual(c.default.before_script, [RESTORE, START, 'echo hi']);
    assert.deepEqual(c.flow.before_script, [RESTORE, START, 'echo hi']);
    assert.deepEqual(r.global, ['default before_script: restore added']);
    assert.ok(r.jobs.find((j) => j.job === 'flow')!.actions.includes('before_script: restore added'));
  });

  it('a stage line the user moved down: the restore line goes just before it (flow list too)', () => {
    const r = initOk(`j:\n  before_script: [echo a, '${START}', echo b]\n  script: [x]\n`);
    assert.deepEqual(composeCi(r.text).j.before_script, ['echo a', RESTORE, START, 'echo b']);
  });

  it('a restore line already there and a missing stage line: the stage line goes after it', () => {
    const r = initOk(`j:\n  before_script:\n    - echo a\n    - '${RESTORE}'\n    - echo b\n  script: [x]\n`);
    assert.deepEqual(composeCi(r.text).j.before_script, ['echo a', RESTORE, START, 'echo b']);
  });

  it('a hand-written unguarded `healer restore` counts: it is guarded, not doubled', () => {
    const r = initOk(`default:\n  before_script:\n    - npx --yes healer restore\n    - ${START.replace(/"/g, '')}\nj:\n  script: [x]\n`);
    assert.deepEqual(composeCi(r.text).default.before_script, [RESTORE, START], 'both written the way init writes them');
  });

  it('`dotnet restore` is the user\'s: kept, and healer\'s line comes first', () => {
    const r = initOk('j:\n  before_script: [dotnet restore]\n  script: [dotnet test]\n');
    assert.deepEqual(composeCi(r.text).j.before_script, [RESTORE, START, 'dotnet restore']);
  });

  it('a run with another --command rewrites it with the other lines', () => {
    const first = initOk('j:\n  before_script: [echo a]\n  script: [x]\n', { command: 'node /opt/healer/bin/healer.js' });
    assert.deepEqual(composeCi(first.text).j.before_script, [
      '[ -z "$RESUME_STAGE" ] || node /opt/healer/bin/healer.js restore',
      'node /opt/healer/bin/healer.js stage "$CI_JOB_STAGE" in_progress',
      'echo a',
    ]);
    const second = initOk(first.text, { command: 'healer' });
    assert.deepEqual(composeCi(second.text).j.before_script, ['[ -z "$RESUME_STAGE" ] || healer restore', 'healer stage "$CI_JOB_STAGE" in_progress', 'echo a']);
    assert.deepEqual(composeCi(second.text).default.after_script, ['healer stage --from-job-status || true']);
    assert.doesNotMatch(second.text, /\/opt\/healer/);
  });
});
