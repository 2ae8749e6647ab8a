import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
// Before kafkajs: its read_committed filter is replaced (core/kafkajs-patch.ts).
import '../../core/kafkajs-patch';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type Admin,
} from 'kafkajs';
import { withJavaArgFile } from '../../core/argfile';
import { CrossdockError, describeError } from '../../core/errors';
import { eventLogger } from '../../core/log-events';
import { silentLogger, type Logger } from '../../core/logger';
import { ingressTopic } from './envelope';
import { newKeySecret } from './http/auth';
import { SOURCE_LOG_EVENTS } from './log-events';
import { HUB_SITE_ID } from '../../core/hub-site';
import { assertReplicationFits, createTopicsWithLeaders, replicationOf } from '../../core/topic-replication';

/**
 * Onboarding a site: its ingress topic, its SCRAM user, the ACLs that let that user write only
 * its own topic, and an HTTP ingest key. Each step is idempotent (running `site add` twice is safe).
 */

export function siteUser(siteId: string): string {
  return `site-${siteId}`;
}

export const SITE_ID_RE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Creates `<prefix>.ingress.<siteId>` when missing, replicated like the hub's other topics
 * (`hub.topics.replicationFactor`), and waits until each partition has a leader
 * (core/topic-replication.ts: kafkajs's own wait fails on a broker whose metadata lags). An
 * existing topic is left as it is. True when it was created.
 * @throws CrossdockError CD_E_TOPIC_REPLICATION_TOO_HIGH when the factor is above the brokers
 *   running (checked only when the topic is missing; nothing is created)
 */
export async function ensureIngressTopic(
  admin: Admin,
  prefix: string,
  siteId: string,
  partitions = 6,
  replicationFactor?: number,
): Promise<boolean> {
  const topic = ingressTopic(prefix, siteId);
  if ((await admin.listTopics()).includes(topic)) return false;
  await assertReplicationFits(admin, replicationFactor, 'hub.topics.replicationFactor', [topic]);
  try {
    return await createTopicsWithLeaders(admin, [
      { topic, numPartitions: partitions, replicationFactor: replicationOf(replicationFactor) },
    ]);
  } catch (err) {
    // Another `site add` (or the hub) may have created it first.
    if ((await admin.listTopics()).includes(topic)) return false;
    throw err;
  }
}

/**
 * ACLs of a site user: WRITE and DESCRIBE on its own ingress topic (LITERAL pattern, so
 * `cd.ingress.us-chi` does not cover `cd.ingress.us-chi-2`), and IDEMPOTENT_WRITE on the cluster
 * (the SDK's idempotent producer asks for a producer id; Kafka ≥ 2.8 implies it from WRITE, older
 * brokers need it). Nothing else: no READ, no other topic, no CREATE.
 */
export async function grantSiteAcls(admin: Admin, prefix: string, siteId: string): Promise<void> {
  const principal = `User:${siteUser(siteId)}`;
  const topic = ingressTopic(prefix, siteId);
  await admin.createAcls({
    acl: [
      ...[AclOperationTypes.WRITE, AclOperationTypes.DESCRIBE].map((operation) => ({
        resourceType: AclResourceTypes.TOPIC,
        resourceName: topic,
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal,
        host: '*',
        operation,
        permissionType: AclPermissionTypes.ALLOW,
      })),
      {
        resourceType: AclResourceTypes.CLUSTER,
        resourceName: 'kafka-cluster',
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal,
        host: '*',
        operation: AclOperationTypes.IDEMPOTENT_WRITE,
        permissionType: AclPermissionTypes.ALLOW,
      },
    ],
  });
}

/** Removes every ACL of a site user on its ingress topic and the cluster (tests, offboarding). */
export async function revokeSiteAcls(admin: Admin, prefix: string, siteId: string): Promise<void> {
  const principal = `User:${siteUser(siteId)}`;
  await admin.deleteAcls({
    filters: [
      {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: ingressTopic(prefix, siteId),
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal,
        host: '*',
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      },
      {
        resourceType: AclResourceTypes.CLUSTER,
        resourceName: 'kafka-cluster',
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal,
        host: '*',
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      },
    ],
  });
}

export interface ScramOptions {
  /** PLAINTEXT bootstrap of the admin listener, e.g. '127.0.0.1:19092'. */
  bootstrap: string;
  /** Folder of Kafka's jars. @defaultValue ~/.crossdock/cache/kafka-libs/4.1.1/libs */
  libsDir?: string;
  /** @defaultValue 'java' */
  java?: string;
}

export function defaultKafkaLibs(): string {
  return path.join(os.homedir(), '.crossdock', 'cache', 'kafka-libs', '4.1.1', 'libs');
}

/**
 * Creates (or resets) a SCRAM-SHA-256 and SCRAM-SHA-512 credential with Kafka's own ConfigCommand:
 * kafkajs cannot create SCRAM users. The password goes to the tool in a 0600 java argument file
 * (`java @file`, removed afterwards), never in argv.
 */
export async function upsertScramUser(user: string, password: string, options: ScramOptions): Promise<void> {
  if (!/^[A-Za-z0-9._-]+$/.test(user))
    throw new CrossdockError(
      'CD_E_SITE_ONBOARD_FAILED',
      `SCRAM user name "${user}" has characters the Kafka tool cannot take`,
    );
  if (/[\],=]/.test(password))
    throw new CrossdockError('CD_E_SITE_ONBOARD_FAILED', 'SCRAM password contains one of ] , =');
  const libs = options.libsDir ?? defaultKafkaLibs();
  if (!fs.existsSync(libs))
    throw new CrossdockError(
      'CD_E_SITE_ONBOARD_FAILED',
      `Kafka tools are not cached at ${libs}; run crossdock stack up first`,
    );
  // One mechanism per call: Kafka refuses two alterations of one user in the same request.
  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
    const args = [
      '-cp',
      `${libs}/*`,
      'kafka.admin.ConfigCommand',
      '--bootstrap-server',
      options.bootstrap,
      '--alter',
      '--add-config',
      `${mechanism}=[password=${password}]`,
      '--entity-type',
      'users',
      '--entity-name',
      user,
    ];
    await withJavaArgFile(
      args,
      (argFile) =>
        new Promise<void>((resolve, reject) => {
          execFile(options.java ?? 'java', [argFile], { timeout: 60_000 }, (err, _stdout, stderr) => {
            if (!err) return resolve();
            // The tool echoes its arguments (with the password) first: report only the exception line.
            const reason =
              stderr
                .split('\n')
                .find((l) => /Exception:/.test(l))
                ?.trim() ?? `exit ${String((err as { code?: unknown }).code)}`;
            reject(
              new CrossdockError(
                'CD_E_SITE_ONBOARD_FAILED',
                `Kafka ConfigCommand could not set ${mechanism} for ${user}: ${reason}`,
                { retriable: true },
              ),
            );
          });
        }),
    );
  }
}

