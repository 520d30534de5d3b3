/**
 * The fake's answers in GitLab's documented shapes (shared/gitlab/openapi/, definitions API_Entities_Ci_PipelineBasic,
 * _Pipeline, _PipelineWithMetadata, _Job, _Variable): every required key present, null where GitLab sends null.
 * test/integration/openapi.test.ts checks them against the spec.
 */
import type { FakeJob, FakePipeline, FakeProject, FakeVariable } from './state.js';

const USER_BASIC = {
  id: 1,
  username: 'healer-bot',
  public_email: '',
  name: 'healer bot',
  state: 'active',
  locked: false,
  avatar_url: 'https://www.gravatar.com/avatar/0',
  web_url: 'http://fake.gitlab/healer-bot',
};

const USER = {
  ...USER_BASIC,
  created_at: '2026-01-01T00:00:00.000Z',
  bio: '',
  location: '',
  linkedin: '',
  twitter: '',
  discord: '',
  website_url: '',
  github: '',
  job_title: '',
  pronouns: null,
  organization: '',
  bot: true,
  work_information: null,
  local_time: null,
};

function detailedStatus(status: string) {
  return {
    icon: `status_${status}`,
    text: status,
    label: status,
    group: status,
    tooltip: status,
    has_details: true,
    details_path: '/',
    illustration: null,
    favicon: `favicon_status_${status}`,
  };
}

export function webUrl(base: string, project: FakeProject, what: string): string {
  return `${base}/${project.path}/-/${what}`;
}

export function pipelineBasic(p: FakePipeline, project: FakeProject, base: string) {
  return {
    id: p.id,
    iid: p.iid,
    project_id: p.projectId,
    sha: p.sha,
    ref: p.ref,
    status: p.status,
    source: p.source,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    web_url: webUrl(base, project, `pipelines/${p.id}`),
  };
}

/** API_Entities_Ci_Pipeline: create, trigger, cancel, retry. */
export function pipeline(p: FakePipeline, project: FakeProject, base: string) {
  const duration = p.startedAt && p.finishedAt ? Math.round((Date.parse(p.finishedAt) - Date.parse(p.startedAt)) / 1000) : null;
  return {
    ...pipelineBasic(p, project, base),
    before_sha: '0000000000000000000000000000000000000000',
    tag: false,
    yaml_errors: null,
    user: USER_BASIC,
    started_at: p.startedAt,
    finished_at: p.finishedAt,
    committed_at: null,
    duration,
    queued_duration: null,
    coverage: null,
    detailed_status: detailedStatus(p.status),
    archived: false,
  };
}

/** API_Entities_Ci_PipelineWithMetadata: GET a single pipeline. */
export function pipelineWithMetadata(p: FakePipeline, project: FakeProject, base: string) {
  return { ...pipeline(p, project, base), name: null };
}

export function job(j: FakeJob, p: FakePipeline, project: FakeProject, base: string) {
  return {
    id: j.id,
    status: j.status,
    stage: j.stage,
    name: j.name,
    ref: p.ref,
    tag: false,
    coverage: null,
    allow_failure: j.allowFailure,
    created_at: j.createdAt,
    started_at: j.startedAt,
    finished_at: j.finishedAt,
    erased_at: null,
    duration: null,
    queued_duration: null,
    user: USER,
    commit: {
      id: p.sha,
      short_id: p.sha.slice(0, 8),
      created_at: p.createdAt,
      parent_ids: [],
      title: 'commit',
      message: 'commit',
      author_name: 'dev',
      author_email: 'dev@example.com',
      authored_date: p.createdAt,
      committer_name: 'dev',
      committer_email: 'dev@example.com',
      committed_date: p.createdAt,
      trailers: {},
      extended_trailers: {},
      web_url: webUrl(base, project, `commit/${p.sha}`),
    },
    pipeline: pipelineBasic(p, project, base),
    failure_reason: j.failureReason ?? undefined,
    web_url: webUrl(base, project, `jobs/${j.id}`),
    // The spec types this as a string (GitLab itself sends a boolean); nothing in healer reads it.
    project: { ci_job_token_scope_enabled: 'false' },
    artifacts: [],
    runner: null,
    artifacts_expire_at: null,
    archived: false,
    tag_list: [],
  };
}

export function variable(v: FakeVariable) {
  return { variable_type: v.variable_type, key: v.key, value: v.value };
}
