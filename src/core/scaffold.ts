/**
 * The watchdog scaffolds `healer init --cron|--kubernetes` writes: which template files, under which names, and the
 * values put into their {{PLACEHOLDERS}}. Rendering is pure; reading templates/ and writing files is the command's.
 */

export type ScaffoldKind = 'cron' | 'kubernetes';

export interface ScaffoldFile {
  /** Path under the package's templates/ folder. */
  template: string;
  /** File name written into the output folder. */
  output: string;
}

export const SCAFFOLDS: Record<ScaffoldKind, ScaffoldFile[]> = {
  cron: [
    { template: 'cron/healer-scan.crontab', output: 'healer-scan.crontab' },
    { template: 'systemd/healer-scan.service', output: 'healer-scan.service' },
    { template: 'systemd/healer-scan.timer', output: 'healer-scan.timer' },
    { template: 'healer.env.example', output: 'healer.env.example' },
  ],
  kubernetes: [{ template: 'kubernetes/healer-scan-cronjob.yaml', output: 'healer-scan-cronjob.yaml' }],
};

export interface ScaffoldSettings {
  version: string;
  command?: string;
  everyMinutes?: number;
  stateDir?: string;
  gitlabUrl?: string;
  namespace?: string;
}

export type ScaffoldValues = Record<string, string>;

export function scaffoldValues(settings: ScaffoldSettings): ScaffoldValues | { error: string } {
  const every = settings.everyMinutes ?? 5;
  if (!Number.isInteger(every) || every < 1 || every > 59) return { error: '--every must be a whole number of minutes from 1 to 59' };
  const stateDir = settings.stateDir ?? '/mnt/ci-state/pipelines';
  if (!stateDir.startsWith('/') || /[\s"'$`\\]/.test(stateDir)) return { error: '--state-dir must be an absolute path without spaces or quotes' };
  const gitlabUrl = settings.gitlabUrl ?? 'https://gitlab.com';
  if (!/^https?:\/\/[^\s"'`$\\]+$/.test(gitlabUrl)) return { error: '--gitlab-url must be an http(s) URL' };
  const namespace = settings.namespace ?? 'healer';
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) return { error: '--namespace must be a Kubernetes namespace name' };
  const command = settings.command ?? `npx --yes healer@${settings.version}`;
  if (/["'`\\\n]/.test(command)) return { error: '--command must not contain quotes, backslashes or newlines' };
  const parent = stateDir.replace(/\/[^/]+\/?$/, '');
  return {
    COMMAND: command,
    EVERY_MINUTES: String(every),
    STATE_DIR: stateDir,
    STATE_MOUNT: parent === '' ? stateDir : parent,
    GITLAB_URL: gitlabUrl,
    NAMESPACE: namespace,
    ENV_FILE: '/etc/healer/healer.env',
    PVC_NAME: 'healer-state',
    IMAGE: 'node:20-alpine',
    // A scan that cannot finish before the next one is due is stopped.
    TIMEOUT_SECONDS: String(Math.max(60, every * 60 - 30)),
    STARTING_DEADLINE_SECONDS: String(Math.max(30, Math.floor((every * 60) / 2))),
  };
}

/** Fill {{NAME}} placeholders; an unknown placeholder is a bug in the template. */
export function renderTemplate(text: string, values: ScaffoldValues): string {
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template placeholder {{${name}}} has no value`);
    return value;
  });
}
