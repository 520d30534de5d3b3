export { initCiYaml, localIncludes, type IncludedText, type InitOptions, type InitPlan, type InitResult } from './plan.js';
export type { IncludedJob, IncludeReport } from './include-report.js';
export type { JobPlan, Warning } from './context.js';
export { DEFAULT_COMMAND, jobEndLines, jobStartLines } from './recording.js';
export { gateExpression, parseGate, stageOrder } from './stages.js';
