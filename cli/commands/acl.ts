import { Command, InvalidArgumentError } from 'commander';
import type { AclPlan } from '../../hub';
import { DEFAULT_CONFIG } from '../defaults';
import { output } from '../output';

/** `User:<name>`, as Kafka spells a principal (the same check as hub/acl-plan.ts PRINCIPAL_RE). */
function principal(value: string): string {
  if (!/^User:[^\s,]+$/.test(value))
    throw new InvalidArgumentError('a principal is User:<name>, e.g. User:hub');
  return value;
}

/** The brokers for the printed commands: the environment's, else a placeholder to fill in. */
function bootstrap(): string {
  return process.env.CROSSDOCK_KAFKA_BROKERS || '<bootstrap>';
}

function loadPlan(opts: { config: string; principal: string; host: string }): AclPlan {
  const { loadConfig, planAcls } = require('../../hub') as typeof import('../../hub');
  return planAcls(loadConfig(opts.config), { principal: opts.principal, host: opts.host });
}

/**
 * `crossdock acl plan|apply`: the least-privilege Kafka ACLs of the hub's principal for a
 * configuration (hub/acl-plan.ts), printed as kafka-acls.sh commands or JSON, or created with the
 * Kafka connection of the environment (an operator's admin credentials).
 */
export function aclCommand(_setExit: (code: number) => void): Command {
  const acl = new Command('acl').description("the Kafka ACLs the hub's own user needs (least privilege)");

  acl
    .command('plan')
    .description('print the ACLs the hub needs for this configuration and topic prefix')
    .option('--config <file>', 'hub configuration (YAML)', DEFAULT_CONFIG)
    .option('--principal <principal>', "the hub's Kafka principal", principal, 'User:hub')
    .option('--host <host>', 'host the ACLs allow', '*')
    .option(
      '--json',
      'print { principal, host, topicPrefix, acls: [{ resourceType, resourceName, patternType, operation, why }] }',
    )
    .action((opts: { config: string; principal: string; host: string; json?: boolean }) => {
      const { aclPlanLines } = require('../../hub') as typeof import('../../hub');
      const plan = loadPlan(opts);
      output(Boolean(opts.json)).result(plan, () =>
        [
          `# ${plan.acls.length} ACLs for ${plan.principal} (topic prefix ${plan.topicPrefix}); run with admin credentials`,
          ...aclPlanLines(plan, bootstrap()),
        ].join('\n'),
      );
    });

  acl
    .command('apply')
    .description('create those ACLs on the cluster of the environment (run it with admin credentials)')
    .option('--config <file>', 'hub configuration (YAML)', DEFAULT_CONFIG)
    .requiredOption('--principal <principal>', "the hub's Kafka principal", principal)
    .option('--host <host>', 'host the ACLs allow', '*')
    .option('--dry-run', 'print what would be created, create nothing')
    .option('--json', 'print { principal, created, dryRun, acls }')
    .action(
      async (opts: { config: string; principal: string; host: string; dryRun?: boolean; json?: boolean }) => {
        const { aclPlanLines, applyAclPlan } = require('../../hub') as typeof import('../../hub');
        const plan = loadPlan(opts);
        let created = 0;
        if (!opts.dryRun) {
          const { currentEndpoints } = require('../../stack') as typeof import('../../stack');
          const { createKafka } = require('../../core/kafka') as typeof import('../../core/kafka');
          const admin = createKafka({
            clientId: 'crossdock-acl-apply',
            connection: currentEndpoints().kafka,
          }).admin();
          await admin.connect();
          try {
            created = await applyAclPlan(admin, plan);
          } finally {
            await admin.disconnect();
          }
        }
        output(Boolean(opts.json)).result(
          { principal: plan.principal, dryRun: Boolean(opts.dryRun), created, acls: plan.acls },
          () =>
            [
              opts.dryRun
                ? `# dry run: ${plan.acls.length} ACLs for ${plan.principal} would be created`
                : `created ${created} ACLs for ${plan.principal} (existing ones are left as they are)`,
              ...(opts.dryRun ? aclPlanLines(plan, bootstrap()) : []),
            ].join('\n'),
        );
      },
    );

  return acl;
}
