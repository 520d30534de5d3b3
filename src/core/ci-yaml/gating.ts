/**
 * Stage gating of one job: the job must behave exactly as before when RESUME_STAGE is undefined or empty, and be in
 * the pipeline iff its stage is the resume stage or a later one when RESUME_STAGE is set.
 * - own `rules:` are kept and healer's gate rule goes first;
 * - rules that come from `<<` or `extends:` stay where they are (shared templates are never gated, they serve jobs of
 *   different stages): the job gets its own `rules:` = gate + `!reference [template, rules]` (or a copy when the
 *   provider is itself a gated job);
 * - `only`/`except` are converted when exact (see only-except.ts), else the job is left alone with the reason;
 * - a job without any of them gets the rules of GitLab's default (`only: [branches, tags]`, none under
 *   `workflow:rules`) with its `when`/`start_in`/`allow_failure` carried over.
 */
import { isMap, isScalar, isSeq, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { deref, isObject, Reference, type Plain } from './document.js';
import { convertPolicies, defaultOnlyExpression } from './only-except.js';
import { planFor, warn, type PlanContext } from './context.js';
import type { Entry, Provider } from './model.js';
import { quoted, ruleFlow, ruleItemsLines, ruleLines, type RuleItem, type RuleSpec } from './render.js';
import { gateExpression, parseGate } from './stages.js';

const WHEN_VALUES = new Set(['on_success', 'on_failure', 'always', 'manual', 'delayed', 'never']);

function present(p: Provider | null): p is Provider {
  return p !== null && p.value !== null;
}

function isGateRule(item: Plain): boolean {
  return isObject(item) && parseGate(item.if) !== null;
}

/** Rules copied from elsewhere, without another job's gate. */
function copied(value: Plain): RuleItem[] {
  const items = Array.isArray(value) ? value : [value];
  return items.filter((i) => !isGateRule(i)).map((i) => (i instanceof Reference ? { reference: i.path } : { copy: i }));
}

function refuse(ctx: PlanContext, entry: Entry, reason: string): void {
  const plan = planFor(ctx, entry.name);
  plan.rules = 'refused';
  plan.reason = reason;
  warn(ctx, 'job-not-gated', `job "${entry.name}" is left as it is and will also run in resumed pipelines: ${reason}`, entry.name);
}

function appendRules(ctx: PlanContext, map: YAMLMap, items: RuleItem[]): void {
  const empty = ctx.model.literal(map, 'rules');
  if (empty) {
    // `rules:` with no value: fill it in rather than adding a second key.
    const indent = ctx.edits.mapIndent(map);
    ctx.edits.replaceValue(empty, `\n${ruleItemsLines(items, `${indent}  `)}`.replace(/\n$/, ''));
    return;
  }
  ctx.edits.appendPair(map, (indent) => `${indent}rules:\n${ruleItemsLines(items, `${indent}  `)}`);
}

/** Where the rules of a job that inherits them can be referenced, or null when they must be copied. */
function referenceTarget(ctx: PlanContext, p: Provider): string | null {
  if (p.kind === 'external') return p.owner;
  if (p.kind === 'template') {
    const owner = ctx.model.entries.get(p.owner);
    if (owner && (owner.hidden || owner.map === null)) return p.owner;
    return null;
  }
  if (p.kind === 'merge') {
    for (const entry of ctx.model.entries.values()) {
      if (entry.hidden && entry.map === p.container) return entry.name;
    }
  }
  return null;
}

function gateOwnRules(ctx: PlanContext, entry: Entry, pair: Pair, gate: RuleSpec): void {
  const plan = planFor(ctx, entry.name);
  const node = deref(ctx.loaded.doc, pair.value);
  const isAliasValue = node !== pair.value;
  if (isSeq(node) && node.tag !== '!reference' && !isAliasValue) {
    const seq = node as YAMLSeq;
    const first = deref(ctx.loaded.doc, seq.items[0]);
    if (isMap(first)) {
      const ifNode = first.get('if', true);
      const listed = parseGate(isScalar(ifNode) ? ifNode.value : undefined);
      if (listed !== null && isScalar(ifNode)) {
        const whenNode = first.get('when', true);
        if (ifNode.value === gate.if && isScalar(whenNode) && whenNode.value === 'never') {
          plan.rules = 'unchanged';
          plan.actions.push('already gated by healer');
        } else {
          ctx.edits.replaceNode(ifNode, quoted(gate.if!));
          if (!isScalar(whenNode) || whenNode.value !== 'never') throw new Error(`internal: healer gate of "${entry.name}" without when: never`);
          plan.rules = 'gate-updated';
          plan.actions.push('gate updated to the current stage order');
        }
        return;
      }
    }
    ctx.edits.insertSeqItems(seq, 0, (indent) => ruleLines(gate, indent), () => ruleFlow(gate));
    plan.rules = 'gate-added';
    plan.actions.push('gate rule put first; its own rules are kept');
    return;
  }
  // rules: *alias, rules: !reference [...], or a scalar: give the job its own list.
  const original: RuleItem[] =
    isSeq(node) && node.tag === '!reference'
      ? [{ reference: (node as YAMLSeq).items.map((i) => String(isScalar(i) ? i.value : i)) }]
      : copied(ctx.model.merged(entry.name).rules ?? null);
  const key = pair.key as { range?: [number, number, number] };
  const indent = ' '.repeat((key.range?.[0] ?? 0) - ctx.edits.lineStart(key.range?.[0] ?? 0));
  ctx.edits.replaceValue(pair, `\n${ruleItemsLines([{ rule: gate }, ...original], `${indent}  `)}`.replace(/\n$/, ''));
  plan.rules = 'gate-added';
  plan.actions.push(isAliasValue ? 'rules were an alias: written out as the job\'s own list, gate first' : 'gate rule put first; the referenced rules follow');
}

/** The last rule of a job that had no rules: its `when`, `start_in` and `allow_failure` as before. */
function finalRule(ctx: PlanContext, entry: Entry, condition: string | null): { rule: RuleSpec; remove: Provider[] } | { refused: string } {
  const model = ctx.model;
  const pWhen = model.provider(entry.name, 'when');
  const pStart = model.provider(entry.name, 'start_in');
  const pAllow = model.provider(entry.name, 'allow_failure');
  const when = present(pWhen) ? pWhen.value : 'on_success';
  if (typeof when !== 'string' || !WHEN_VALUES.has(when)) return { refused: `when: ${JSON.stringify(when)} is not a value healer knows` };
  const rule: RuleSpec = {};
  if (condition !== null) rule.if = condition;
  rule.when = when;
  const remove: Provider[] = [];
  if (present(pStart)) {
    if (pStart.kind !== 'own') return { refused: `start_in comes from "${pStart.owner}" and GitLab refuses start_in together with rules; move it into the job` };
    if (when === 'delayed') rule.start_in = String(pStart.value);
    remove.push(pStart);
  } else if (when === 'delayed') {
    return { refused: 'when: delayed without start_in' };
  }
  // Outside rules a manual job may fail by default; inside rules it may not (GitLab docs, allow_failure).
  if (when === 'manual' && !present(pAllow)) rule.allow_failure = true;
  if (present(pWhen) && pWhen.kind === 'own') remove.push(pWhen);
  return { rule, remove };
}

/** Neutralise a job's `only`/`except`: drop its own key, or override an inherited one with null (allowed with rules). */
function clearPolicy(ctx: PlanContext, entry: Entry, key: 'only' | 'except'): void {
  const p = ctx.model.provider(entry.name, key);
  if (!present(p) || !entry.map) return;
  const inherited = ctx.model.inheritedProvider(entry.name, key);
  if (p.kind === 'own' && p.pair) {
    if (present(inherited)) ctx.edits.replaceValue(p.pair, ' null');
    else ctx.edits.deletePair(p.pair);
  } else {
    ctx.edits.appendPair(entry.map, (indent) => `${indent}${key}: null\n`);
  }
}

export function gateJob(ctx: PlanContext, entry: Entry, stage: string): void {
  const plan = planFor(ctx, entry.name);
  const model = ctx.model;
  if (!entry.map) return;
  const gate: RuleSpec = { if: gateExpression(ctx.order, stage), when: 'never' };
  const pRules = model.provider(entry.name, 'rules');
  const pOnly = model.provider(entry.name, 'only');
  const pExcept = model.provider(entry.name, 'except');
  if (present(pRules) && (present(pOnly) || present(pExcept))) {
    refuse(ctx, entry, 'it has both rules and only/except, which GitLab refuses');
    return;
  }
  if (present(pRules)) {
    if (pRules.kind === 'own' && pRules.pair) {
      gateOwnRules(ctx, entry, pRules.pair, gate);
      return;
    }
    const target = referenceTarget(ctx, pRules);
    const inherited: RuleItem[] = target !== null ? [{ reference: [target, 'rules'] }] : copied(pRules.value);
    appendRules(ctx, entry.map, [{ rule: gate }, ...inherited]);
    plan.rules = 'gate-added';
    plan.actions.push(
      target !== null
        ? `own rules: gate, then !reference [${target}, rules] (the shared template stays as it is)`
        : `own rules: gate, then a copy of the rules of "${pRules.owner}" (a gated job, so it cannot be referenced)`,
    );
    return;
  }
  if (model.unknownAncestors(entry.name).length > 0) {
    refuse(ctx, entry, `it extends ${model.unknownAncestors(entry.name).map((n) => `"${n}"`).join(', ')}, defined in a file healer cannot read, which may give it rules, only/except or when`);
    return;
  }
  const hasPolicy = present(pOnly) || present(pExcept);
  let include: string | null;
  let exclude: string | null = null;
  if (hasPolicy) {
    const conversion = convertPolicies(pOnly?.value ?? undefined, pExcept?.value ?? undefined, ctx.workflowRules);
    if (!conversion.ok) {
      refuse(ctx, entry, conversion.reason);
      return;
    }
    include = conversion.include;
    exclude = conversion.exclude;
  } else {
    include = ctx.workflowRules ? null : defaultOnlyExpression();
  }
  const last = finalRule(ctx, entry, include);
  if ('refused' in last) {
    refuse(ctx, entry, last.refused);
    return;
  }
  const items: RuleItem[] = [{ rule: gate }];
  if (exclude !== null) items.push({ rule: { if: exclude, when: 'never' } });
  items.push({ rule: last.rule });
  for (const p of last.remove) if (p.pair) ctx.edits.deletePair(p.pair);
  if (hasPolicy) {
    clearPolicy(ctx, entry, 'only');
    clearPolicy(ctx, entry, 'except');
  }
  appendRules(ctx, entry.map, items);
  plan.rules = hasPolicy ? 'converted' : 'generated';
  const kept = [`when: ${last.rule.when}`];
  if (last.rule.start_in !== undefined) kept.push(`start_in: ${last.rule.start_in}`);
  if (last.rule.allow_failure !== undefined) kept.push('allow_failure: true (a manual job inside rules would otherwise block)');
  plan.actions.push(
    hasPolicy
      ? `only/except converted to equivalent rules (${kept.join(', ')}), gate first`
      : `rules written that reproduce its behaviour (${include === null ? 'every pipeline workflow:rules allows' : 'branch and tag pipelines, as GitLab\'s default only: [branches, tags]'}; ${kept.join(', ')}), gate first`,
  );
}
