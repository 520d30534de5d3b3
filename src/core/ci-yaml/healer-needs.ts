/**
 * HEALER_NEEDS per job: the JSON list of the jobs whose artifacts GitLab gives it (artifact-needs.ts), so that
 * `healer restore` in a resumed pipeline fetches exactly those. init owns the variable: a job's effective value (after
 * `<<` merge keys and `extends:`) is made to equal what its needs/dependencies say, and nothing else changes.
 * - A job with needs or dependencies gets the value in its OWN `variables:` map: added to the map it writes itself,
 *   or a new map. Variables merged in with `<<` are replaced whole by a job's own map (YAML merges one level), so the
 *   new map starts with `<<: *anchor` of the merged one (an anchor is added to it when it has none); variables from
 *   `extends:` are deep-merged by GitLab, so a one-key map keeps them. A map shared through an alias is never written:
 *   `variables: *v` becomes `<<: *v` plus the key.
 * - A job with neither gets no variable; if it would still see one (its own from an earlier run, another job's it
 *   inherits), its own key is removed, or set to '' (restore reads '' as "not given") when removing is not enough.
 */
import { isAlias, isMap, isPair, isScalar, visit, type Node, type YAMLMap } from 'yaml';
import { artifactNeeds, needsValue, NEEDS_VARIABLE, variableValue, type ResolveReference } from './artifact-needs.js';
import { planFor, step, warn, type PlanContext } from './context.js';
import { deref, isMergePair, isObject, mergeSources, own, toPlain, type Plain } from './document.js';
import { extendsList, type Entry } from './model.js';
import { quoted } from './render.js';

interface Writes {
  /** Existing variables maps whose HEALER_NEEDS this run sets (the value) or removes (null). */
  keys: Map<YAMLMap, string | null>;
  /** Job maps given their own `variables:` (new, or in place of an alias) holding HEALER_NEEDS. */
  own: Map<YAMLMap, string>;
  /** Anchors given to merged variables maps this run (two jobs merging one map share it). */
  anchors: Map<Node, string>;
  taken: Set<string> | null;
}

const MAX_DEPTH = 20;