export interface OnboardResult {
  siteId: string;
  topic: string;
  topicCreated: boolean;
  user: string;
  /** Only when a new password was made. */
  password?: string;
  httpKey: { id: string; secret: string };
  /** The `sites[]` entry to add to the hub configuration. */
  configSnippet: string;
}

export interface OnboardOptions {
  admin: Admin;
  prefix: string;
  siteId: string;
  name?: string;
  country?: string;
  kind: 'http' | 'csv' | 'sdk';
  partitions?: number;
  /** Replicas of the ingress topic: the hub's `hub.topics.replicationFactor`. @defaultValue the brokers' default */
  replicationFactor?: number;
  /** Create the SCRAM user (needs Java and the cached Kafka jars). @defaultValue true */
  scram?: false | ScramOptions;
  /** Gets one `sources.site_onboarded` line (no secrets). @defaultValue a silent logger */
  logger?: Logger;
}

export async function onboardSite(o: OnboardOptions): Promise<OnboardResult> {
  if (!SITE_ID_RE.test(o.siteId))
    throw new CrossdockError(
      'CD_E_USAGE',
      `Site id "${o.siteId}" must be lower-case letters, digits and dashes (e.g. us-chi)`,
    );
  if (o.siteId === HUB_SITE_ID)
    throw new CrossdockError(
      'CD_E_USAGE',
      `Site id "${HUB_SITE_ID}" is reserved for the hub's own events (flow alerts): choose another id`,
    );
  try {
    const topicCreated = await ensureIngressTopic(
      o.admin,
      o.prefix,
      o.siteId,
      o.partitions ?? 6,
      o.replicationFactor,
    );
    const user = siteUser(o.siteId);
    let password: string | undefined;
    if (o.scram) {
      password = crypto.randomBytes(18).toString('base64url');
      await upsertScramUser(user, password, o.scram);
    }
    await grantSiteAcls(o.admin, o.prefix, o.siteId);
    const httpKey = {
      id: `${o.siteId}-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${crypto.randomBytes(3).toString('hex')}`,
      secret: newKeySecret(),
    };
    const envName = `CROSSDOCK_KEY_${o.siteId.toUpperCase().replace(/-/g, '_')}`;
    const connector =
      o.kind === 'http'
        ? `{ kind: http, keys: [{ id: ${httpKey.id}, secretEnv: ${envName} }] }`
        : o.kind === 'csv'
          ? `{ kind: csv }`
          : `{ kind: sdk }`;
    const configSnippet = `  - { id: ${o.siteId}, name: ${JSON.stringify(o.name ?? o.siteId)}, country: ${o.country ?? 'US'}, groups: [], connector: ${connector} }`;
    const topic = ingressTopic(o.prefix, o.siteId);
    eventLogger(o.logger ?? silentLogger(), SOURCE_LOG_EVENTS).emit(
      'sources.site_onboarded',
      { siteId: o.siteId, topic, topicCreated, user, scramUser: password !== undefined },
      'site onboarded',
    );
    return {
      siteId: o.siteId,
      topic,
      topicCreated,
      user,
      ...(password ? { password } : {}),
      httpKey,
      configSnippet,
    };
  } catch (err) {
    if (err instanceof CrossdockError) throw err;
    throw new CrossdockError(
      'CD_E_SITE_ONBOARD_FAILED',
      `Onboarding ${o.siteId} failed: ${describeError(err)}`,
      { cause: err, retriable: true },
    );
  }
}
