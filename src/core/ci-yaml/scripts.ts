/**
 * Recording: every job that runs a script gets healer's start lines first in its before_script and its end lines
 * first in its after_script. They go into `default:` (or the deprecated top-level before_script/after_script when the
 * file uses those) for every job that inherits it; a job that brings its own list (directly, through `<<` or through
 * `extends:`) gets the lines in that list, where it is defined (a shared template gets them once, for all its jobs);
 * a job whose list comes from a file healer does not edit gets its own list with `!reference` to it.
 * Trigger jobs run no scripts and are skipped.
 */
import { isPair, isScalar, isSeq, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { deref, isObject, Reference, type Plain } from './document.js';
import { planFor, type PlanContext } from './context.js';
import type { Entry } from './model.js';
import { commandOf, jobEndLines, jobStartLines, missingLines, type RecordingLine } from './recording.js';
import { referenceText, scalar } from './render.js';

export type ScriptKey = 'before_script' | 'after_script';

export function linesFor(ctx: PlanContext, key: ScriptKey): RecordingLine[] {
  return key === 'before_script' ? jobStartLines(ctx.command) : jobEndLines(ctx.command);
}

/**
 * The strings of a script value, with in-file `!reference`s followed. A reference to a list that this run already
 * gives healer's lines counts as holding them.
 */
function flatten(ctx: PlanContext, value: Plain | undefined, lines: readonly RecordingLine[], depth = 0): string[] {
  if (value === undefined || value === null || depth > 10) return [];
  if (typeof value === 'string') return [value];
  if (value instanceof Reference) {
    const [name, ...path] = value.path;
    if (name === undefined) return [];
    if (path.length === 1) {
      const p = ctx.model.provider(name, path[0]!);
      const node = p?.pair ? deref(ctx.loaded.doc, p.pair.value) : null;
      if (node !== null && ctx.touched.has(node)) return lines.map((l) => l.text);
    }
    let target: Plain | undefined = ctx.model.merged(name);
    for (const key of path) target = isObject(target) ? target[key] : undefined;
    return flatten(ctx, target, lines, depth + 1);
  }
  if (Array.isArray(value)) return value.flatMap((v) => flatten(ctx, v, lines, depth + 1));
  return [];
}

function itemsText(lines: readonly RecordingLine[], indent: string): string {
  return lines.map((l) => `${indent}- ${scalar(l.text)}\n`).join('');
}

/** The healer line of a list item, if it is one. */
function lineAt(ctx: PlanContext, item: unknown, lines: readonly RecordingLine[]): RecordingLine | null {
  const node = deref(ctx.loaded.doc, item);
  if (!isScalar(node) || typeof node.value !== 'string') return null;
  const text = node.value;
  return lines.find((l) => l.matches(text)) ?? null;
}

/**
 * Where a missing line goes so that healer's lines keep their order: before the first later line already in the
 * list (a list written before the restore line existed gets it just before its stage line), else after the last
 * earlier one, else first.
 */
function insertionIndex(ctx: PlanContext, seq: YAMLSeq, lines: readonly RecordingLine[], line: RecordingLine): number {
  const at = lines.indexOf(line);
  const found = seq.items.map((item) => {
    const present = lineAt(ctx, item, lines);
    return present ? lines.indexOf(present) : -1;
  });
  const later = found.findIndex((i) => i > at);
  if (later >= 0) return later;
  let earlier = -1;
  found.forEach((i, index) => {
    if (i >= 0 && i < at) earlier = index;
  });
  return earlier + 1;
}

/** Put `missing` into the list held by `pair` (or replace its value by a list when it is not one). */
function insertLines(ctx: PlanContext, pair: Pair, lines: readonly RecordingLine[], missing: readonly RecordingLine[]): void {
  const node = deref(ctx.loaded.doc, pair.value);
  if (node === null) {
    const indent = ctx.edits.keyIndent(pair);
    ctx.edits.replaceValue(pair, `\n${itemsText(missing, `${indent}  `)}`.replace(/\n$/, ''));
    return;
  }
  if (ctx.touched.has(node)) return;
  ctx.touched.add(node);
  if (isSeq(node) && node.tag !== '!reference') {
    for (const line of missing) {
      ctx.edits.insertSeqItems(
        node as YAMLSeq,
        insertionIndex(ctx, node as YAMLSeq, lines, line),
        (indent) => itemsText([line], indent),
        () => scalar(line.text),
      );
    }
    return;
  }
  // A string, a block scalar, an alias or a !reference: becomes a list with healer's lines first (nested lists of
  // strings are allowed in scripts; GitLab flattens them).
  const indent = ctx.edits.keyIndent(pair);
  const itemIndent = `${indent}  `;
  const original = ctx.edits.valueSource(pair).replace(/\n(?=[^\n])/g, '\n  ');
  ctx.edits.replaceValue(pair, `\n${itemsText(missing, itemIndent)}${itemIndent}- ${original}`);
}

/** Rewrite recognised lines written with another command prefix (a plain list of scalars only). */
function updatePrefix(ctx: PlanContext, pair: Pair, lines: readonly RecordingLine[]): boolean {
  const node = deref(ctx.loaded.doc, pair.value);
  if (!isSeq(node)) return false;
  let changed = false;
  for (const item of node.items) {
    if (!isScalar(item) || typeof item.value !== 'string') continue;
    const line = lines.find((l) => l.matches(String(item.value)));
    if (!line || item.value === line.text) continue;
    if (commandOf(item.value, line.kind) === ctx.command && line.text.startsWith(item.value.trim())) continue;
    if (ctx.touched.has(item)) continue;
    ctx.touched.add(item);
    ctx.edits.replaceNode(item, scalar(line.text));
    changed = true;
  }
  return changed;
}

/** Ensure the list held by `pair` starts with healer's lines; returns what was done, or null. */
export function ensureIn(ctx: PlanContext, pair: Pair, key: ScriptKey, value: Plain): string | null {
  const lines = linesFor(ctx, key);
  const missing = missingLines(lines, flatten(ctx, value, lines));
  const node = deref(ctx.loaded.doc, pair.value);
  if (missing.length === 0 || (node !== null && ctx.touched.has(node))) {
    return updatePrefix(ctx, pair, lines) ? `${key}: healer's command prefix updated` : null;
  }
  insertLines(ctx, pair, lines, missing);
  return `${key}: ${missing.map((l) => l.kind).join(', ')} added`;
}

/** Where the file's default before_script/after_script lives: the deprecated top-level key, or default:. */
export function defaultPair(ctx: PlanContext, key: ScriptKey): { pair: Pair | null; map: YAMLMap | null } {
  const top = ctx.model.entries.get(key);
  if (top) return { pair: top.pair, map: null };
  const def = ctx.model.entries.get('default');
  if (def?.map) {
    for (const pair of def.map.items) if (isPair(pair) && isScalar(pair.key) && pair.key.value === key) return { pair, map: def.map };
    return { pair: null, map: def.map };
  }
  return { pair: null, map: null };
}

/** Does the job take `key` from default:? (inherit:default false or a list without the key says no.) */
export function inheritsDefault(ctx: PlanContext, name: string, key: ScriptKey): boolean {
  const inherit = ctx.model.merged(name).inherit;
  if (!isObject(inherit)) return true;
  const d = inherit.default;
  if (d === false) return false;
  if (Array.isArray(d)) return d.includes(key);
  return true;
}

export function isTrigger(ctx: PlanContext, entry: { name: string }): boolean {
  const t = ctx.model.merged(entry.name).trigger;
  return t !== undefined && t !== null;
}

/**
 * A job's own list (or the template's that it uses): make sure the lines are there. Jobs that inherit default: are
 * handled by the default pass. Returns true when the job relies on default:.
 */
export function recordJob(ctx: PlanContext, entry: Entry, key: ScriptKey): boolean {
  const plan = planFor(ctx, entry.name);
  const p = ctx.model.provider(entry.name, key);
  if (p === null || (p.value === null && p.pair === null)) {
    if (inheritsDefault(ctx, entry.name, key)) return true;
    if (!entry.map) return false;
    const lines = linesFor(ctx, key);
    ctx.edits.appendPair(entry.map, (indent) => `${indent}${key}:\n${itemsText(lines, `${indent}  `)}`);
    plan.actions.push(`${key}: own list with healer's lines (the job does not inherit default:)`);
    return false;
  }
  if (p.pair) {
    const done = ensureIn(ctx, p.pair, key, p.value);
    if (done) plan.actions.push(p.kind === 'own' ? done : `${done} in "${p.owner}" (shared, where the list is defined)`);
    return false;
  }
  // Defined in an included file: own list = healer's lines + a reference to the original.
  const lines = linesFor(ctx, key);
  const missing = missingLines(lines, flatten(ctx, p.value, lines));
  if (missing.length === 0 || !entry.map) return false;
  ctx.edits.appendPair(
    entry.map,
    (indent) => `${indent}${key}:\n${itemsText(missing, `${indent}  `)}${indent}  - ${referenceText([p.owner, key])}\n`,
  );
  plan.actions.push(`${key}: own list = healer's lines + !reference [${p.owner}, ${key}]`);
  return false;
}

/** For a job healer does not edit (in an included file): healer's lines its `key` list lacks, to put first there. */
export function missingInJob(ctx: PlanContext, name: string, key: ScriptKey): RecordingLine[] {
  const lines = linesFor(ctx, key);
  const p = ctx.model.provider(name, key);
  if (p === null || (p.value === null && p.pair === null)) return inheritsDefault(ctx, name, key) ? [] : lines;
  const node = p.pair ? deref(ctx.loaded.doc, p.pair.value) : null;
  if (node !== null && ctx.touched.has(node)) return [];
  return missingLines(lines, flatten(ctx, p.value, lines));
}
