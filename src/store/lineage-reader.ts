/**
 * The earlier records of a resumed pipeline's lineage, newest first: the parent pipeline's record, then each
 * record's lineage.parent_pipeline_id, up to the root. Read without locks (every write is an atomic rename).
 * A missing or broken ancestor stops the walk and is reported; a cycle or an absurd depth stops it too.
 */
import type { LineageRecord } from '../core/restore-plan.js';
import { describeError } from '../errors.js';
import type { FileStore } from './file-store.js';

export const MAX_LINEAGE_DEPTH = 100;

export interface LineageWalk {
  records: LineageRecord[];
  /** Why the walk stopped early, when it did (a person should know which records were not read). */
  problems: string[];
}

export async function readLineage(store: FileStore, parentId: number, rootId: number | null): Promise<LineageWalk> {
  const records: LineageRecord[] = [];
  const problems: string[] = [];
  const seen = new Set<number>();
  let next: number | null = parentId;
  while (next !== null) {
    const id: number = next;
    if (seen.has(id)) {
      problems.push(`the lineage loops back to pipeline ${id}; stopped there`);
      break;
    }
    if (seen.size >= MAX_LINEAGE_DEPTH) {
      problems.push(`the lineage is deeper than ${MAX_LINEAGE_DEPTH} pipelines; stopped at pipeline ${id}`);
      break;
    }
    seen.add(id);
    let loaded;
    try {
      loaded = await store.read(id);
    } catch (error) {
      problems.push(`the record of pipeline ${id} cannot be used: ${describeError(error)}`);
      break;
    }
    if (loaded === null) {
      problems.push(`no record of pipeline ${id} in ${store.stateDir}`);
      break;
    }
    records.push({ pipelineId: id, record: loaded.record, format: loaded.format });
    const lineage = loaded.record.lineage;
    next = lineage?.parent_pipeline_id ?? null;
    // A record resumed by hand may know its root but not its parent: the root is still an earlier run.
    if (next === null) {
      const root = lineage?.root_pipeline_id ?? rootId;
      if (root !== null && root !== undefined && !seen.has(root) && root !== id) next = root;
      else if (rootId !== null && !seen.has(rootId) && rootId !== id) next = rootId;
    }
  }
  return { records, problems };
}
