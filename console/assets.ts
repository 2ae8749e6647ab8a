import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CrossdockError } from '../core/errors';

/**
 * The console's static files (console/assets: one stylesheet, one script, the page icon), read once at start and
 * served from memory with a content hash in their URL, so a browser keeps them until they change.
 * Every asset is in the package: the console works with no internet access.
 */
export interface ConsoleAsset {
  name: string;
  type: string;
  body: Buffer;
  hash: string;
}

export const ASSET_DIR = path.join(__dirname, 'assets');

const TYPES: Readonly<Record<string, string>> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export function loadAssets(dir: string = ASSET_DIR): Map<string, ConsoleAsset> {
  const out = new Map<string, ConsoleAsset>();
  for (const name of ['console.css', 'console.js', 'icon.svg']) {
    const file = path.join(dir, name);
    let body: Buffer;
    try {
      body = fs.readFileSync(file);
    } catch (err) {
      throw new CrossdockError('CD_E_CONSOLE_ASSET_MISSING', `the console's ${name} is missing (${file})`, {
        cause: err,
        details: { file },
      });
    }
    const hash = crypto.createHash('sha256').update(body).digest('hex').slice(0, 12);
    out.set(name, { name, type: TYPES[path.extname(name)] ?? 'application/octet-stream', body, hash });
  }
  return out;
}
