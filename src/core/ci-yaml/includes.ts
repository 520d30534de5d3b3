/**
 * `include:` entries. init edits only the given file; jobs defined in included files keep running in resumed
 * pipelines unless their owners add the gate, so init says exactly what to add. Local includes that the command could
 * read are parsed (read-only) for their jobs, templates, stages and `workflow:rules`; GitLab's own templates are known
 * by name; anything else is opaque.
 */
import { isObject, own, type Plain } from './document.js';

export type IncludeKind = 'local' | 'template' | 'project' | 'remote' | 'component';

export interface IncludeRef {
  kind: IncludeKind;
  /** Path, template name, URL or component address. */
  target: string;
  /** `project` includes: the project path. */
  project?: string;
  label: string;
}

/** GitLab templates whose content defines workflow:rules (lib/gitlab/ci/templates). */
const WORKFLOW_TEMPLATES = new Set([
  'Workflows/Branch-Pipelines.gitlab-ci.yml',
  'Workflows/MergeRequest-Pipelines.gitlab-ci.yml',
  'Auto-DevOps.gitlab-ci.yml',
]);

function fromString(value: string): IncludeRef {
  if (/^https?:\/\//.test(value)) return { kind: 'remote', target: value, label: `remote ${value}` };
  const path = value.replace(/^\//, '');
  return { kind: 'local', target: path, label: `local ${path}` };
}

export function parseIncludes(value: Plain | undefined): IncludeRef[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  const out: IncludeRef[] = [];
  for (const item of list) {
    if (typeof item === 'string') {
      out.push(fromString(item));
    } else if (isObject(item)) {
      const local = own(item, 'local');
      const template = own(item, 'template');
      const remote = own(item, 'remote');
      const component = own(item, 'component');
      const project = own(item, 'project');
      if (typeof local === 'string') out.push({ kind: 'local', target: local.replace(/^\//, ''), label: `local ${local}` });
      else if (typeof template === 'string') out.push({ kind: 'template', target: template, label: `template ${template}` });
      else if (typeof remote === 'string') out.push({ kind: 'remote', target: remote, label: `remote ${remote}` });
      else if (typeof component === 'string') out.push({ kind: 'component', target: component, label: `component ${component}` });
      else if (typeof project === 'string') {
        const files = own(item, 'file');
        for (const file of Array.isArray(files) ? files : [files]) {
          if (typeof file === 'string') out.push({ kind: 'project', target: file, project, label: `project ${project} file ${file}` });
        }
      }
    }
  }
  return out;
}

/** Local includes the command should try to read (no wildcards, no variables). */
export function readableLocal(ref: IncludeRef): boolean {
  return ref.kind === 'local' && !/[*?[$]/.test(ref.target);
}

/** true: defines workflow:rules; false: does not; null: cannot tell. */
export function knownWorkflowRules(ref: IncludeRef): boolean | null {
  if (ref.kind === 'template') return WORKFLOW_TEMPLATES.has(ref.target);
  return null;
}
