/**
 * `only`/`except` → `rules:` conversion, done only where it is exact. Semantics from GitLab's source:
 * - a job's `only` keys must ALL match, each key matching when ANY of its entries does (`all_of_only?`);
 *   a job is excluded when ANY `except` key matches (`none_of_except?`): Seed::Build, Policy.fabricate;
 * - refs (Build::Policy::Refs): `branches` ⇔ branch pipeline ⇔ CI_COMMIT_BRANCH is set, `tags` ⇔ CI_COMMIT_TAG is
 *   set (both hold the ref: Ci::Pipeline#predefined_commit_variables); another keyword matches the pipeline source
 *   with `_event` removed, singular or plural (`schedules` ⇔ source `schedule`); anything else is compared with the
 *   ref (`/…/` as a regex) only in branch and tag pipelines;
 * - without `only`, GitLab applies `only: [branches, tags]` unless the configuration has `workflow:rules`
 *   (Entry::Processable#compose!).
 * Not converted (the job is left alone, with the reason): `changes`, `kubernetes`, `ref@project/path` entries,
 * empty lists, and values that cannot be written as a rules string literal.
 */
import { andExpr, orExpr, stringLiteral } from './expressions.js';

export const BRANCH_PIPELINE = '$CI_COMMIT_BRANCH';
export const TAG_PIPELINE = '$CI_COMMIT_TAG';

/** Pipeline sources GitLab documents (job_rules.md); a refs keyword matches one of them. */
const SOURCES = [
  'api', 'chat', 'external', 'external_pull_request_event', 'merge_request_event', 'ondemand_dast_scan',
  'ondemand_dast_validation', 'parent_pipeline', 'pipeline', 'push', 'schedule', 'security_orchestration_policy',
  'trigger', 'web', 'webide',
];

/** ActiveSupport's pluralize for the handful of words above. */
function pluralize(word: string): string {
  if (/(s|x|ch|sh)$/.test(word)) return `${word}es`;
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  return `${word}s`;
}

function sourceFor(pattern: string): string | null {
  for (const source of SOURCES) {
    const sanitized = source.replace(/_event$/, '');
    if (sanitized === pattern || pluralize(sanitized) === pattern) return source;
  }
  return null;
}

type Conversion = { ok: true; expr: string } | { ok: false; reason: string };

function refExpr(pattern: unknown): Conversion {
  if (typeof pattern !== 'string' || pattern === '') return { ok: false, reason: `refs entry ${JSON.stringify(pattern)} is not a name` };
  if (pattern.includes('@')) return { ok: false, reason: `refs entry "${pattern}" restricts by project path (@), which healer does not convert` };
  if (pattern === 'branches') return { ok: true, expr: BRANCH_PIPELINE };
  if (pattern === 'tags') return { ok: true, expr: TAG_PIPELINE };
  const source = sourceFor(pattern);
  if (source !== null) return { ok: true, expr: `$CI_PIPELINE_SOURCE == "${source}"` };
  const regex = /^\/(.*)\/([ismU]*)$/s.exec(pattern);
  if (regex) {
    // A rules regex literal cannot hold an unescaped '/', must be 2+ characters and must not end in a backslash.
    const body = regex[1]!.replace(/(^|[^\\])\//g, '$1\\/');
    if (body.length < 2 || body.endsWith('\\')) return { ok: false, reason: `refs regex ${pattern} cannot be written as a rules regex` };
    const literal = `/${body}/${regex[2]}`;
    // `=~` matches an undefined variable as "", so test that the variable is set first.
    return { ok: true, expr: orExpr([`${BRANCH_PIPELINE} && ${BRANCH_PIPELINE} =~ ${literal}`, `${TAG_PIPELINE} && ${TAG_PIPELINE} =~ ${literal}`]) };
  }
  const literal = stringLiteral(pattern);
  if (literal === null) return { ok: false, reason: `refs entry ${JSON.stringify(pattern)} holds both quote characters` };
  return { ok: true, expr: orExpr([`${BRANCH_PIPELINE} == ${literal}`, `${TAG_PIPELINE} == ${literal}`]) };
}

/** One policy (`only` or `except`) → one expression per key, or a refusal. */
function policyExprs(name: 'only' | 'except', value: unknown): { ok: true; keys: string[] } | { ok: false; reason: string } {
  let policy: Record<string, unknown>;
  if (typeof value === 'string') policy = { refs: [value] };
  else if (Array.isArray(value)) policy = { refs: value };
  else if (value !== null && typeof value === 'object') policy = value as Record<string, unknown>;
  else return { ok: false, reason: `\`${name}\` is ${JSON.stringify(value)}, not a list or a map` };
  const keys: string[] = [];
  for (const [key, entries] of Object.entries(policy)) {
    if (key === 'changes' || key === 'kubernetes') {
      return { ok: false, reason: `\`${name}:${key}\` is not converted by healer (only refs and variables are converted exactly)` };
    }
    if (key !== 'refs' && key !== 'variables') return { ok: false, reason: `\`${name}:${key}\` is not a key healer knows` };
    const list = typeof entries === 'string' ? [entries] : entries;
    if (!Array.isArray(list) || list.length === 0) return { ok: false, reason: `\`${name}:${key}\` is empty or not a list` };
    const parts: string[] = [];
    for (const entry of list) {
      if (key === 'refs') {
        const converted = refExpr(entry);
        if (!converted.ok) return converted;
        parts.push(converted.expr);
      } else {
        if (typeof entry !== 'string' || entry.trim() === '') return { ok: false, reason: `\`${name}:variables\` holds a non-expression` };
        parts.push(entry.trim());
      }
    }
    keys.push(orExpr(parts));
  }
  if (keys.length === 0) return { ok: false, reason: `\`${name}\` is empty` };
  return { ok: true, keys };
}

export type PolicyConversion =
  | { ok: true; exclude: string | null; include: string | null }
  | { ok: false; reason: string };

/**
 * The rules equivalent of a job's `only`/`except` (undefined or null when absent): exclude → `when: never` rule,
 * include → the `if:` of the job's own rule (null: no condition).
 */
export function convertPolicies(only: unknown, except: unknown, workflowRules: boolean): PolicyConversion {
  let include: string | null = null;
  if (only !== undefined && only !== null) {
    const converted = policyExprs('only', only);
    if (!converted.ok) return converted;
    include = andExpr(converted.keys);
  } else if (!workflowRules) {
    include = defaultOnlyExpression();
  }
  let exclude: string | null = null;
  if (except !== undefined && except !== null) {
    const converted = policyExprs('except', except);
    if (!converted.ok) return converted;
    exclude = orExpr(converted.keys);
  }
  return { ok: true, include, exclude };
}

/** GitLab's default `only: [branches, tags]`: any pipeline that is not a merge request pipeline. */
export function defaultOnlyExpression(): string {
  return orExpr([BRANCH_PIPELINE, TAG_PIPELINE]);
}
