/**
 * `needs:` in a resumable pipeline: a job that needs a job of an earlier stage would make GitLab refuse the resumed
 * pipeline (the earlier job is excluded by its gate), so such needs become `optional: true` (GitLab 13.10+). When the
 * needed job is there, optional changes nothing; only the refusal goes away. Same-stage needs and `needs: []` stay.
 * `needs` nodes shared through anchors or templates are edited where they are: the change is harmless to every user.
 * `dependencies:` are checked (they must name jobs of earlier stages); their artifacts in a resumed pipeline come
 * from the earlier pipeline (healer restore), not from GitLab.
 */
import { isMap, isScalar, isSeq, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import { deref, isObject, Reference, type Plain } from './document.js';
import { planFor, warn, type PlanContext } from './context.js';
import type { Entry } from './model.js';
import { flowMap, pairLines } from './render.js';
import { DEFAULT_JOB_STAGE } from './stages.js';

/** The stage of any job we can see (this file or a read include), or null. */
export function stageOfJob(ctx: PlanContext, name: string): string | null {
  if (!ctx.model.has(name)) return null;
  const stage = ctx.model.provider(name, 'stage')?.value ?? ctx.model.provider(name, 'type')?.value ?? DEFAULT_JOB_STAGE;
  return typeof stage === 'string' ? stage : null;
}

type NeedVerdict = 'optional' | 'keep' | 'unknown';

function verdict(ctx: PlanContext, job: string, stage: string, needed: string): NeedVerdict {
  // A parallel job "build 1/3" or "build: [a, b]" is needed by its base name.
  const neededStage = stageOfJob(ctx, needed);
  if (neededStage === null) return 'unknown';
  const mine = ctx.order.indexOf(stage);
  const theirs = ctx.order.indexOf(neededStage);
  if (theirs < 0) return 'keep';
  if (theirs < mine) return 'optional';
  if (theirs > mine) warn(ctx, 'needs-later-stage', `job "${job}" needs "${needed}" of the later stage "${neededStage}" (GitLab refuses this)`, job);
  return 'keep';
}

function neededName(item: Plain): string | null {
  if (typeof item === 'string') return item;
  if (isObject(item) && typeof item.job === 'string' && item.pipeline === undefined && item.project === undefined) return item.job;
  return null;
}

/** Make the needs in `seq` that point at earlier stages optional; returns the names changed. */
function relaxSeq(ctx: PlanContext, job: string, stage: string, seq: YAMLSeq): string[] {
  const changed: string[] = [];
  for (const raw of seq.items) {
    const item = deref(ctx.loaded.doc, raw) as Node | null;
    if (item === null || raw !== item) continue; // aliases inside needs lists: left alone
    const plain = isScalar(item) ? item.value : isMap(item) ? (item.toJSON() as Plain) : null;
    const name = neededName(plain as Plain);
    if (name === null) continue;
    const v = verdict(ctx, job, stage, name);
    if (v === 'keep') continue;
    if (v === 'unknown') {
      if (!ctx.hasIncludes) {
        warn(ctx, 'needs-unknown-job', `job "${job}" needs "${name}", which is not defined in this file`, job);
        continue;
      }
      warn(ctx, 'needs-included-job', `job "${job}" needs "${name}", defined in an included file: made optional, since healer cannot see its stage`, job);
    }
    if (ctx.touched.has(item)) {
      changed.push(name);
      continue;
    }
    if (isScalar(item)) {
      ctx.edits.replaceNode(item, flowMap([['job', name], ['optional', true]]));
    } else if (isMap(item)) {
      const optional = (item as YAMLMap).get('optional', true);
      if (isScalar(optional) && optional.value === true) continue;
      if (isScalar(optional)) ctx.edits.replaceNode(optional, 'true');
      else ctx.edits.addToItemMap(item as YAMLMap, 'optional', 'true');
    }
    ctx.touched.add(item);
    changed.push(name);
  }
  return changed;
}

/** Plain needs list with earlier-stage entries made optional (for a job whose needs live in an unreadable place). */
function relaxPlain(ctx: PlanContext, job: string, stage: string, needs: Plain[]): { list: Plain[]; changed: string[] } {
  const changed: string[] = [];
  const list = needs.map((item) => {
    const name = neededName(item);
    if (name === null || item instanceof Reference) return item;
    const v = verdict(ctx, job, stage, name);
    if (v === 'keep' || (v === 'unknown' && !ctx.hasIncludes)) return item;
    if (isObject(item) && item.optional === true) return item;
    changed.push(name);
    return isObject(item) ? { ...item, optional: true } : { job: name, optional: true };
  });
  return { list, changed };
}

export function relaxNeeds(ctx: PlanContext, entry: Entry, stage: string): void {
  const plan = planFor(ctx, entry.name);
  const changed: string[] = [];
  const p = ctx.model.provider(entry.name, 'needs');
  if (p && Array.isArray(p.value)) {
    if (p.pair) {
      const seq = deref(ctx.loaded.doc, p.pair.value);
      if (isSeq(seq)) changed.push(...relaxSeq(ctx, entry.name, stage, seq));
    } else if (entry.map) {
      const relaxed = relaxPlain(ctx, entry.name, stage, p.value);
      if (relaxed.changed.length > 0) {
        const indent = ctx.edits.mapIndent(entry.map);
        ctx.edits.appendPair(entry.map, () => pairLines('needs', relaxed.list, indent));
        changed.push(...relaxed.changed);
      }
    }
  }
  // rules:needs replaces the job's needs when its rule matches.
  const rules = ctx.model.provider(entry.name, 'rules');
  if (rules?.pair) {
    const seq = deref(ctx.loaded.doc, rules.pair.value);
    if (isSeq(seq)) {
      for (const rule of seq.items) {
        const map = deref(ctx.loaded.doc, rule);
        if (!isMap(map)) continue;
        const needs = deref(ctx.loaded.doc, map.get('needs', true));
        if (isSeq(needs)) changed.push(...relaxSeq(ctx, entry.name, stage, needs));
      }
    }
  }
  if (changed.length > 0) {
    plan.actions.push(`needs on earlier stages made optional: ${[...new Set(changed)].join(', ')}`);
  }
  checkDependencies(ctx, entry, stage);
}

function checkDependencies(ctx: PlanContext, entry: Entry, stage: string): void {
  const deps = ctx.model.provider(entry.name, 'dependencies')?.value;
  if (!Array.isArray(deps) || deps.length === 0) return;
  const mine = ctx.order.indexOf(stage);
  const earlier: string[] = [];
  for (const dep of deps) {
    if (typeof dep !== 'string') continue;
    const theirs = stageOfJob(ctx, dep);
    if (theirs === null) {
      if (!ctx.hasIncludes) warn(ctx, 'dependency-unknown', `job "${entry.name}" has dependency "${dep}", which is not defined in this file`, entry.name);
      continue;
    }
    if (ctx.order.indexOf(theirs) >= mine) {
      warn(ctx, 'dependency-not-earlier', `job "${entry.name}" has dependency "${dep}" of stage "${theirs}", not an earlier stage (GitLab refuses this)`, entry.name);
      continue;
    }
    earlier.push(dep);
  }
  if (earlier.length > 0) {
    planFor(ctx, entry.name).actions.push(
      `dependencies checked: in a pipeline resumed after their stage, the artifacts of ${earlier.join(', ')} come from the earlier pipeline`,
    );
  }
}
