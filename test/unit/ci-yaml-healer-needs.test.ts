/** HEALER_NEEDS: healer init gives each job the list of jobs whose artifacts GitLab would give it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { composeCi } from '../helpers/ci-config.js';
import { initOk } from '../helpers/init-check.js';

const BUILDS = 'build:\n  stage: build\n  script: [make]\nlint:\n  stage: build\n  script: [lint]\n';

/** The HEALER_NEEDS each job ends up with, as GitLab composes the file (undefined: none). */
function needsOf(text: string): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, job] of Object.entries(composeCi(text) as Record<string, { variables?: Record<string, string> }>)) {
    if (name.startsWith('.') || ['variables', 'default', 'stages'].includes(name)) continue;
    out[name] = job.variables?.HEALER_NEEDS;
  }
  return out;
}

describe('HEALER_NEEDS: which jobs', () => {
  it('needs: minus artifacts: false and cross-project/pipeline entries; optional ones count', () => {
    const r = initOk(
      `${BUILDS}test:\n  needs:\n    - build\n    - job: lint\n      artifacts: false\n    - {pipeline: $PARENT_ID, job: gen}\n` +
        '    - {project: g/other, job: pkg, ref: main}\n    - {job: docs, optional: true}\n  script: [t]\ndocs:\n  stage: build\n  script: [d]\n',
    );
    assert.equal(needsOf(r.text).test, '["build","docs"]');
    assert.match(r.text, /\n  variables:\n    HEALER_NEEDS: '\["build","docs"\]'\n/, 'a single-quoted scalar in the job\'s own new map');
    assert.equal(r.jobs.find((j) => j.job === 'test')!.healer_needs, '["build","docs"]');
  });
  it('dependencies: restrict, so they win over needs:', () => {
    const r = initOk(`${BUILDS}test:\n  needs: [build, lint]\n  dependencies: [lint]\n  script: [t]\n`);
    assert.equal(needsOf(r.text).test, '["lint"]');
  });
  it('needs: [] and dependencies: [] mean none; neither means no variable', () => {
    const r = initOk(`${BUILDS}quick:\n  needs: []\n  script: [q]\nbare:\n  dependencies: []\n  script: [b]\nplain:\n  script: [p]\n`);
    assert.deepEqual(needsOf(r.text), { build: undefined, lint: undefined, quick: '[]', bare: '[]', plain: undefined });
    assert.equal(r.jobs.find((j) => j.job === 'plain')!.healer_needs, null);
  });
  it('rules:needs add their jobs (a superset never starves the job)', () => {
    const r = initOk(`${BUILDS}test:\n  needs: [build]\n  rules:\n    - if: $X\n      needs: [lint]\n    - when: on_success\n  script: [t]\n`);
    assert.equal(needsOf(r.text).test, '["build","lint"]');
  });
  it('parallel and matrix needs by their base name; !reference lists followed; $ written $$', () => {
    const text =
      'stages: [build, test]\nbuild:\n  stage: build\n  parallel:\n    matrix:\n      - OS: [linux, win]\n  script: [make]\n"gen$x":\n  stage: build\n  script: [g]\n' +
      '.needs:\n  needs: ["gen$x"]\ntest:\n  stage: test\n  needs:\n    - job: build\n      parallel:\n        matrix:\n          - OS: linux\n    - !reference [.needs, needs]\n  script: [t]\n';
    assert.equal(needsOf(initOk(text).text).test, '["build","gen$$x"]');
  });
  it('trigger jobs and hidden templates get none', () => {
    const r = initOk(`${BUILDS}.tpl:\n  needs: [build]\nchild:\n  stage: test\n  needs: [build]\n  trigger:\n    include: child.yml\n`);
    assert.doesNotMatch(r.text, /HEALER_NEEDS/);
    assert.equal(r.jobs.find((j) => j.job === 'child')!.healer_needs, undefined);
  });
});

