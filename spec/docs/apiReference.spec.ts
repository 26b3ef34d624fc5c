/**
 * `npm run docs` renders the API reference from the doc comments (typedoc, warnings treated as
 * errors: a broken `{@link}` or a public type referring to an unexported one fails it). Rendered
 * into a temporary folder, so docs/api is left alone.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';
import { root, run } from '../helpers/repo.js';

const out = mkdtempSync(join(tmpdir(), 'kube-rx-api-'));

afterAll(() => {
  rmSync(out, { recursive: true, force: true });
});

describe('the API reference (npm run docs)', () => {
  it('builds from the doc comments without a warning, with a page per export', async () => {
    const typedoc = join(root, 'node_modules/.bin/typedoc');
    const { stdout } = await run(typedoc, ['--options', 'scripts/typedoc.json', '--out', out], { cwd: root, maxBuffer: 16 * 2 ** 20 });
    expect(stdout).not.toMatch(/warning/i);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
    expect(existsSync(join(out, 'functions/kube-rx.sharedIndexInformer.html'))).toBe(true);
    expect(existsSync(join(out, 'functions/kube-rx_protocol.listBodyDecoder.html'))).toBe(true);
    expect(existsSync(join(out, 'variables/kube-rx_reducers.JITTER_FACTOR.html'))).toBe(true);
  }, 180_000);
});
