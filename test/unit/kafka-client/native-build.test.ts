import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nestedNpmEnv, npmCommand, probeNativeClient } from '../../../core/kafka-client/native-build';
import { NATIVE_PATCHES_ID } from '../../../core/kafka-client/native-patches';
import { nativeClientDir, nativeFailureFile } from '../../../core/kafka-client/native-where';

describe('the native client build (npm install postinstall)', () => {
  it('gives the nested npm CKJS_LINKING=dynamic and none of the parent lifecycle variables that point it at the project', () => {
    const env = nestedNpmEnv({
      PATH: '/usr/bin',
      npm_config_local_prefix: '/work/main',
      npm_config_prefix: '/usr',
      npm_package_name: 'crossdock',
      npm_lifecycle_event: 'postinstall',
      npm_config_cache: '/root/.npm',
      npm_config_registry: 'https://registry.example/',
      npm_config_node_gyp: '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    });
    expect(env).toEqual({
      PATH: '/usr/bin',
      npm_config_cache: '/root/.npm',
      npm_config_registry: 'https://registry.example/',
      npm_config_node_gyp: '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
      CKJS_LINKING: 'dynamic',
    });
  });

  it('runs the npm that runs the lifecycle script, else npm on PATH', () => {
    expect(npmCommand({ npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js' })).toEqual({
      command: process.execPath,
      args: ['/usr/lib/node_modules/npm/bin/npm-cli.js'],
    });
    expect(npmCommand({ npm_execpath: '/usr/bin/yarn' })).toEqual({ command: 'npm', args: [] });
    expect(npmCommand({})).toEqual({ command: 'npm', args: [] });
  });

  it('keeps one folder per client version, Node ABI, platform and architecture', () => {
    const dir = nativeClientDir('/cache', {
      versions: { modules: '115' } as NodeJS.ProcessVersions,
      platform: 'linux',
      arch: 'x64',
    });
    expect(dir).toBe(
      path.join('/cache', 'native', `kafka-javascript-1.10.1-p${NATIVE_PATCHES_ID}-abi115-linux-x64`),
    );
    expect(
      nativeClientDir('/cache', {
        versions: { modules: '127' } as NodeJS.ProcessVersions,
        platform: 'linux',
        arch: 'x64',
      }),
    ).not.toBe(dir);
    expect(nativeFailureFile('/cache').startsWith(nativeClientDir('/cache'))).toBe(true);
  });

  it('probes a folder in a fresh process and says why it does not load', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-native-probe-'));
    try {
      fs.writeFileSync(path.join(dir, 'package.json'), '{"main":"index.js"}');
      fs.writeFileSync(path.join(dir, 'index.js'), "throw new Error('wrong ELF class: ELFCLASS32');");
      const bad = await probeNativeClient(dir);
      expect(bad).toEqual({ ok: false, reason: expect.stringContaining('wrong ELF class') });
      fs.writeFileSync(
        path.join(dir, 'index.js'),
        "module.exports = { librdkafkaVersion: '9.9.9', KafkaJS: { Kafka: class {} } };",
      );
      expect(await probeNativeClient(dir)).toEqual({ ok: true, librdkafkaVersion: '9.9.9' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
