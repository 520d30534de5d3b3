/**
 * Reading a record's text: JSON, then the v1 schema or the legacy schema (upgraded in memory).
 * The validators are ajv standalone code generated at build time (scripts/gen-validators.mjs): no ajv compiler
 * is loaded in CI jobs. Pure: the caller reads the file.
 */
import { validateLegacyRecord, validateRecordV1 } from '../generated/validators.js';
import { upgradeLegacy, type LegacyRecord, type ProgressRecord } from './record.js';

export type ParseResult =
  | { ok: true; record: ProgressRecord; format: 'v1' | 'legacy' }
  | { ok: false; reason: string };

interface SchemaError {
  instancePath: string;
  message?: string;
}

type GeneratedValidator = ((data: unknown) => boolean) & { errors?: SchemaError[] | null };

const v1 = validateRecordV1 as GeneratedValidator;
const legacy = validateLegacyRecord as GeneratedValidator;

export function describeSchemaErrors(errors: SchemaError[] | null | undefined, max = 3): string {
  const list = (errors ?? []).slice(0, max).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
  const more = (errors?.length ?? 0) > max ? ` (+${(errors?.length ?? 0) - max} more)` : '';
  return list.join('; ') + more;
}

export function validateRecord(value: unknown): { ok: true } | { ok: false; reason: string } {
  return v1(value) ? { ok: true } : { ok: false, reason: describeSchemaErrors(v1.errors) };
}

export function parseRecordText(text: string, pipelineId: number): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `is not valid JSON (${(error as Error).message})` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'is not a JSON object' };
  }
  const version = (value as { version?: unknown }).version;
  if (version !== undefined) {
    if (typeof version === 'number' && version > 1) {
      return { ok: false, reason: `was written by a newer healer (record version ${version}); upgrade healer` };
    }
    if (!v1(value)) return { ok: false, reason: `does not match the record schema: ${describeSchemaErrors(v1.errors)}` };
    const record = value as ProgressRecord;
    if (record.pipeline.id !== pipelineId) {
      return { ok: false, reason: `belongs to pipeline ${record.pipeline.id}, not to pipeline ${pipelineId} (its folder)` };
    }
    return { ok: true, record, format: 'v1' };
  }
  if (!legacy(value)) {
    return { ok: false, reason: `is neither a healer record nor a legacy one: ${describeSchemaErrors(legacy.errors)}` };
  }
  const old = value as LegacyRecord;
  if (old.pipeline_id !== undefined && Number(old.pipeline_id) !== pipelineId) {
    return { ok: false, reason: `belongs to pipeline ${old.pipeline_id}, not to pipeline ${pipelineId} (its folder)` };
  }
  return { ok: true, record: upgradeLegacy(old, pipelineId), format: 'legacy' };
}
