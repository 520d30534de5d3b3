/**
 * `healer init` as a pure function: the text of a .gitlab-ci.yml (plus the texts of the local files it includes, when
 * the caller could read them) → the new text, a plan with a reason per job, and warnings. Reading and writing files is
 * the command's business.
 */
import { isMap, type Node } from 'yaml';
import { checkJobName, checkStageName } from '../names.js';
import { CiInputError, isObject, loadCi, own, type Plain } from './document.js';
import type { JobPlan, PlanContext, Warning } from './context.js';
import { step, warn } from './context.js';
import { gateJob } from './gating.js';
import { addTopLevel, ensureStagesVariable } from './globals.js';
import { setHealerNeeds } from './healer-needs.js';
import { gateFlow, reportIncludes, type IncludeReport } from './include-report.js';
import { knownWorkflowRules, parseIncludes, readableLocal } from './includes.js';
import { CiModel, GLOBAL_KEYS, type Entry } from './model.js';
import { relaxNeeds } from './needs.js';
import { DEFAULT_COMMAND, jobEndLines, jobStartLines } from './recording.js';
import { scalar } from './render.js';
import { defaultPair, ensureIn, isTrigger, recordJob, type ScriptKey } from './scripts.js';
import { DEFAULT_JOB_STAGE, stageOrder } from './stages.js';
import { EditError, TextEdits } from './text-edits.js';
import { unflowTopLevel } from './unflow.js';

export interface IncludedText {
  /** The local include path as written in the file. */
  path: string;
  /** Its content, or null when it could not be read. */
  text: string | null;
}

export interface InitOptions {
  /** Command prefix in the recording lines (default `npx --yes healer`). */
  command?: string;
  /** Override the detection of workflow:rules (needed when an unreadable include may define them). */
  workflowRules?: boolean;
  includes?: readonly IncludedText[];
}

export interface InitPlan {
  ok: true;
  text: string;
  changed: boolean;
  stages: string[];
  workflowRules: boolean;
  jobs: JobPlan[];
  global: string[];
  warnings: Warning[];
  includes: IncludeReport[];
  /** The gate rule for each stage, as a flow item to paste into jobs of other files. */
  gates: Record<string, string>;
}

export type InitResult = InitPlan | { ok: false; error: string };

function stageOf(model: CiModel, entry: Entry): Plain {
  return model.provider(entry.name, 'stage')?.value ?? model.provider(entry.name, 'type')?.value ?? DEFAULT_JOB_STAGE;
}

interface External {
  values: Map<string, Plain>;
  workflow: boolean;
  jobsByInclude: Map<string, string[]>;
}

function readExternal(included: readonly IncludedText[], warnings: Warning[]): External {
  const values = new Map<string, Plain>();
  const jobsByInclude = new Map<string, string[]>();
  let workflow = false;
  for (const inc of included) {
    if (inc.text === null) continue;
    try {
      const loaded = loadCi(inc.text);
      const model = new CiModel(loaded.doc, loaded.root);
      const jobs: string[] = [];
      for (const entry of model.entries.values()) {
        if (entry.name === 'workflow' && isObject(entry.plain) && own(entry.plain, 'rules') !== undefined) workflow = true;
        if (GLOBAL_KEYS.has(entry.name)) continue;
        if (!values.has(entry.name)) values.set(entry.name, entry.plain);
        if (!entry.hidden && entry.map) jobs.push(entry.name);
      }
      jobsByInclude.set(inc.path, jobs);
    } catch (error) {
      warnings.push({ code: 'include-unreadable', message: `included file ${inc.path} could not be parsed (${(error as Error).message}); its jobs are not known` });
    }
  }
  return { values, workflow, jobsByInclude };
}

/** The local files a configuration includes that the caller may read and pass back in `includes`. */
export function localIncludes(text: string): string[] {
  try {
    const loaded = loadCi(text);
    return parseIncludes(new CiModel(loaded.doc, loaded.root).global('include'))
      .filter(readableLocal)
      .map((ref) => ref.target);
  } catch {
    return [];
  }
}

export function initCiYaml(text: string, options: InitOptions = {}): InitResult {
  try {
    return plan(text, options);
  } catch (error) {
    if (error instanceof CiInputError) return { ok: false, error: error.message };
    if (error instanceof EditError) return { ok: false, error: `healer cannot edit this file safely: ${error.message}` };
    throw error;
  }
}

