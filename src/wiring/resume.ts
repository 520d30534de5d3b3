import type { Command } from 'commander';
import { runAction, withCommonFlags } from './common.js';

export function registerResume(program: Command): void {
  const command = program
    .command('resume')
    .summary('resume one pipeline by hand, from the stage where it stopped')
    .description(
      'Cancel the pipeline (with an API token) and start a new one on its ref with RESUME_STAGE and the lineage ' +
        'variables. Defaults come from its record: the earliest stage not done, its ref and project. Without a ' +
        'record, give --from-stage, --ref and the project. The lineage retry limit holds unless --force.',
    )
    .requiredOption('--pipeline <id>', 'the pipeline to resume')
    .option('--from-stage <stage>', 'stage to resume from (default: the earliest stage not done in its record)')
    .option('--ref <ref>', "ref to run on (default: the record's ref)")
    .option('--project <id>', "project id or group/project path (default: the record's, else GITLAB_PROJECT_ID)")
    .option('--dry-run', 'print what would be done; write nothing (no file, no API write)')
    .option('--force', 'resume beyond the retry limit, again after an earlier resume, or a pipeline that succeeded')
    .option('--state-dir <dir>', 'state folder (default: HEALER_STATE_DIR, else /mnt/ci-state/pipelines)')
    .option('--config <file>', 'config file (default: HEALER_CONFIG, else ./healer.config.json when present)')
    .option('--gitlab-url <url>', 'GitLab server (default: GITLAB_URL, else CI_SERVER_URL, else https://gitlab.com)')
    .option('--max-retries <n>', 'resumes allowed over a whole lineage (default 2)');
  withCommonFlags(command).addHelpText(
    'after',
    `
Examples:
  healer resume --pipeline 41928
  healer resume --pipeline 41928 --from-stage deploy --dry-run
  healer resume --pipeline 41928 --from-stage test --ref main --project 42   (no record needed)
Exit codes: 0 resumed (or planned), 1 refused by a rule or GitLab failed, 2 usage or configuration error.`,
  );
  command.action(async (flags) => {
    await runAction(flags, async (out) => {
      const [{ runResumeCommand }, { redactor }] = await Promise.all([import('../commands/resume.js'), import('../redact.js')]);
      return runResumeCommand(flags, { env: process.env, out, now: Date.now, cwd: process.cwd(), redactor });
    });
  });
}