/** HEALER_NEEDS in a variables map, literal or merged, as it will be after this run's writes. */
function keyIn(ctx: PlanContext, w: Writes, map: YAMLMap, depth = 0): string | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const written = w.keys.get(map);
  if (written !== undefined && written !== null) return written;
  const literal = written === null ? null : ctx.model.literal(map, NEEDS_VARIABLE);
  if (literal) return variableValue(toPlain(ctx.loaded.doc, literal.value));
  for (const pair of map.items) {
    if (!isPair(pair) || !isMergePair(pair)) continue;
    for (const source of mergeSources(ctx.loaded.doc, pair)) {
      const found = keyIn(ctx, w, source, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** The `variables:` a job map holds (literal, else the first `<<` source with one): found, and its HEALER_NEEDS. */
function variablesIn(ctx: PlanContext, w: Writes, map: YAMLMap, depth = 0): { found: boolean; value?: string } {
  if (depth > MAX_DEPTH) return { found: false };
  const created = w.own.get(map);
  if (created !== undefined) return { found: true, value: created };
  const literal = ctx.model.literal(map, 'variables');
  if (literal) {
    const node = deref(ctx.loaded.doc, literal.value);
    const value = isMap(node) ? keyIn(ctx, w, node) : undefined;
    return value === undefined ? { found: true } : { found: true, value };
  }
  for (const pair of map.items) {
    if (!isPair(pair) || !isMergePair(pair)) continue;
    for (const source of mergeSources(ctx.loaded.doc, pair)) {
      const found = variablesIn(ctx, w, source, depth + 1);
      if (found.found) return found;
    }
  }
  return { found: false };
}

/** The job's HEALER_NEEDS after this run: its own variables, else its extends: parents' (the last one wins). */
function effective(ctx: PlanContext, w: Writes, name: string, depth = 0): string | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const entry = ctx.model.entries.get(name);
  let value: Plain | undefined;
  if (entry?.map) {
    const found = variablesIn(ctx, w, entry.map).value;
    if (found !== undefined) return found;
    value = entry.plain;
  } else {
    value = ctx.model.external.get(name);
    if (!isObject(value)) return undefined;
    const vars = own(value, 'variables');
    const found = isObject(vars) ? variableValue(own(vars, NEEDS_VARIABLE)) : undefined;
    if (found !== undefined) return found;
  }
  const parents = extendsList(isObject(value) ? own(value, 'extends') : undefined);
  for (const parent of [...parents].reverse()) {
    const found = effective(ctx, w, parent, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function anchorName(ctx: PlanContext, w: Writes, container: YAMLMap | null): string {
  if (w.taken === null) {
    const taken = new Set<string>();
    visit(ctx.loaded.doc, { Node: (_, node) => void (node.anchor && taken.add(node.anchor)) });
    w.taken = taken;
  }
  const owner = [...ctx.model.entries.values()].find((e) => e.map === container)?.name ?? 'healer';
  const base = `${owner.replace(/^\.+/, '').replace(/[^A-Za-z0-9_-]+/g, '-') || 'template'}-variables`;
  let name = base;
  for (let i = 2; w.taken.has(name); i += 1) name = `${base}-${i}`;
  w.taken.add(name);
  return name;
}

/** The alias a job's new map merges to keep the variables it had through `<<`: '' for none, null when impossible. */
function mergeAlias(ctx: PlanContext, w: Writes, entry: Entry): string | null {
  const p = ctx.model.provider(entry.name, 'variables');
  if (p?.kind !== 'merge' || !p.pair) return '';
  const value = p.pair.value;
  if (isAlias(value)) return isMap(deref(ctx.loaded.doc, value)) ? value.source : null;
  if (value === null || (isScalar(value) && value.value === null)) return '';
  if (!isMap(value)) return null;
  if (value.items.length === 0) return '';
  if (value.anchor) return value.anchor;
  const known = w.anchors.get(value);
  if (known) return known;
  const name = anchorName(ctx, w, p.container);
  ctx.edits.insertAfterColon(p.pair, ` &${name}`);
  w.anchors.set(value, name);
  return name;
}

type Written = 'set' | 'updated' | 'same' | { refused: string };

/** Make the job's own variables hold HEALER_NEEDS = raw. */
function writeOwn(ctx: PlanContext, w: Writes, entry: Entry, map: YAMLMap, raw: string): Written {
  const text = quoted(raw);
  const pair = ctx.model.literal(map, 'variables');
  if (!pair) {
    const alias = mergeAlias(ctx, w, entry);
    if (alias === null) return { refused: 'the variables it merges with << are not a mapping healer can merge again' };
    ctx.edits.appendPair(map, (i) => `${i}variables:\n${alias ? `${i}  <<: *${alias}\n` : ''}${i}  ${NEEDS_VARIABLE}: ${text}\n`);
    w.own.set(map, raw);
    return 'set';
  }
  const node = deref(ctx.loaded.doc, pair.value);
  const indent = `${ctx.edits.keyIndent(pair)}  `;
  if (node === null || (isScalar(node) && node.value === null && node === pair.value)) {
    ctx.edits.replaceValue(pair, `\n${indent}${NEEDS_VARIABLE}: ${text}`);
    w.own.set(map, raw);
    return 'set';
  }
  if (isAlias(pair.value) && isMap(node)) {
    // Shared through an alias: the job gets its own map that merges the shared one.
    ctx.edits.replaceValue(pair, `\n${indent}<<: *${pair.value.source}\n${indent}${NEEDS_VARIABLE}: ${text}`);
    w.own.set(map, raw);
    return 'set';
  }
  if (!isMap(node)) return { refused: `its variables: is ${node.tag === '!reference' ? 'a !reference' : 'not a mapping'}` };
  const key = ctx.model.literal(node, NEEDS_VARIABLE);
  w.keys.set(node, raw);
  if (!key) {
    ctx.edits.addToItemMap(node, NEEDS_VARIABLE, text);
    return 'set';
  }
  if (variableValue(toPlain(ctx.loaded.doc, key.value)) === raw) return 'same';
  if (isScalar(key.value)) ctx.edits.replaceNode(key.value, text);
  else ctx.edits.replaceValue(key, ` ${text}`);
  return 'updated';
}

/** A job without needs/dependencies: no HEALER_NEEDS of its own, and none it would inherit. */
function clearOwn(ctx: PlanContext, w: Writes, entry: Entry, map: YAMLMap): string | null {
  const pair = ctx.model.literal(map, 'variables');
  const node = pair && pair.value === deref(ctx.loaded.doc, pair.value) && isMap(pair.value) ? pair.value : null;
  const key = node ? ctx.model.literal(node, NEEDS_VARIABLE) : null;
  if (node && key) w.keys.set(node, null);
  const current = key ? variableValue(toPlain(ctx.loaded.doc, key.value)) : undefined;
  const inherited = effective(ctx, w, entry.name);
  if (!inherited) {
    if (!node || !key) return null;
    if (current === '') {
      w.keys.set(node, '');
      return null;
    }
    // The last key goes with its `variables:`, unless that map hides variables merged in with `<<`.
    const alone = node.items.length === 1 && ctx.model.inheritedProvider(entry.name, 'variables')?.kind !== 'merge';
    if (node.flow || (node.items.length === 1 && !alone)) ctx.edits.replaceValue(key, " ''");
    else ctx.edits.deletePair(alone && pair ? pair : key);
    return `variables: ${NEEDS_VARIABLE} removed (no needs: or dependencies: any more: restore takes every earlier stage's artifacts)`;
  }
  if (current === '') {
    w.keys.set(node!, '');
    return null;
  }
  const done = writeOwn(ctx, w, entry, map, '');
  if (typeof done !== 'string') {
    warn(ctx, 'healer-needs-not-set', `job "${entry.name}" would take ${NEEDS_VARIABLE}: '${inherited}' from elsewhere, but ${done.refused}; set ${NEEDS_VARIABLE}: '' in it by hand`, entry.name);
    return null;
  }
  return `variables: ${NEEDS_VARIABLE}: '' (it has no needs: or dependencies:, so it must not take '${inherited}' from where it inherits variables)`;
}

function referenceResolver(ctx: PlanContext): ResolveReference {
  return (ref) => {
    const [name, ...path] = ref.path;
    if (name === undefined || !ctx.model.has(name)) return undefined;
    let target: Plain | undefined = ctx.model.merged(name);
    for (const key of path) target = isObject(target) ? own(target, key) : undefined;
    return target;
  };
}

/**
 * For a job of an included file (not edited): its HEALER_NEEDS value, and the text to add there when what the file
 * holds differs (null when nothing is to add; '' stands for "remove yours").
 */
export function includedNeeds(ctx: PlanContext, name: string): { value: string | null; add: string | null } {
  const needs = artifactNeeds(ctx.model.merged(name), referenceResolver(ctx));
  const value = needs.kind === 'list' ? needsValue(needs.names) : null;
  const current = effective(ctx, { keys: new Map(), own: new Map(), anchors: new Map(), taken: null }, name);
  if (needs.kind === 'unknown' || (current ?? '') === (value ?? '')) return { value, add: null };
  return { value, add: `${NEEDS_VARIABLE}: ${quoted(value ?? '')}` };
}

/** Set HEALER_NEEDS on every job that runs scripts; jobs with needs/dependencies first, the others then see their writes. */
export function setHealerNeeds(ctx: PlanContext, jobs: readonly Entry[]): void {
  const w: Writes = { keys: new Map(), own: new Map(), anchors: new Map(), taken: null };
  const resolve = referenceResolver(ctx);
  const later: Array<[Entry, YAMLMap]> = [];
  for (const entry of jobs) {
    const plan = planFor(ctx, entry.name);
    const map = entry.map;
    if (!map) continue;
    const needs = artifactNeeds(ctx.model.merged(entry.name), resolve);
    if (needs.kind === 'unknown') {
      plan.healer_needs = null;
      warn(ctx, 'healer-needs-unknown', `job "${entry.name}": ${NEEDS_VARIABLE} not set, ${needs.reason}; in a resumed pipeline it restores every earlier stage's artifacts`, entry.name);
      continue;
    }
    if (needs.kind === 'default') {
      plan.healer_needs = null;
      later.push([entry, map]);
      continue;
    }
    const raw = needsValue(needs.names);
    plan.healer_needs = raw;
    if (entry.node !== entry.pair.value) {
      warn(ctx, 'healer-needs-not-set', `job "${entry.name}" is an alias of another node; add variables: ${NEEDS_VARIABLE}: ${quoted(raw)} to it by hand`, entry.name);
      continue;
    }
    const done = step(ctx, entry.name, () => writeOwn(ctx, w, entry, map, raw));
    if (typeof done !== 'string') {
      warn(ctx, 'healer-needs-not-set', `job "${entry.name}": ${done.refused}; add ${NEEDS_VARIABLE}: ${quoted(raw)} to its variables by hand`, entry.name);
    } else if (done !== 'same') {
      plan.actions.push(`variables: ${NEEDS_VARIABLE} ${done === 'set' ? 'set to' : 'updated to'} ${quoted(raw)} (the artifacts GitLab gives it, from its ${needs.from})`);
    }
  }
  for (const [entry, map] of later) {
    if (entry.node !== entry.pair.value) continue;
    const done = step(ctx, entry.name, () => clearOwn(ctx, w, entry, map));
    if (done) planFor(ctx, entry.name).actions.push(done);
  }
}