function plan(original: string, options: InitOptions): InitPlan {
  const command = options.command ?? DEFAULT_COMMAND;
  if (command.trim() === '' || /[\n\r]/.test(command)) throw new CiInputError('--command must be one line, e.g. "npx --yes healer"');
  // Entries written as flow mappings { … } are rewritten in block style first, so that they can be edited.
  const { text, keys: unflowed } = unflowTopLevel(original);
  const loaded = loadCi(text);
  if (loaded.hasSpecHeader) {
    throw new CiInputError('the file opens with a spec: inputs header: it is a template or component to include, not a pipeline; run healer init on the .gitlab-ci.yml that includes it');
  }
  const warnings: Warning[] = unflowed.map((key) => ({
    code: 'flow-mapping',
    message: `"${key}" was written as a flow mapping { … }: healer rewrote it in block style (the same content) to edit it`,
    job: key,
  }));
  const includeRefs = parseIncludes(new CiModel(loaded.doc, loaded.root).global('include'));
  const external = readExternal(options.includes ?? [], warnings);
  const model = new CiModel(loaded.doc, loaded.root, external.values);

  const declared = model.global('stages') ?? model.global('types');
  const orderResult = stageOrder(declared ?? undefined);
  if (!orderResult.ok) throw new CiInputError(orderResult.reason);
  const order = orderResult.order;
  for (const stage of order) {
    const check = checkStageName(stage);
    if (!check.ok) throw new CiInputError(`${check.reason}: healer stage could not record it`);
    if (stage.includes(',')) throw new CiInputError(`stage name "${stage}" contains a comma, which HEALER_STAGES cannot carry`);
  }

  // workflow:rules decide GitLab's default only: for jobs without rules (Entry::Processable#compose!).
  const localWorkflow = model.global('workflow');
  let workflowRules = isObject(localWorkflow) && own(localWorkflow, 'rules') !== undefined;
  const unknownWorkflow: string[] = [];
  for (const ref of includeRefs) {
    const read = ref.kind === 'local' && (options.includes ?? []).some((i) => i.path === ref.target && i.text !== null);
    if (read) continue;
    const known = knownWorkflowRules(ref);
    if (known === true) workflowRules = true;
    else if (known === null) unknownWorkflow.push(ref.label);
  }
  if (external.workflow) workflowRules = true;
  if (options.workflowRules !== undefined) workflowRules = options.workflowRules;
  else if (!workflowRules && unknownWorkflow.length > 0) {
    warnings.push({
      code: 'workflow-unknown',
      message:
        `healer cannot see whether ${unknownWorkflow.join(', ')} define workflow:rules; it assumed they do not, so jobs without rules keep ` +
        "GitLab's default (branch and tag pipelines, not merge request pipelines). If they do, run again with --workflow-rules present",
    });
  }

  const ctx: PlanContext = {
    loaded,
    model,
    edits: new TextEdits(text),
    order,
    command,
    workflowRules,
    hasIncludes: includeRefs.length > 0,
    plans: new Map(),
    warnings,
    touched: new Set<Node>(),
  };

  // Stages first: an unknown stage is bad input, reported before anything is planned.
  const jobs = model.jobs();
  const stages = new Map<string, string>();
  for (const entry of jobs) {
    const nameCheck = checkJobName(entry.name);
    if (!nameCheck.ok) throw new CiInputError(nameCheck.reason);
    const stage = stageOf(model, entry);
    if (typeof stage !== 'string') throw new CiInputError(`job "${entry.name}" has stage ${JSON.stringify(stage)}, not a stage name`);
    if (!order.includes(stage)) {
      const hint = orderResult.declared ? '' : ' (stages: is not declared in this file; if an included file declares it, declare it here too)';
      throw new CiInputError(`job "${entry.name}" uses stage "${stage}", which is not in stages: [${order.slice(1, -1).join(', ')}]${hint}`);
    }
    if (model.provider(entry.name, 'stage') === null && model.provider(entry.name, 'type') !== null) {
      warn(ctx, 'deprecated-type', `job "${entry.name}" uses the deprecated type: keyword for its stage; healer reads it as stage:`, entry.name);
    }
    stages.set(entry.name, stage);
    ctx.plans.set(entry.name, { job: entry.name, stage, rules: 'unchanged', actions: [], changed: false });
  }

  for (const entry of jobs) step(ctx, entry.name, () => gateJob(ctx, entry, stages.get(entry.name)!));
  for (const entry of jobs) step(ctx, entry.name, () => relaxNeeds(ctx, entry, stages.get(entry.name)!));
  setHealerNeeds(ctx, jobs.filter((e) => !isTrigger(ctx, e)));

  const global: string[] = [];
  const scriptJobs = jobs.filter((e) => !isTrigger(ctx, e));
  if (scriptJobs.length > 0 || includeRefs.length > 0) {
    const stagesChange = ensureStagesVariable(ctx);
    if (stagesChange) global.push(stagesChange);
    recordAll(ctx, scriptJobs, global);
  } else {
    warn(ctx, 'no-jobs', 'the file defines no jobs and includes no files: nothing to do');
  }
  for (const entry of jobs) {
    if (isTrigger(ctx, entry)) ctx.plans.get(entry.name)!.actions.push('trigger job: runs no script, so it records nothing');
  }

  const includes = reportIncludes(ctx, includeRefs, options.includes ?? [], external.jobsByInclude);
  const newText = ctx.edits.apply();
  if (newText !== original) {
    // Never hand back text that does not parse: that would be a bug in healer, not the user's input.
    try {
      loadCi(newText);
    } catch (error) {
      throw new Error(`internal: healer produced invalid YAML (${(error as Error).message})`);
    }
  }
  const gates: Record<string, string> = {};
  for (const stage of order) gates[stage] = gateFlow(order, stage);
  return {
    ok: true,
    text: newText,
    changed: newText !== original,
    stages: order,
    workflowRules,
    jobs: [...ctx.plans.values()],
    global,
    warnings: ctx.warnings,
    includes,
    gates,
  };
}