describe('HEALER_NEEDS: where it is written', () => {
  it('into the job\'s own variables map, block or flow', () => {
    const r = initOk(`${BUILDS}a:\n  needs: [build]\n  variables:\n    A: "1"\n  script: [x]\nb:\n  needs: [lint]\n  variables: {B: "2"}\n  script: [y]\n`);
    assert.match(r.text, /variables:\n    A: "1"\n    HEALER_NEEDS: '\["build"\]'\n/);
    assert.match(r.text, /variables: \{B: "2", HEALER_NEEDS: '\["lint"\]'\}/);
  });
  it('needs and variables through extends: a one-key own map (GitLab deep-merges variables); templates untouched', () => {
    const text = `${BUILDS}.base:\n  needs: [build]\n  variables:\n    A: "1"\n  script: [x]\nt1:\n  extends: .base\nt2:\n  extends: .base\n  needs: [lint]\n`;
    const r = initOk(text);
    const c = composeCi(r.text);
    assert.deepEqual(c.t1.variables, { A: '1', HEALER_NEEDS: '["build"]' });
    assert.deepEqual(c.t2.variables, { A: '1', HEALER_NEEDS: '["lint"]' });
    assert.match(r.text, /\.base:\n  needs: .*\n  variables:\n    A: "1"\n  script: \[x\]\n/, 'the template\'s variables stay as they are');
  });
  it('variables through << : the own map merges them again through an anchor (added once, shared)', () => {
    const text = `${BUILDS}.tpl: &tpl\n  variables:\n    A: "1"\n  script: [x]\nt1:\n  <<: *tpl\n  needs: [build]\nt2:\n  <<: *tpl\n  needs: [lint]\nt3:\n  <<: *tpl\n`;
    const r = initOk(text);
    assert.match(r.text, /\.tpl: &tpl\n  variables: &tpl-variables\n    A: "1"\n/);
    assert.match(r.text, /t1:\n  <<: \*tpl\n  needs: \[\{ job: build, optional: true \}\]\n(.*\n)*?  variables:\n    <<: \*tpl-variables\n    HEALER_NEEDS: '\["build"\]'\n/);
    const c = composeCi(r.text);
    assert.deepEqual(c.t1.variables, { A: '1', HEALER_NEEDS: '["build"]' });
    assert.deepEqual(c.t2.variables, { A: '1', HEALER_NEEDS: '["lint"]' });
    assert.deepEqual(c.t3.variables, { A: '1' }, 'a job without needs is unaffected');
  });
  it('an existing anchor or alias is reused', () => {
    const text = `${BUILDS}.vars: &vars\n  A: "1"\n.tpl: &tpl\n  variables: *vars\n  script: [x]\nt1:\n  <<: *tpl\n  needs: [build]\n`;
    const r = initOk(text);
    assert.match(r.text, /variables:\n    <<: \*vars\n    HEALER_NEEDS: '\["build"\]'\n/);
    assert.deepEqual(composeCi(r.text).t1.variables, { A: '1', HEALER_NEEDS: '["build"]' });
  });
  it('a variables map shared through an alias is not written for others: each job its own, others cleared', () => {
    const text = `${BUILDS}a:\n  needs: [build]\n  variables: &v\n    X: "1"\n  script: [x]\nb:\n  variables: *v\n  script: [y]\nc:\n  variables: *v\n  needs: [lint]\n  script: [z]\n`;
    const r = initOk(text);
    const c = composeCi(r.text);
    assert.deepEqual(c.a.variables, { X: '1', HEALER_NEEDS: '["build"]' });
    assert.deepEqual(c.b.variables, { X: '1', HEALER_NEEDS: '' }, 'b has no needs: it must not take a\'s list ("" = not given)');
    assert.deepEqual(c.c.variables, { X: '1', HEALER_NEEDS: '["lint"]' });
  });
  it('a job merging a visible job\'s whole map with <<', () => {
    const text = `${BUILDS}e: &e\n  stage: deploy\n  dependencies: [build]\n  script: [e]\nf:\n  <<: *e\n  dependencies: null\ng:\n  <<: *e\n`;
    const c = composeCi(initOk(text).text);
    assert.equal(c.e.variables.HEALER_NEEDS, '["build"]');
    assert.equal(c.f.variables.HEALER_NEEDS, '', 'f gives up the dependencies it merged, so it gives up the list too');
    assert.equal(c.g.variables.HEALER_NEEDS, '["build"]');
  });
});

