/**
 * healer init against the 25 official GitLab templates in ../shared/gitlab/templates: init succeeds or refuses with a
 * clear reason; the output is valid against GitLab's schema whenever the input was; a second run is a no-op; every
 * comment survives; lines init does not own are unchanged and in order.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { initCiYaml } from '../../src/core/ci-yaml/index.js';
import { SHARED, schemaErrors } from '../helpers/ci-schema.js';

const TEMPLATES = join(SHARED, 'templates');

function templateFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return templateFiles(path);
    return name.endsWith('.gitlab-ci.yml') ? [path] : [];
  });
}

/** Templates init refuses as a whole, with the reason it must give. */
const REFUSED: Record<string, RegExp> = {
  'Jobs/Dependency-Scanning.v2.gitlab-ci.yml': /spec: inputs header.*template or component to include/,
};

function commentLines(text: string): string[] {
  return text.split('\n').filter((l) => /^\s*#/.test(l)).map((l) => l.trim());
}

/** The lines of `before` appear in `after` in the same order, except the ones init is allowed to remove. */
function keptInOrder(before: string, after: string, removable: RegExp): string[] {
  const out = after.split('\n');
  const missing: string[] = [];
  let at = 0;
  for (const line of before.split('\n')) {
    const found = out.indexOf(line, at);
    if (found >= 0) at = found + 1;
    else if (!removable.test(line)) missing.push(line);
  }
  return missing;
}

/** Every way init writes HEALER_NEEDS and the restore line, in one file. */
const NEEDS_SHAPES = `stages: [build, test, deploy]
.vars: &vars
  A: "1"
.tpl: &tpl
  variables:
    B: "2"
  script: [x]
.ext:
  variables:
    C: "3"
  script: [x]
build:
  stage: build
  before_script: [setup]
  script: [make]
lint:
  stage: build
  script: [lint]
merged:
  <<: *tpl
  stage: test
  needs: [build, {job: lint, artifacts: false}]
extended:
  extends: .ext
  stage: test
  dependencies: [lint]
aliased:
  stage: test
  variables: *vars
  needs: []
flow:
  stage: deploy
  variables: {D: "4"}
  needs: [merged]
  script: [y]
plain:
  stage: deploy
  variables: *vars
  script: [z]
`;

describe('healer init on the official GitLab templates', () => {
  it('HEALER_NEEDS in every shape init writes (own map, << through an anchor, alias replaced, flow map) is valid', async () => {
    assert.equal(await schemaErrors(NEEDS_SHAPES), null, 'the input is valid');
    const result = initCiYaml(NEEDS_SHAPES);
    assert.ok(result.ok);
    assert.equal((result.text.match(/HEALER_NEEDS/g) ?? []).length, 4, 'merged, extended, aliased, flow (plain has no needs)');
    assert.equal(await schemaErrors(result.text), null);
    assert.equal((initCiYaml(result.text) as { text: string }).text, result.text, 'a second run changes nothing');
  });

  const files = templateFiles(TEMPLATES);
  it('finds all 25 templates', () => {
    assert.equal(files.length, 25, `templates in ${TEMPLATES}`);
  });
  for (const file of files) {
    const name = relative(TEMPLATES, file);
    it(name, async () => {
      const before = readFileSync(file, 'utf8');
      const result = initCiYaml(before);
      if (REFUSED[name]) {
        assert.equal(result.ok, false);
        assert.match((result as { error: string }).error, REFUSED[name]!);
        return;
      }
      assert.ok(result.ok, `init failed: ${(result as { error?: string }).error}`);
      const after = result.text;
      const inputErrors = await schemaErrors(before);
      if (inputErrors === null) assert.equal(await schemaErrors(after), null, 'output must stay valid against the schema');
      const second = initCiYaml(after);
      assert.ok(second.ok);
      assert.equal(second.text, after, 'a second run changes nothing');
      assert.equal(second.changed, false);
      for (const comment of commentLines(before)) assert.ok(after.includes(comment), `comment kept: ${comment}`);
      // init removes only only:/except:/when:/start_in: lines it turned into rules.
      const missing = keptInOrder(before, after, /^\s*(only|except|when|start_in|needs):|^\s+- (master|branches|tags|\$CI_COMMIT_BRANCH == \$CI_DEFAULT_BRANCH|\$CODE_QUALITY_DISABLED)$|^\s+(refs|variables):$/);
      assert.deepEqual(missing, [], 'untouched lines stay as they were');
      // Every visible job ends up gated or explains why not.
      for (const job of result.jobs) {
        if (job.rules === 'refused') assert.ok(job.reason && job.reason.length > 10, `${job.job} refused with a reason`);
        else assert.notEqual(job.rules, 'unchanged', `${job.job} was gated`);
      }
    });
  }
});
