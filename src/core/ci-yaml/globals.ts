/**
 * Top-level additions: `HEALER_STAGES` in `variables:` (the stage order `healer stage` copies into the record) and a
 * `default:` block for the recording lines when the file has none. New top-level blocks go after the last global
 * key that precedes the first job, else before the first job.
 */
import { isMap, isPair, isScalar, type Pair } from 'yaml';
import { deref, keyName } from './document.js';
import { warn, type PlanContext } from './context.js';
import { GLOBAL_KEYS } from './model.js';
import { healerStagesValue } from './stages.js';

export const STAGES_VARIABLE = 'HEALER_STAGES';

/** Add top-level lines (ending in a newline) at the place new global blocks belong. */
export function addTopLevel(ctx: PlanContext, lines: string): void {
  const pairs = ctx.loaded.root.items.filter(isPair);
  let lastGlobal: Pair | null = null;
  for (const pair of pairs) {
    const name = keyName(pair);
    if (name === null || !GLOBAL_KEYS.has(name)) break;
    lastGlobal = pair;
  }
  if (lastGlobal) {
    ctx.edits.insertAfterPair(lastGlobal, () => lines);
  } else if (pairs[0]) {
    ctx.edits.insertBeforePair(pairs[0], () => `${lines}\n`);
  }
}

/** Returns a description of the change, or null when HEALER_STAGES is already right. */
export function ensureStagesVariable(ctx: PlanContext): string | null {
  const value = healerStagesValue(ctx.order);
  const entry = ctx.model.entries.get('variables');
  const text = `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  if (!entry) {
    addTopLevel(ctx, `variables:\n  ${STAGES_VARIABLE}: ${text}\n`);
    return `variables: ${STAGES_VARIABLE} added`;
  }
  const map = deref(ctx.loaded.doc, entry.pair.value);
  if (entry.pair.value === null || (isScalar(map) && map.value === null)) {
    ctx.edits.replaceValue(entry.pair, `\n  ${STAGES_VARIABLE}: ${text}`);
    return `variables: ${STAGES_VARIABLE} added`;
  }
  if (!isMap(map) || map !== entry.pair.value) {
    warn(ctx, 'stages-variable', `variables: is not a plain mapping, so ${STAGES_VARIABLE}: "${value}" was not added; add it by hand`);
    return null;
  }
  for (const pair of map.items) {
    if (!isPair(pair) || keyName(pair) !== STAGES_VARIABLE) continue;
    const current = deref(ctx.loaded.doc, pair.value);
    const currentValue = isScalar(current) ? current.value : isMap(current) ? current.get('value') : undefined;
    if (currentValue === value) return null;
    if (isScalar(current) && current === pair.value) {
      ctx.edits.replaceNode(current, text);
      return `variables: ${STAGES_VARIABLE} updated to the current stage order`;
    }
    warn(ctx, 'stages-variable', `${STAGES_VARIABLE} is not a plain string; set it to "${value}" by hand`);
    return null;
  }
  try {
    ctx.edits.appendPair(map, (indent) => `${indent}${STAGES_VARIABLE}: ${text}\n`);
  } catch {
    warn(ctx, 'stages-variable', `variables: could not be edited, so ${STAGES_VARIABLE}: "${value}" was not added; add it by hand`);
    return null;
  }
  return `variables: ${STAGES_VARIABLE} added`;
}

