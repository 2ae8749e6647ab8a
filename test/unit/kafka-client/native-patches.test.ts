import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  applyNativePatches,
  NATIVE_PATCHES,
  type NativePatch,
} from '../../../core/kafka-client/native-patches';

function packageWith(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-native-patch-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const patch: NativePatch = { name: 'p', file: 'src/a.c', find: 'x = 1;', replace: 'x = 2;', why: 'test' };

describe('applyNativePatches', () => {
  it('replaces the one occurrence and leaves the rest of the file as it was', () => {
    const dir = packageWith({ 'src/a.c': 'int x;\nx = 1;\nreturn x;\n' });
    expect(applyNativePatches(dir, [patch])).toEqual(['p']);
    expect(fs.readFileSync(path.join(dir, 'src/a.c'), 'utf8')).toBe('int x;\nx = 2;\nreturn x;\n');
  });

  it('refuses a file without the text, with it twice, or missing, naming the patch and the file', () => {
    expect(() => applyNativePatches(packageWith({ 'src/a.c': 'y = 1;' }), [patch])).toThrow(
      'native patch p: the text it replaces occurs nowhere in src/a.c',
    );
    expect(() => applyNativePatches(packageWith({ 'src/a.c': 'x = 1; x = 1;' }), [patch])).toThrow(
      'occurs more than once in src/a.c',
    );
    expect(() => applyNativePatches(packageWith({}), [patch])).toThrow(
      'native patch p: src/a.c is not in the package',
    );
  });

  it("fixes librdkafka's unstable-offsets branch: the partition is queried again, not started at INVALID", () => {
    const [fix] = NATIVE_PATCHES;
    // The branch as librdkafka 2.15.1 has it (rdkafka_assignment.c), with the branch before it.
    const source = `                        rktpar_copy->offset = RD_KAFKA_OFFSET_STORED;

                } else if (err == RD_KAFKA_RESP_ERR_UNSTABLE_OFFSET_COMMIT) {
${fix!.find}
                        /* Partition-level error */
`;
    const dir = packageWith({ [fix!.file]: source });
    applyNativePatches(dir, [fix!]);
    const out = fs.readFileSync(path.join(dir, fix!.file), 'utf8');
    const branch = out.slice(out.indexOf('UNSTABLE_OFFSET_COMMIT'), out.indexOf('} else if (rktpar->err)'));
    expect(branch).toMatch(
      /add_copy\(\s*rk->rk_consumer\.assignment\.pending, rktpar\)\s*->offset = RD_KAFKA_OFFSET_STORED;/,
    );
  });
});