describe('HEALER_NEEDS that cannot be written: a warning naming the job, the file otherwise edited', () => {
  it('needs healer cannot follow', () => {
    const r = initOk(`${BUILDS}test:\n  needs: !reference [.elsewhere, needs]\n  script: [t]\n`);
    assert.doesNotMatch(r.text, /HEALER_NEEDS/);
    assert.ok(r.warnings.some((w) => w.code === 'healer-needs-unknown' && w.job === 'test' && /\.elsewhere/.test(w.message)));
  });
  it('variables: given as a !reference', () => {
    const r = initOk(`${BUILDS}.v:\n  variables:\n    A: "1"\ntest:\n  needs: [build]\n  variables: !reference [.v, variables]\n  script: [t]\n`);
    assert.doesNotMatch(r.text, /HEALER_NEEDS/);
    const warning = r.warnings.find((w) => w.code === 'healer-needs-not-set' && w.job === 'test');
    assert.match(warning!.message, /a !reference; add HEALER_NEEDS: '\["build"\]' to its variables by hand/);
  });
});

describe('HEALER_NEEDS on later runs', () => {
  it('is added to older init output, then left alone', () => {
    const older = initOk(`${BUILDS}test:\n  needs: [build]\n  script: [t]\n`).text.replace(/  variables:\n    HEALER_NEEDS: .*\n/, '');
    assert.doesNotMatch(older, /HEALER_NEEDS/);
    const r = initOk(older);
    assert.equal(needsOf(r.text).test, '["build"]');
    assert.equal(r.jobs.find((j) => j.job === 'test')!.changed, true);
    assert.equal(r.jobs.find((j) => j.job === 'build')!.changed, false);
  });
  it('follows changed needs, and goes when the needs go', () => {
    const first = initOk(`${BUILDS}a:\n  needs: [build]\n  variables:\n    X: "1"\n  script: [x]\nb:\n  needs: [build]\n  script: [y]\n`).text;
    const edited = first.replace('a:\n  needs: [{ job: build, optional: true }]', 'a:\n  needs: [lint]').replace('b:\n  needs: [{ job: build, optional: true }]\n', 'b:\n');
    const r = initOk(edited);
    assert.equal(needsOf(r.text).a, '["lint"]');
    assert.match(r.text, /a:\n(.*\n)*?  variables:\n    X: "1"\n    HEALER_NEEDS: '\["lint"\]'\n/);
    assert.doesNotMatch(r.text.slice(r.text.indexOf('\nb:')), /variables/, 'b\'s own variables: held only HEALER_NEEDS, so it went');
    assert.ok(r.jobs.find((j) => j.job === 'b')!.actions.some((a) => /HEALER_NEEDS removed/.test(a)));
  });
  it('a wrong value written by hand is corrected', () => {
    const first = initOk(`${BUILDS}a:\n  needs: [build]\n  script: [x]\n`).text;
    const r = initOk(first.replace(`HEALER_NEEDS: '["build"]'`, 'HEALER_NEEDS: {value: \'["lint"]\', description: x}'));
    assert.equal(needsOf(r.text).a, '["build"]');
    assert.match(r.text, /    HEALER_NEEDS: '\["build"\]'\n/);
  });
});

describe('HEALER_NEEDS for jobs of included files', () => {
  it('the report gives the value and the lines to add there', () => {
    const r = initOk('include:\n  - local: ci/jobs.yml\nbuild:\n  stage: build\n  script: [x]\n', {
      includes: [{ path: 'ci/jobs.yml', text: 'unit:\n  stage: test\n  needs: [build]\n  before_script: [setup]\n  script: [x]\nplain:\n  stage: test\n  script: [y]\n' }],
    });
    const [unit, plain] = r.includes[0]!.jobs;
    assert.equal(unit!.healer_needs, '["build"]');
    assert.equal(unit!.variable, `HEALER_NEEDS: '["build"]'`);
    assert.deepEqual(unit!.before_script, ['[ -z "$RESUME_STAGE" ] || npx --yes healer restore', 'npx --yes healer stage "$CI_JOB_STAGE" in_progress']);
    assert.deepEqual(unit!.after_script, [], 'it inherits default:, which init gives the end line');
    assert.equal(plain!.variable, null);
    assert.deepEqual(plain!.before_script, []);
    const message = r.warnings.find((w) => w.code === 'included-job' && w.job === 'unit')!.message;
    assert.match(message, /put - '\[ -z "\$RESUME_STAGE" \] \|\| npx --yes healer restore' - 'npx --yes healer stage "\$CI_JOB_STAGE" in_progress' first in its before_script/);
    assert.match(message, /set variables: HEALER_NEEDS: '\["build"\]'/);
  });
});
