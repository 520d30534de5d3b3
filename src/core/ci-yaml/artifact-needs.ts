/**
 * Whose artifacts GitLab gives a job (gitlab-facts §2), as the value of HEALER_NEEDS that `healer restore` reads:
 * - `dependencies:` restricts, so when present (even `[]`) it is the answer;
 * - else `needs:` — minus entries with `artifacts: false` and cross-project/cross-pipeline entries (`project:`,
 *   `pipeline:`), which are not jobs of this pipeline's lineage; `rules:needs` may replace the needs when their rule
 *   matches, so their jobs are added (a superset is safe, a subset would starve the job);
 * - neither: GitLab's default, every job of the earlier stages, which is what restore does without the variable.
 * A parallel or matrix job is named by its base name (`build`): restore matches `build 1/3` and `build: [a]` to it.
 */
import { isObject, own, Reference, type Plain } from './document.js';

export const NEEDS_VARIABLE = 'HEALER_NEEDS';

export type ArtifactNeeds =
  | { kind: 'default' }
  | { kind: 'list'; names: string[]; from: 'dependencies' | 'needs' | 'needs and rules:needs' }
  | { kind: 'unknown'; reason: string };

type PlainMap = { [key: string]: Plain };

/** Follows a `!reference [job, key, …]` inside needs lists; undefined when it leads nowhere healer can see. */
export type ResolveReference = (ref: Reference) => Plain | undefined;

function describe(value: Plain): string {
  return value instanceof Reference ? `!reference [${value.path.join(', ')}]` : JSON.stringify(value);
}

/** Job names of a needs or dependencies list, or the reason they cannot be known. */
function namesOf(list: Plain, key: string, resolve: ResolveReference, depth = 0): string[] | { reason: string } {
  if (list instanceof Reference) {
    const target = depth > 10 ? undefined : resolve(list);
    if (target === undefined) return { reason: `${key}: uses ${describe(list)}, which healer cannot follow` };
    return namesOf(target, key, resolve, depth + 1);
  }
  if (!Array.isArray(list)) return { reason: `${key}: is ${describe(list)}, not a list` };
  const names: string[] = [];
  for (const item of list) {
    if (typeof item === 'string') {
      names.push(item);
    } else if (item instanceof Reference || Array.isArray(item)) {
      const nested = namesOf(item, key, resolve, depth + 1);
      if (!Array.isArray(nested)) return nested;
      names.push(...nested);
    } else if (key === 'needs' && isObject(item)) {
      // Cross-project and cross-pipeline needs fetch from elsewhere; artifacts: false fetches nothing.
      if (own(item, 'project') !== undefined || own(item, 'pipeline') !== undefined || own(item, 'artifacts') === false) continue;
      const job = own(item, 'job');
      if (typeof job !== 'string') return { reason: `needs: holds ${describe(item)}, which names no job` };
      names.push(job);
    } else {
      return { reason: `${key}: holds ${describe(item)}, which is not a job name` };
    }
  }
  return names;
}

function ruleNeeds(rules: Plain | undefined): Plain[] {
  if (!Array.isArray(rules)) return [];
  return rules.filter(isObject).map((rule) => own(rule, 'needs')).filter((n): n is Plain => n !== undefined && n !== null);
}

/** What a job (after extends: and `<<`) receives, from its `dependencies:`/`needs:`. */
export function artifactNeeds(job: PlainMap, resolve: ResolveReference): ArtifactNeeds {
  const dependencies = own(job, 'dependencies');
  if (dependencies !== undefined && dependencies !== null) {
    const names = namesOf(dependencies, 'dependencies', resolve);
    return Array.isArray(names) ? { kind: 'list', names: [...new Set(names)], from: 'dependencies' } : { kind: 'unknown', ...names };
  }
  const needs = own(job, 'needs');
  // rules:needs without job-level needs: when no such rule matches, GitLab's stage default applies.
  if (needs === undefined || needs === null) return { kind: 'default' };
  const names = namesOf(needs, 'needs', resolve);
  if (!Array.isArray(names)) return { kind: 'unknown', ...names };
  const fromRules = ruleNeeds(own(job, 'rules'));
  for (const list of fromRules) {
    const more = namesOf(list, 'needs', resolve);
    if (!Array.isArray(more)) return { kind: 'unknown', reason: `rules: ${more.reason}` };
    names.push(...more);
  }
  return { kind: 'list', names: [...new Set(names)], from: fromRules.length > 0 ? 'needs and rules:needs' : 'needs' };
}

/**
 * The variable's value as GitLab must hold it: a JSON array, with `$` written `$$` because GitLab expands variables
 * in variable values (a job named `a$b` would otherwise lose `$b`).
 */
export function needsValue(names: readonly string[]): string {
  return JSON.stringify(names).replace(/\$/g, '$$$$');
}

/** A variable's value as written (`KEY: text` or `KEY: {value: text}`), or undefined when it is neither. */
export function variableValue(value: Plain | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (isObject(value)) return variableValue(own(value, 'value'));
  return undefined;
}
