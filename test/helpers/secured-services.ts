import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
// Before kafkajs: its read_committed filter is replaced (core/kafkajs-patch.ts).
import '../../core/kafkajs-patch';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import Redis from 'ioredis';
import { stackPaths } from '../../stack';
import { fetchKafka, fetchRegistry } from '../../stack/fetch';
import { findJava } from '../../stack/java';
import { log4j2Properties, newClusterId, SINGLE_NODE_DEFAULTS } from '../../stack/kafka-config';
import { freePort, run, stopPid, tailFile, waitUntil } from '../../stack/proc';
import { silentProgress } from '../../stack/progress';
import { JAVA_MIN } from '../../stack/versions';

/**
 * Secured services of a test's own, for tests of the hub against a Kafka, a schema registry and
 * a Redis that each demand TLS and a login (issue #16):
 *  - certificates made with openssl: a test CA, a server certificate for 127.0.0.1/localhost
 *    signed by it, a client certificate signed by it, and an unrelated CA (the "wrong CA");
 *  - a single-node KRaft broker whose only client listener is SASL_SSL with SCRAM-SHA-512, the
 *    StandardAuthorizer, `allow.everyone.if.no.acl.found=false` and `super.users=User:admin` only
 *    (no ANONYMOUS); its controller listener is SASL_PLAINTEXT with PLAIN for admin alone, on
 *    loopback. SCRAM users (admin, hub) are created at format time, from a 0600 java @argfile,
 *    never from argv; hub starts with no ACL at all;
 *  - Apicurio Registry (the stack's version) storing into that broker over SASL_SSL (as admin),
 *    serving HTTPS only, behind HTTP basic auth (Quarkus's embedded users; one user);
 *  - a redis-server with TLS only (no plain port) whose default user is off: one ACL user.
 * Every password is random, and lives only in 0600 files under the services' temporary folder
 * (server.properties, the registry's config/application.properties, redis.conf, the password
 * files handed to the hub), never in a command line.
 *
 * Contract: startSecuredServices() resolves once all three answer an authenticated call; on any
 * failure it stops what it had started and removes its folder before rejecting. stop() ends the
 * three processes (SIGTERM, SIGKILL after a short grace) and removes the folder; it is safe to
 * call twice, and the processes are also killed if the test process exits without calling it.
 */

export interface Credentials {
  username: string;
  password: string;
}

export interface Certificates {
  dir: string;
  /** The CA that signed every certificate below (PEM). */
  caFile: string;
  /** A CA that signed nothing here: trusting it alone must fail every handshake. */
  otherCaFile: string;
  /** Server certificate for IP:127.0.0.1 and DNS:localhost, and its unencrypted PKCS#8 key. */
  serverCertFile: string;
  serverKeyFile: string;
  /** A client certificate (CN=hub) and its key, for mutual TLS. */
  clientCertFile: string;
  clientKeyFile: string;
}

export interface SecuredServices {
  /** The temporary folder everything lives in (removed by stop()). */
  dir: string;
  certs: Certificates;
  kafka: {
    /** The SASL_SSL listener: its only client listener. */
    brokers: string[];
    /** The super user (all the test's set-up runs as admin). */
    admin: Credentials;
    /** The hub's user: no ACL until the test grants some. */
    hub: Credentials;
    logFile: string;
  };
  registry: {
    /** Base URL of the Confluent-compatible API, https://127.0.0.1:<port>/apis/ccompat/v7. */
    url: string;
    /** The one user basic auth lets in. */
    user: Credentials;
    logFile: string;
  };
  redis: {
    /** rediss://127.0.0.1:<tls port> (no plain port is open). */
    url: string;
    /** The one ACL user (the default user is off). */
    user: Credentials;
    logFile: string;
  };
  /** A kafkajs client on the SASL_SSL listener; `ca` defaults to the test CA, `user` to admin, null for no SASL. */
  kafkaClient(options?: { user?: Credentials | null; ca?: string; extra?: Partial<KafkaConfig> }): Kafka;
  /**
   * The hub's connection variables (the #16 contract) for these services: SASL_SSL + SCRAM-SHA-512
   * as `kafkaUser` (hub by default), the registry over https with basic auth, Redis over TLS with
   * its ACL user; passwords through *_PASSWORD_FILE (0600 files in `dir`), CAs through *_CA_FILE.
   */
  hubEnv(kafkaUser?: Credentials): Record<string, string>;
  /** Seconds each part took to start (certificates, kafka, registry, redis), for the test's log. */
  timings: Record<string, number>;
  /** Process ids of the three servers (to check their command lines hold no secret). */
  pids: { kafka: number; registry: number; redis: number };
  /** Writes `text` to a new 0600 file in the services' folder and returns its path. */
  secretFile(name: string, text: string): string;
  stop(): Promise<void>;
}

