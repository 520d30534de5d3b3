/** healer init on small configurations, one feature at a time. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initCiYaml } from '../../src/core/ci-yaml/index.js';
import { composeCi } from '../helpers/ci-config.js';
import { assertEquivalent, initOk } from '../helpers/init-check.js';

const DEFAULT_ORDER = ['.pre', 'build', 'test', 'deploy', '.post'];
const RESTORE = '[ -z "$RESUME_STAGE" ] || npx --yes healer restore';
const START = 'npx --yes healer stage "$CI_JOB_STAGE" in_progress';
const END = 'npx --yes healer stage --from-job-status || true';

function check(text: string, { stages = DEFAULT_ORDER, workflow = false, extraVars = [{}] as Record<string, string>[] } = {}) {
  const result = initOk(text);
  assertEquivalent(text, result.text, stages, { workflow, extraVars });
  return result;
}

describe('jobs without rules', () => {
  it('get rules that reproduce GitLab\'s default only: [branches, tags]', () => {
    const r = check('build:\n  stage: build\n  script: [make]\ntest:\n  script: [make test]\n');
    assert.match(r.text, /- if: '\$CI_COMMIT_BRANCH \|\| \$CI_COMMIT_TAG'\n\s+when: on_success/);
  });
  it('under workflow:rules, run in every pipeline the workflow allows', () => {
    const text = 'workflow:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == "merge_request_event"\n    - if: $CI_COMMIT_BRANCH\nbuild:\n  stage: build\n  script: [make]\n';
    const r = check(text, { workflow: true });
    assert.doesNotMatch(r.text, /CI_COMMIT_TAG/);
    assert.match(r.text, /- when: on_success/);
  });
  it('manual jobs keep allow_failure: true (rules would make it false)', () => {
    const r = check('deploy:\n  stage: deploy\n  when: manual\n  script: [ship]\n');
    assert.match(r.text, /when: manual\n\s+allow_failure: true/);
    assert.doesNotMatch(r.text, /^  when: manual/m, 'job-level when moved into the rule');
  });
  it('manual jobs with an explicit allow_failure keep it', () => {
    check('deploy:\n  stage: deploy\n  when: manual\n  allow_failure: false\n  script: [ship]\n');
  });
  it('delayed jobs move when and start_in into the rule', () => {
    const r = check('deploy:\n  stage: deploy\n  when: delayed\n  start_in: 30 minutes\n  script: [ship]\n');
    assert.match(r.text, /when: delayed\n\s+start_in: 30 minutes/);
    assert.doesNotMatch(r.text, /^  start_in:/m);
  });
  it('always, on_failure and allow_failure carry over', () => {
    check('cleanup:\n  stage: .post\n  when: always\n  script: [rm]\nnotify:\n  stage: deploy\n  when: on_failure\n  allow_failure: true\n  script: [mail]\n');
  });
  it('trigger jobs are gated and record nothing', () => {
    const r = check('child:\n  stage: deploy\n  trigger:\n    include: child.yml\nbuild:\n  stage: build\n  script: [make]\n');
    const composed = composeCi(r.text);
    assert.equal(composed.child.before_script, undefined);
    assert.ok(Array.isArray(composed.child.rules));
  });
  it('parallel: matrix jobs', () => {
    check('test:\n  parallel:\n    matrix:\n      - RUBY: ["3.1", "3.2"]\n  script: [rake]\n');
  });
});

describe('jobs with rules', () => {
  it('keep them, with the gate first', () => {
    const text = 'build:\n  stage: build\n  script: [make]\n  rules:\n    - if: $CI_COMMIT_BRANCH == "main"\n      when: manual\n    - when: never\n';
    const r = check(text);
    assert.match(r.text, /rules:\n    - if: '\$RESUME_STAGE != null && \$RESUME_STAGE != "" && \$RESUME_STAGE !~ \/\^\(\\.pre\|build\)\$\/'\n      when: never\n    - if: \$CI_COMMIT_BRANCH == "main"/);
  });
  it('in flow style', () => {
    check('build:\n  stage: build\n  script: [make]\n  rules: [{if: $CI_COMMIT_TAG}]\n');
  });
  it('given through an alias get their own copy (another job\'s gate does not leak)', () => {
    const text = 'a:\n  stage: build\n  script: [x]\n  rules: &r\n    - if: $X\nb:\n  stage: deploy\n  script: [y]\n  rules: *r\n';
    const r = check(text, { extraVars: [{}, { X: '1' }] });
    const composed = composeCi(r.text);
    assert.equal(composed.b.rules.length, 2);
    assert.match(composed.b.rules[0].if, /deploy\)\$\/$/);
  });
  it('given as !reference stay referenced', () => {
    const text = '.rules:\n  rules:\n    - if: $X\nbuild:\n  stage: build\n  script: [x]\n  rules: !reference [.rules, rules]\n';
    const r = check(text, { extraVars: [{}, { X: '1' }] });
    assert.match(r.text, /- !reference \[\.rules, rules\]/);
  });
  it('a healer gate for an older stage order is updated', () => {
    const first = initOk('stages: [build, test]\nt:\n  stage: test\n  script: [x]\n').text;
    const second = initCiYaml(first.replace('stages: [build, test]', 'stages: [build, lint, test]'));
    assert.ok(second.ok);
    assert.match(second.text, /\^\(\\\.pre\|build\|lint\|test\)\$/);
    assert.match(second.text, /HEALER_STAGES: "\.pre,build,lint,test,\.post"/);
    assert.equal(second.jobs[0]!.rules, 'gate-updated');
  });
});

describe('only/except', () => {
  it('exact ones become rules, and the keys go', () => {
    const text = 'docs:\n  stage: deploy\n  script: [x]\n  only:\n    - main\n    - tags\n  except:\n    variables:\n      - $SKIP == "1"\n';
    const r = check(text, { extraVars: [{}, { SKIP: '1' }] });
    assert.doesNotMatch(r.text, /only:|except:/);
    assert.equal(r.jobs[0]!.rules, 'converted');
  });
  it('changes: is left alone with a warning naming the job and why', () => {
    const text = 'docs:\n  stage: deploy\n  script: [x]\n  only:\n    changes: [docs/**]\n';
    const r = initOk(text);
    assert.equal(r.jobs[0]!.rules, 'refused');
    assert.ok(r.warnings.some((w) => w.job === 'docs' && /only:changes/.test(w.message)));
    assert.match(r.text, /only:\n    changes: \[docs\/\*\*\]/);
  });
  it('inherited through << is overridden with null (allowed beside rules)', () => {
    const text = '.t: &t\n  stage: test\n  script: [x]\n  except:\n    - tags\nj:\n  <<: *t\n';
    const r = check(text);
    assert.match(r.text, /j:\n  <<: \*t\n  except: null\n  rules:/);
    assert.match(r.text, /\.t: &t\n  stage: test\n  script: \[x\]\n  except:\n    - tags\n/, 'the shared template is unchanged');
  });
});

describe('templates: extends, anchors and merge keys', () => {
  it('an extends chain: the job references the template\'s rules, templates stay as they are', () => {
    const text = '.base:\n  rules:\n    - if: $X\n.mid:\n  extends: .base\n  script: [x]\na:\n  extends: .mid\n  stage: build\nb:\n  extends: .mid\n  stage: deploy\n';
    const r = check(text, { extraVars: [{}, { X: '1' }] });
    assert.match(r.text, /a:\n  extends: \.mid\n  stage: build\n  rules:\n    - if: '[^']+'\n      when: never\n    - !reference \[\.base, rules\]/);
    assert.match(r.text, /^\.base:\n  rules:\n    - if: \$X\n\.mid:/m);
  });
  it('a job extending a gated job copies its rules rather than its gate', () => {
    const text = 'a:\n  stage: build\n  script: [x]\n  rules:\n    - if: $X\nb:\n  extends: a\n  stage: deploy\n';
    check(text, { extraVars: [{}, { X: '1' }] });
  });
  it('anchors, aliases and merge keys survive', () => {
    const text = '.defaults: &defaults\n  image: alpine\n  script: [x]\nbuild:\n  <<: *defaults\n  stage: build\ntest:\n  <<: *defaults\n  stage: test\n';
    const r = check(text);
    assert.match(r.text, /\.defaults: &defaults\n/);
    assert.match(r.text, /build:\n  <<: \*defaults\n/);
  });
  it('a job extending a template from an unreadable file is left alone when it has no rules of its own', () => {
    const r = initOk('include: [{project: g/p, file: t.yml}]\njob:\n  extends: .remote\n  script: [x]\n');
    assert.equal(r.jobs[0]!.rules, 'refused');
    assert.match(r.jobs[0]!.reason!, /\.remote/);
  });
});

describe('needs and dependencies', () => {
  it('needs on earlier stages become optional; same stage and needs: [] stay', () => {
    const text =
      'build:\n  stage: build\n  script: [x]\nlint:\n  stage: test\n  script: [x]\n' +
      'test:\n  stage: test\n  needs:\n    - build\n    - lint\n    - job: build\n      artifacts: false\n  script: [x]\n' +
      'quick:\n  stage: deploy\n  needs: []\n  script: [x]\nflow:\n  stage: deploy\n  needs: [build, {job: lint}]\n  script: [x]\n';
    const r = check(text);
    const c = composeCi(r.text);
    assert.deepEqual(c.test.needs, [{ job: 'build', optional: true }, 'lint', { job: 'build', artifacts: false, optional: true }]);
    assert.deepEqual(c.quick.needs, []);
    assert.deepEqual(c.flow.needs, [{ job: 'build', optional: true }, { job: 'lint', optional: true }]);
    assert.equal(initOk(r.text).changed, false);
  });
  it('rules:needs too, and optional: false is turned on', () => {
    const text = 'build:\n  stage: build\n  script: [x]\ntest:\n  needs:\n    - job: build\n      optional: false\n  script: [x]\n  rules:\n    - if: $X\n      needs: [build]\n    - when: on_success\n';
    const c = composeCi(check(text).text);
    assert.deepEqual(c.test.needs, [{ job: 'build', optional: true }]);
    assert.deepEqual(c.test.rules[1].needs, [{ job: 'build', optional: true }]);
  });
  it('dependencies are checked', () => {
    const r = initOk('build:\n  stage: build\n  script: [x]\ntest:\n  dependencies: [build, nope, test2]\n  script: [x]\ntest2:\n  script: [y]\n');
    assert.ok(r.warnings.some((w) => /dependency "nope"/.test(w.message)));
    assert.ok(r.warnings.some((w) => /dependency "test2"/.test(w.message)));
    assert.ok(r.jobs.find((j) => j.job === 'test')!.actions.some((a) => /dependencies checked/.test(a)));
  });
});

describe('recording', () => {
  it('goes into default: when jobs inherit it', () => {
    const r = initOk('default:\n  image: alpine\n  before_script:\n    - echo hi\nbuild:\n  stage: build\n  script: [x]\n');
    const c = composeCi(r.text);
    assert.deepEqual(c.default.before_script, [RESTORE, START, 'echo hi']);
    assert.deepEqual(c.default.after_script, [END]);
  });
  it('and into the job (or the template that holds the list) when it overrides before_script', () => {
    const text =
      '.tpl:\n  before_script: [setup]\na:\n  extends: .tpl\n  script: [x]\nb:\n  extends: .tpl\n  script: [y]\n' +
      'c:\n  before_script: echo single\n  script: [z]\nd:\n  inherit:\n    default: false\n  script: [w]\n';
    const r = initOk(text);
    const c = composeCi(r.text);
    assert.deepEqual(c['.tpl'].before_script, [RESTORE, START, 'setup']);
    assert.deepEqual(c.a.before_script, [RESTORE, START, 'setup']);
    assert.deepEqual(c.c.before_script, [RESTORE, START, 'echo single']);
    assert.deepEqual(c.d.before_script, [RESTORE, START]);
    assert.deepEqual(c.d.after_script, [END]);
    assert.equal(r.text.split(START).length - 1, 3, 'the shared template gets the line once (.tpl, c, d)');
  });
  it('a block-scalar before_script becomes a list that keeps it', () => {
    const r = initOk('j:\n  before_script: |\n    echo a\n    echo b\n  script: [x]\n');
    assert.deepEqual(composeCi(r.text).j.before_script, [RESTORE, START, 'echo a\necho b\n']);
  });
  it('HEALER_STAGES goes into variables:', () => {
    const r = initOk('variables:\n  A: "1"\nstages: [b, "unit test"]\nj:\n  stage: unit test\n  script: [x]\n');
    assert.equal(composeCi(r.text).variables.HEALER_STAGES, '.pre,b,unit test,.post');
  });
  it('--command changes the prefix, and a second run with another prefix rewrites healer\'s lines only', () => {
    const first = initOk('j:\n  script: [x]\n', { command: 'node /opt/healer/bin/healer.js' });
    assert.match(first.text, /node \/opt\/healer\/bin\/healer\.js stage "\$CI_JOB_STAGE" in_progress/);
    const second = initOk(first.text, { command: 'healer' });
    assert.match(second.text, /- 'healer stage "\$CI_JOB_STAGE" in_progress'/);
    assert.doesNotMatch(second.text, /\/opt\/healer/);
  });
});

describe('names', () => {
  it('job names with spaces and colons, custom stages with spaces, .pre and .post', () => {
    const text =
      'stages: [build, "unit test", deploy to prod]\n"lint: all files":\n  stage: .pre\n  script: [x]\n' +
      'test:cargo 1/3:\n  stage: unit test\n  needs: ["lint: all files"]\n  script: [x]\nship it:\n  stage: deploy to prod\n  script: [x]\nreport:\n  stage: .post\n  script: [x]\n';
    const r = check(text, { stages: ['.pre', 'build', 'unit test', 'deploy to prod', '.post'] });
    assert.deepEqual(composeCi(r.text)['test:cargo 1/3'].needs, [{ job: 'lint: all files', optional: true }]);
  });
});

describe('entries written as flow mappings { … }', () => {
  const text =
    'stages: [build, test]\nvariables: {GIT_DEPTH: "10"}\n.base: &base {image: node:20, tags: [docker]}\n' +
    'build-app: {stage: build, script: [make], <<: *base}  # the build\n' +
    'unit: {\n  stage: test,\n  needs: [build-app],\n  script: ["make test"]\n}\nlint:\n  stage: test\n  script:\n    - make lint\n';

  it('are rewritten in block style, then edited like any job (the same pipelines for every RESUME_STAGE)', () => {
    const r = check(text, { stages: ['.pre', 'build', 'test', '.post'] });
    assert.deepEqual(
      r.warnings.filter((w) => w.code === 'flow-mapping').map((w) => w.job),
      ['variables', '.base', 'build-app', 'unit'],
    );
    const c = composeCi(r.text);
    assert.equal(c['build-app'].image, 'node:20', 'the merge key still brings the template in');
    assert.deepEqual(c['build-app'].tags, ['docker']);
    assert.deepEqual(c.unit.needs, [{ job: 'build-app', optional: true }]);
    assert.equal(c.variables.GIT_DEPTH, '10');
    // Only those entries change form: the rest of the file, nested flow lists and the comment stay as written.
    assert.match(r.text, /^stages: \[build, test\]\n/);
    assert.match(r.text, /^\.base: &base\n  image: node:20\n  tags: \[docker\]\n/m);
    assert.match(r.text, /^  <<: \*base  # the build$/m);
    assert.match(r.text, /^lint:\n  stage: test\n  script:\n    - make lint\n/m);
    // A second run finds nothing to do.
    const again = initOk(r.text);
    assert.equal(again.changed, false);
    assert.equal(again.warnings.filter((w) => w.code === 'flow-mapping').length, 0);
  });

  it('a flow mapping nested inside a block job stays as it is', () => {
    const r = check('build:\n  stage: build\n  cache: {key: deps, paths: [node_modules]}\n  script: [make]\n');
    assert.match(r.text, /^  cache: \{key: deps, paths: \[node_modules\]\}$/m);
    assert.equal(r.warnings.filter((w) => w.code === 'flow-mapping').length, 0);
  });
});

describe('bad input is refused with one clear reason', () => {
  for (const [what, text, pattern] of [
    ['invalid YAML', 'a: [\n', /invalid YAML at line/],
    ['a list', '- a\n- b\n', /not a mapping/],
    ['a scalar', 'hello\n', /not a mapping/],
    ['an empty file', '\n', /empty/],
    ['an unknown stage', 'stages: [build]\nj:\n  stage: test\n  script: [x]\n', /job "j" uses stage "test", which is not in stages: \[build\]/],
    ['a spec: header', 'spec:\n  inputs:\n    a: {}\n---\nj:\n  script: [x]\n', /spec: inputs header/],
    ['duplicate keys', 'j:\n  script: [x]\nj:\n  script: [y]\n', /invalid YAML/],
    ['a stage that healer stage cannot record', 'stages: [a/b]\nj:\n  stage: a/b\n  script: [x]\n', /looks like a path/],
  ] as const) {
    it(what, () => {
      const r = initCiYaml(text);
      assert.equal(r.ok, false);
      assert.match((r as { error: string }).error, pattern);
      assert.doesNotMatch((r as { error: string }).error, /\n/);
    });
  }
});

describe('includes', () => {
  it('jobs of readable local includes are listed with the rule to add; workflow:rules there count', () => {
    const r = initOk('include:\n  - local: ci/jobs.yml\nbuild:\n  stage: build\n  script: [x]\ntest:\n  needs: [lint]\n  script: [x]\n', {
      includes: [{ path: 'ci/jobs.yml', text: 'workflow:\n  rules:\n    - if: $CI_COMMIT_BRANCH\nlint:\n  stage: build\n  script: [x]\n' }],
    });
    assert.equal(r.workflowRules, true);
    assert.equal(r.includes[0]!.jobs[0]!.job, 'lint');
    assert.match(r.includes[0]!.jobs[0]!.rule, /\^\(\\\.pre\|build\)\$/);
    assert.ok(r.warnings.some((w) => w.code === 'included-job' && /"lint"/.test(w.message)));
    assert.deepEqual(composeCi(r.text).test.needs, [{ job: 'lint', optional: true }]);
  });
  it('unreadable includes: a warning about workflow:rules and the gates per stage', () => {
    const r = initOk('include:\n  - project: g/p\n    file: ci.yml\nbuild:\n  stage: build\n  script: [x]\n');
    assert.ok(r.warnings.some((w) => w.code === 'workflow-unknown'));
    assert.ok(r.warnings.some((w) => w.code === 'include-not-edited'));
    assert.equal(Object.keys(r.gates).length, 5);
    assert.deepEqual(composeCi(r.text).default.before_script, [RESTORE, START]);
  });
});

describe('line ends', () => {
  it('a file with CRLF line ends keeps them in the added lines', () => {
    const text = 'stages: [build]\r\nbuild:\r\n  stage: build\r\n  script: [make]\r\n';
    const r = initOk(text);
    assert.doesNotMatch(r.text.replace(/\r\n/g, ''), /\n/, 'no bare LF');
    assert.match(r.text, /rules:\r\n {4}- if: /);
  });
});