/** Recording lines: default: first (or created), shared templates next, jobs' own lists last. */
function recordAll(ctx: PlanContext, jobs: Entry[], global: string[]): void {
  const keys: ScriptKey[] = ['before_script', 'after_script'];
  const needDefault = new Set<ScriptKey>();
  const rank = (e: Entry, key: ScriptKey) => {
    const kind = ctx.model.provider(e.name, key)?.kind;
    return kind === 'template' || kind === 'merge' ? 0 : 1;
  };
  // Existing defaults get the lines before anything that may reference them.
  for (const key of keys) {
    const { pair } = defaultPair(ctx, key);
    if (pair) {
      const done = ensureIn(ctx, pair, key, ctx.model.global(key) ?? ctx.model.merged('default')[key] ?? null);
      if (done) global.push(`default ${done}`);
    }
  }
  for (const key of keys) {
    const ordered = [...jobs].sort((a, b) => rank(a, key) - rank(b, key));
    for (const entry of ordered) if (step(ctx, entry.name, () => recordJob(ctx, entry, key))) needDefault.add(key);
  }
  // Included jobs inherit default: too, so it gets the lines when the file includes others.
  if (ctx.hasIncludes) for (const key of keys) needDefault.add(key);
  const missing = keys.filter((k) => needDefault.has(k) && defaultPair(ctx, k).pair === null);
  if (missing.length === 0) return;
  const linesOf = (key: ScriptKey) => (key === 'before_script' ? jobStartLines(ctx.command) : jobEndLines(ctx.command));
  const block = (indent: string) =>
    missing.map((key) => `${indent}${key}:\n${linesOf(key).map((l) => `${indent}  - ${scalar(l.text)}\n`).join('')}`).join('');
  const def = ctx.model.entries.get('default');
  const topLevel = keys.map((k) => ctx.model.entries.get(k)).find((e) => e !== undefined);
  if (!def && topLevel) {
    // The file uses the deprecated top-level before_script/after_script: stay in that style.
    ctx.edits.insertAfterPair(topLevel.pair, () => block(''));
  } else if (def) {
    if (!isMap(def.node) || def.node !== def.pair.value) throw new CiInputError('default: is not a plain mapping; healer cannot add before_script/after_script to it');
    ctx.edits.appendPair(def.node, block);
  } else {
    addTopLevel(ctx, `default:\n${block('  ')}`);
  }
  global.push(`${def || !topLevel ? "default " : ""}${missing.join(' and ')}: healer's lines added`);
}