const password = () => crypto.randomBytes(16).toString('hex');

async function openssl(args: string[], cwd: string): Promise<void> {
  const res = await run('openssl', args, { cwd });
  if (res.code !== 0)
    throw new Error(`openssl ${args[0]} failed (exit ${res.code}): ${(res.stderr || res.stdout).trim()}`);
}

/** A CA, a server certificate for 127.0.0.1/localhost, a client certificate and an unrelated CA, in `dir`. */
export async function makeCertificates(dir: string): Promise<Certificates> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caExt = [
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ];
  const selfSignedCa = (name: string, cn: string) =>
    openssl(
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${cn}`]
        .concat(caExt)
        .concat(['-keyout', `${name}.key`, '-out', `${name}.crt`]),
      dir,
    );
  await Promise.all([
    selfSignedCa('ca', 'crossdock-test-ca'),
    selfSignedCa('other-ca', 'crossdock-unrelated-ca'),
  ]);
  const leaf = async (name: string, cn: string, ext: string[], serial: number) => {
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext.join('\n') + '\n');
    await openssl(
      [
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        `/CN=${cn}`,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
      ],
      dir,
    );
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-set_serial',
        String(serial),
      ].concat(['-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`]),
      dir,
    );
  };
  const usage = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment'];
  await Promise.all([
    leaf(
      'server',
      'localhost',
      [...usage, 'extendedKeyUsage=serverAuth,clientAuth', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
      2,
    ),
    leaf('client', 'hub', [...usage, 'extendedKeyUsage=clientAuth'], 3),
  ]);
  const f = (n: string) => path.join(dir, n);
  return {
    dir,
    caFile: f('ca.crt'),
    otherCaFile: f('other-ca.crt'),
    serverCertFile: f('server.crt'),
    serverKeyFile: f('server.key'),
    clientCertFile: f('client.crt'),
    clientKeyFile: f('client.key'),
  };
}

/** A Java properties value: backslashes and line breaks escaped (PEM text becomes one line). */
function propertyValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\r?\n/g, '\\n');
}

function writeProperties(file: string, props: ReadonlyArray<readonly [string, string]>): void {
  fs.writeFileSync(file, props.map(([k, v]) => `${k}=${propertyValue(v)}`).join('\n') + '\n', {
    mode: 0o600,
  });
}

/**
 * A java launcher @argfile holding the whole command line after `java` (options, main class and
 * the main class's own arguments: the launcher reads them all from the file), so secrets in
 * those arguments never show in /proc/<pid>/cmdline. Each argument is one double-quoted line.
 */
