import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ScramUser } from './kafka-config';
import type { StackPaths } from './paths';

/** What `stack up` recorded: the processes it started, so `down` stops only those. */
export interface PartState {
  pid: number;
  logFile: string;
  startedAt: string;
  version?: string;
}

export interface StackState {
  kafka?: PartState & { clusterId: string };
  /**
   * The stack's Kafka when it runs several brokers (`stack up --brokers 3`): each node's process
   * and ports; while recorded, the stack's Kafka is this cluster instead of the single broker.
   */
  kafkaCluster?: {
    clusterId: string;
    nodes: Array<PartState & { id: number; plaintext: number; controller: number; sasl: number }>;
  };
  registry?: PartState;
  /** The stack's own redis-server (AOF on), when it started one. */
  redis?: PartState & { url: string };
  /**
   * The stack's Redis Cluster (`stack up --redis-cluster`): while recorded, the stack's Redis is
   * this cluster (its redis+cluster:// url) instead of the one redis-server.
   */
  redisCluster?: { url: string; nodes: Array<PartState & { port: number }> };
}

export function readState(paths: StackPaths): StackState {
  try {
    return JSON.parse(fs.readFileSync(paths.stateFile, 'utf8')) as StackState;
  } catch {
    return {};
  }
}

export function writeState(paths: StackPaths, state: StackState): void {
  fs.mkdirSync(path.dirname(paths.stateFile), { recursive: true });
  const tmp = `${paths.stateFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2));
  fs.renameSync(tmp, paths.stateFile);
}

/**
 * Sites that the demo configuration (examples/hub.yaml) names; each gets a SCRAM user
 * `site-<siteId>` at format time, beside `hub` and `admin` ({@link STACK_USERS}).
 */
export const DEMO_SITES = [
  'us-chi',
  'us-dal',
  'us-atl',
  'us-nwk',
  'ca-tor',
  'ca-yvr',
  'mx-mty',
  'mx-gdl',
] as const;
/**
 * The stack's own SCRAM users. `admin` is the only super user (and the broker's own identity on its
 * controller and inter-broker connections); `hub` is an ordinary user with no ACL of the stack's
 * making (`crossdock acl plan|apply` grants what a hub configuration needs).
 */
export const STACK_USERS = ['hub', 'admin'] as const;
export const ADMIN_USER = 'admin';
export const SUPER_USERS = [ADMIN_USER] as const;

export function siteUserName(siteId: string): string {
  return `site-${siteId}`;
}

export interface Credentials {
  users: ScramUser[];
}

/** Random passwords made once per stack data directory; 0600, beside the data they protect. */
export function loadOrCreateCredentials(paths: StackPaths): Credentials {
  try {
    return JSON.parse(fs.readFileSync(paths.credentialsFile, 'utf8')) as Credentials;
  } catch {
    const names = [...STACK_USERS, ...DEMO_SITES.map(siteUserName)];
    const creds: Credentials = {
      users: names.map((name) => ({ name, password: crypto.randomBytes(18).toString('base64url') })),
    };
    fs.mkdirSync(path.dirname(paths.credentialsFile), { recursive: true });
    fs.writeFileSync(paths.credentialsFile, JSON.stringify(creds, null, 2), { mode: 0o600 });
    return creds;
  }
}

export function readCredentials(paths: StackPaths): Credentials | undefined {
  try {
    return JSON.parse(fs.readFileSync(paths.credentialsFile, 'utf8')) as Credentials;
  } catch {
    return undefined;
  }
}

/** The stack user `name` from its credentials. @throws Error naming the file when it is missing */
export function credentialOf(creds: Credentials, name: string, file: string): ScramUser {
  const user = creds.users.find((u) => u.name === name);
  if (!user) throw new Error(`no SCRAM credentials for ${name} in ${file}`);
  return user;
}