export function javaArgFile(file: string, args: string[]): void {
  for (const a of args)
    if (/["\\\r\n]/.test(a))
      throw new Error(`argument ${JSON.stringify(a.slice(0, 20))}… cannot go in an @argfile`);
  fs.writeFileSync(file, args.map((a) => `"${a}"`).join('\n') + '\n', { mode: 0o600 });
}

const scramJaas = (c: Credentials) =>
  `org.apache.kafka.common.security.scram.ScramLoginModule required username="${c.username}" password="${c.password}";`;

/** A child that is ours to stop; its output goes to logFile. */
interface Started {
  pid: number;
  child: ChildProcess;
}

function startProcess(command: string, args: string[], logFile: string, cwd?: string): Started {
  const fd = fs.openSync(logFile, 'a', 0o600);
  try {
    const child = spawn(command, args, { cwd, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    child.on('error', () => undefined);
    return { pid: child.pid, child };
  } finally {
    fs.closeSync(fd);
  }
}

/** GET over https with the test CA and optional basic auth: the status, or the error. */
export function httpsStatus(
  url: string,
  options: { ca: string; auth?: Credentials; timeoutMs?: number },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.auth)
      headers.authorization = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
    const req = https.get(
      url,
      { ca: fs.readFileSync(options.ca), headers, timeout: options.timeoutMs ?? 5000 },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', reject);
  });
}

/** Starts the three secured services (see the module comment); typically ~40–60 s, the registry being the slow one. */
export async function startSecuredServices(options: { timeoutMs?: number } = {}): Promise<SecuredServices> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-secured-'));
  fs.chmodSync(dir, 0o700);
  const started: Started[] = [];
  const killAll = () => {
    for (const s of started)
      try {
        process.kill(s.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
  };
  process.once('exit', killAll);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // The registry first (a client of the broker), then the broker and Redis.
    for (const s of [...started].reverse()) await stopPid(s.pid, 5000);
    process.removeListener('exit', killAll);
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const timings: Record<string, number> = {};
  let mark = Date.now();
  const lap = (what: string) => {
    timings[what] = Math.round((Date.now() - mark) / 100) / 10;
    mark = Date.now();
  };
  try {
    const certs = await makeCertificates(path.join(dir, 'certs'));
    const ca = fs.readFileSync(certs.caFile, 'utf8');
    lap('certificates');
    const [kafkaPort, controllerPort, registryPort, managementPort, redisPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const admin = { username: 'admin', password: password() };
    const hub = { username: 'hub', password: password() };
    const registryUser = { username: 'hub', password: password() };
    const redisUser = { username: 'hub', password: password() };
    const brokers = [`127.0.0.1:${kafkaPort}`];

    // Redis: TLS only, default user off, one ACL user; everything in a 0600 config file.
    const redisDir = path.join(dir, 'redis');
    fs.mkdirSync(redisDir, { mode: 0o700 });
    const redisConf = path.join(redisDir, 'redis.conf');
    fs.writeFileSync(
      redisConf,
      [
        'port 0',
        `tls-port ${redisPort}`,
        'bind 127.0.0.1',
        'protected-mode yes',
        `tls-cert-file ${certs.serverCertFile}`,
        `tls-key-file ${certs.serverKeyFile}`,
        `tls-ca-cert-file ${certs.caFile}`,
        'tls-auth-clients no',
        `dir ${redisDir}`,
        'save ""',
        'appendonly yes',
        'appendfsync everysec',
        'maxmemory-policy noeviction',
        'user default off',
        `user ${redisUser.username} on >${redisUser.password} ~* &* +@all`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const redisLog = path.join(dir, 'redis.log');
    started.push(startProcess('redis-server', [redisConf], redisLog));

    // Kafka: format with the SCRAM users from a 0600 @argfile, then start.
    const [java, kafkaDir] = await Promise.all([
      findJava(JAVA_MIN.kafka, 'Kafka', 'CROSSDOCK_KAFKA_JAVA_HOME'),
      fetchKafka(stackPaths(), silentProgress),
    ]);
    const kDir = path.join(dir, 'kafka');
    fs.mkdirSync(path.join(kDir, 'data'), { recursive: true, mode: 0o700 });
    const propsFile = path.join(kDir, 'server.properties');
    writeProperties(propsFile, [
      ['process.roles', 'broker,controller'],
      ['node.id', '1'],
      ['controller.quorum.voters', `1@127.0.0.1:${controllerPort}`],
      ['listeners', `SASL_SSL://127.0.0.1:${kafkaPort},CONTROLLER://127.0.0.1:${controllerPort}`],
      ['advertised.listeners', `SASL_SSL://127.0.0.1:${kafkaPort}`],
      ['listener.security.protocol.map', 'SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT'],
      ['controller.listener.names', 'CONTROLLER'],
      ['inter.broker.listener.name', 'SASL_SSL'],
      ['sasl.mechanism.inter.broker.protocol', 'SCRAM-SHA-512'],
      ['sasl.mechanism.controller.protocol', 'PLAIN'],
      ['listener.name.controller.sasl.enabled.mechanisms', 'PLAIN'],
      [
        'listener.name.controller.plain.sasl.jaas.config',
        `org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${admin.password}" user_admin="${admin.password}";`,
      ],
      ['listener.name.sasl_ssl.sasl.enabled.mechanisms', 'SCRAM-SHA-512'],
      ['listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config', scramJaas(admin)],
      // PEM keystore given inline: a PEM keystore *file* (ssl.keystore.location) needs an encrypted key and ssl.key.password.
      ['ssl.keystore.type', 'PEM'],
      ['ssl.keystore.certificate.chain', fs.readFileSync(certs.serverCertFile, 'utf8')],
      ['ssl.keystore.key', fs.readFileSync(certs.serverKeyFile, 'utf8')],
      ['ssl.truststore.type', 'PEM'],
      ['ssl.truststore.location', certs.caFile],
      ['ssl.client.auth', 'none'],
      ['authorizer.class.name', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'],
      ['super.users', `User:${admin.username}`],
      ['allow.everyone.if.no.acl.found', 'false'],
      ['log.dirs', path.join(kDir, 'data')],
      ...SINGLE_NODE_DEFAULTS,
      ['log.segment.bytes', String(16 * 1024 * 1024)],
    ]);
    const log4jFile = path.join(kDir, 'log4j2.properties');
    fs.writeFileSync(log4jFile, log4j2Properties());
    const classpath = path.join(kafkaDir, 'libs', '*');
    const logOpt = `-Dlog4j2.configurationFile=${log4jFile}`;
    const argFile = path.join(kDir, 'format.args');
    javaArgFile(argFile, [
      '-cp',
      classpath,
      logOpt,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      newClusterId(),
      '-c',
      propsFile,
      ...[admin, hub]
        .map((u) => `SCRAM-SHA-512=[name=${u.username},password=${u.password}]`)
        .flatMap((s) => ['-S', s]),
    ]);
    try {
      const res = await run(java.bin, [`@${argFile}`]);
      if (res.code !== 0)
        throw new Error(`StorageTool format failed (exit ${res.code}): ${(res.stdout + res.stderr).trim()}`);
    } finally {
      fs.rmSync(argFile, { force: true });
    }
    const kafkaLog = path.join(dir, 'kafka.log');
    started.push(
      startProcess(
        java.bin,
        ['-Xms128m', '-Xmx384m', '-XX:+UseG1GC', logOpt, '-cp', classpath, 'kafka.Kafka', propsFile],
        kafkaLog,
      ),
    );

    const kafkaClient = (
      o: { user?: Credentials | null; ca?: string; extra?: Partial<KafkaConfig> } = {},
    ) => {
      const user = o.user === undefined ? admin : o.user;
      return new Kafka({
        clientId: `secured-${crypto.randomBytes(3).toString('hex')}`,
        brokers,
        ssl: { ca: [o.ca ?? ca] },
        ...(user ? { sasl: { mechanism: 'scram-sha-512' as const, ...user } } : {}),
        logLevel: logLevel.NOTHING,
        connectionTimeout: 5000,
        retry: { retries: 0 },
        ...o.extra,
      });
    };
    const alive = (s: Started, what: string, log: string) => {
      if (s.child.exitCode !== null || s.child.signalCode !== null)
        throw new Error(
          `${what} exited (${s.child.exitCode ?? s.child.signalCode}); log tail:\n${tailFile(log)}`,
        );
    };
    const kafkaReady = await waitUntil(
      async () => {
        alive(started[1]!, 'the broker', kafkaLog);
        const a = kafkaClient().admin();
        try {
          await a.connect();
          return (await a.describeCluster()).brokers.length > 0;
        } finally {
          await a.disconnect().catch(() => undefined);
        }
      },
      timeoutMs,
      500,
    );
    if (!kafkaReady)
      throw new Error(
        `the SASL_SSL broker did not answer within ${timeoutMs} ms; log tail:\n${tailFile(kafkaLog)}`,
      );

    lap('kafka');
    // The registry: storage in the broker over SASL_SSL as admin, HTTPS only, basic auth.
    const [regJava, regDir] = await Promise.all([
      findJava(JAVA_MIN.registry, 'Apicurio Registry', 'CROSSDOCK_REGISTRY_JAVA_HOME'),
      fetchRegistry(stackPaths(), silentProgress),
    ]);
    const rDir = path.join(dir, 'registry');
    fs.mkdirSync(path.join(rDir, 'config'), { recursive: true, mode: 0o700 });
    const kafkaClientProps = (role: string): Array<[string, string]> => [
      [`apicurio.kafkasql.${role}.security.protocol`, 'SASL_SSL'],
      [`apicurio.kafkasql.${role}.sasl.mechanism`, 'SCRAM-SHA-512'],
      [`apicurio.kafkasql.${role}.sasl.jaas.config`, scramJaas(admin)],
      [`apicurio.kafkasql.${role}.ssl.truststore.type`, 'PEM'],
      [`apicurio.kafkasql.${role}.ssl.truststore.location`, certs.caFile],
    ];
    // Quarkus reads config/application.properties from the working directory at run time.
    writeProperties(path.join(rDir, 'config', 'application.properties'), [
      ['quarkus.http.host', '127.0.0.1'],
      ['quarkus.http.port', String(await freePort())],
      ['quarkus.http.ssl-port', String(registryPort)],
      ['quarkus.http.insecure-requests', 'disabled'],
      ['quarkus.http.ssl.certificate.files', certs.serverCertFile],
      ['quarkus.http.ssl.certificate.key-files', certs.serverKeyFile],
      ['quarkus.management.host', '127.0.0.1'],
      ['quarkus.management.port', String(managementPort)],
      ['apicurio.storage.kind', 'kafkasql'],
      ['apicurio.kafkasql.bootstrap.servers', brokers.join(',')],
      ['apicurio.kafkasql.topic', 'secured-registry-journal'],
      ['apicurio.kafkasql.snapshots.topic', 'secured-registry-snapshots'],
      ...kafkaClientProps('producer'),
      ...kafkaClientProps('consumer'),
      ...kafkaClientProps('admin'),
      ['apicurio.rules.global.compatibility', 'BACKWARD'],
      ['apicurio.rest.legacy-error-codes.enabled', 'true'],
      ['apicurio.ccompat.legacy-id-mode.enabled', 'false'],
      // Basic auth. Apicurio 3.3 is built with the embedded (properties) realm on; Quarkus warns
      // that quarkus.http.auth.basic is build-time fixed, but Apicurio's own authentication
      // mechanism reads it at run time: without it no credentials are ever checked (every call
      // gets 401). The users, their roles and the path policy are run-time settings.
      ['quarkus.http.auth.basic', 'true'],
      ['quarkus.security.users.embedded.enabled', 'true'],
      ['quarkus.security.users.embedded.plain-text', 'true'],
      [`quarkus.security.users.embedded.users.${registryUser.username}`, registryUser.password],
      [`quarkus.security.users.embedded.roles.${registryUser.username}`, 'sr-admin'],
      ['quarkus.http.auth.permission.apis.paths', '/apis/*'],
      ['quarkus.http.auth.permission.apis.policy', 'authenticated'],
      ['quarkus.log.level', 'WARN'],
      ['quarkus.log.category."io.quarkus.bootstrap.runner.Timing".level', 'INFO'],
    ]);
    const registryLog = path.join(dir, 'registry.log');
    started.push(
      startProcess(
        regJava.bin,
        ['-Xms128m', '-Xmx512m', '-jar', path.join(regDir, 'app', 'quarkus-run.jar')],
        registryLog,
        rDir,
      ),
    );
    const registryUrl = `https://127.0.0.1:${registryPort}/apis/ccompat/v7`;
    const registryReady = await waitUntil(
      async () => {
        alive(started[2]!, 'the registry', registryLog);
        const res = await httpsStatus(`${registryUrl}/subjects`, { ca: certs.caFile, auth: registryUser });
        return res.status === 200;
      },
      timeoutMs,
      500,
    );
    if (!registryReady)
      throw new Error(
        `the registry did not answer at ${registryUrl} within ${timeoutMs} ms; log tail:\n${tailFile(registryLog)}`,
      );

    lap('registry');
    const redisUrl = `rediss://127.0.0.1:${redisPort}`;
    const redisReady = await waitUntil(async () => {
      alive(started[0]!, 'redis-server', redisLog);
      const r = new Redis(redisUrl, {
        ...redisUser,
        tls: { ca },
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        enableOfflineQueue: false,
      });
      r.on('error', () => undefined);
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } finally {
        r.disconnect();
      }
    }, timeoutMs);
    if (!redisReady)
      throw new Error(`redis-server did not answer at ${redisUrl}; log tail:\n${tailFile(redisLog)}`);

    lap('redis');
    let n = 0;
    const secretFile = (name: string, text: string) => {
      const file = path.join(dir, `${name}-${++n}`);
      fs.writeFileSync(file, text, { mode: 0o600 });
      return file;
    };
    return {
      dir,
      certs,
      kafka: { brokers, admin, hub, logFile: kafkaLog },
      registry: { url: registryUrl, user: registryUser, logFile: registryLog },
      redis: { url: redisUrl, user: redisUser, logFile: redisLog },
      kafkaClient,
      timings,
      pids: { redis: started[0]!.pid, kafka: started[1]!.pid, registry: started[2]!.pid },
      secretFile,
      hubEnv: (kafkaUser = hub) => ({
        CROSSDOCK_KAFKA_BROKERS: brokers.join(','),
        CROSSDOCK_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        CROSSDOCK_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        CROSSDOCK_KAFKA_USERNAME: kafkaUser.username,
        CROSSDOCK_KAFKA_PASSWORD_FILE: secretFile('kafka-password', kafkaUser.password),
        CROSSDOCK_KAFKA_CA_FILE: certs.caFile,
        CROSSDOCK_REGISTRY_URL: registryUrl,
        CROSSDOCK_REGISTRY_USERNAME: registryUser.username,
        CROSSDOCK_REGISTRY_PASSWORD_FILE: secretFile('registry-password', registryUser.password),
        CROSSDOCK_REGISTRY_CA_FILE: certs.caFile,
        REDIS_URL: redisUrl,
        CROSSDOCK_REDIS_USERNAME: redisUser.username,
        CROSSDOCK_REDIS_PASSWORD_FILE: secretFile('redis-password', redisUser.password),
        CROSSDOCK_REDIS_CA_FILE: certs.caFile,
      }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
