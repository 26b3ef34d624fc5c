/**
 * Microbenchmark of decoding one LIST body of ~5.6 KB Pods (bench/suite/podGenerator.ts,
 * managedFields on), cut in 64 KiB chunks as the suite's server writes them (`--chunk-kib 16`: as
 * TLS records arrive), without HTTP:
 *
 *   raw       `JSON.parse(whole body).items` (one string of the body, one parse: the floor)
 *   rawCodec  the same, then decodeListBody(KubeObjectCodec) (what a non-streaming kube-rx would do)
 *   decoder   listBodyDecoder(KubeObjectCodec) fed chunk by chunk (kube-rx's LIST path but the socket)
 *
 * `npx tsx --expose-gc bench/listDecode.ts [--items N] [--reps N] [--only NAME] [--chunk-kib N]`. Heap bytes
 * allocated per item need a young generation that holds one run:
 * `node --import tsx --expose-gc --min-semi-space-size=1024 --max-semi-space-size=1024 bench/listDecode.ts --items 2000`
 * (samples with a GC inside report n/a). Wall time on a shared machine is noise: read CPU and bytes.
 */
import { parseArgs } from 'node:util';

import { isLeft } from 'fp-ts/lib/Either.js';

import { decodeListBody } from '../lib/listwatch/decodeListBody.js';
import { listBodyDecoder } from '../lib/listwatch/listBodyDecoder.js';
import { KubeObjectCodec } from '../lib/meta/KubeObject.js';
import { dropGcSamples, median, type Sample, sampleRun } from './sample.js';
import { podAt } from './suite/podGenerator.js';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '10000' },
    reps: { type: 'string', default: '5' },
    only: { type: 'string' },
    'chunk-kib': { type: 'string', default: '64' },
  },
});
const count = Number(values.items);
const reps = Number(values.reps);

const gen = { seed: 5, managedFields: true, namespaces: 100 };
const body = Buffer.from(
  JSON.stringify({
    kind: 'PodList',
    apiVersion: 'v1',
    metadata: { resourceVersion: String(count) },
    items: Array.from({ length: count }, (_, i) => podAt(gen, i, i + 1)),
  }),
);
const CHUNK = Number(values['chunk-kib']) * 1024;
const chunks: Buffer[] = [];
for (let off = 0; off < body.length; off += CHUNK) chunks.push(Buffer.from(body.subarray(off, off + CHUNK)));

/** CPU and wall ns per item of `run`, heap bytes allocated per item; `run` returns how many items it decoded. */
const sample = (run: () => number): Sample => {
  let n = 0;
  const x = sampleRun(() => {
    n = run();
  }, count);
  if (n !== count) throw new Error(`decoded ${n} of ${count}`);
  return x;
};

const contenders = {
  raw: () => sample(() => (JSON.parse(body.toString('utf8')) as { items: unknown[] }).items.length),
  rawCodec: () =>
    sample(() => {
      const page = decodeListBody(KubeObjectCodec, JSON.parse(body.toString('utf8')));
      if (isLeft(page)) throw new Error('not a list');
      return page.right.items.length;
    }),
  decoder: () =>
    sample(() => {
      const decoder = listBodyDecoder(KubeObjectCodec);
      for (const chunk of chunks) decoder.write(chunk);
      const page = decoder.end();
      if (isLeft(page)) throw new Error('not a list');
      return page.right.items.length;
    }),
} as const;
const names = (Object.keys(contenders) as Array<keyof typeof contenders>).filter((n) => values.only === undefined || n === values.only);
const samples = new Map<string, Sample[]>(names.map((n) => [n, []]));
for (let r = 0; r < reps; r++) for (const n of names) samples.get(n)?.push(contenders[n]());
await dropGcSamples(samples.values());
const medianOf = (n: string, k: 'cpu' | 'wall' | 'alloc'): number => median((samples.get(n) ?? []).map((x) => x[k]));
const cpuFloor = medianOf('raw', 'cpu');
console.log(`${count} items, ${(body.length / 2 ** 20).toFixed(1)} MiB, ${chunks.length} chunks; load ${(await import('node:os')).loadavg()[0]?.toFixed(1)}`);
console.table(
  names.map((n) => ({
    stage: n,
    'CPU ns/item': Math.round(medianOf(n, 'cpu')),
    'CPU × raw': Number.isFinite(cpuFloor) ? (medianOf(n, 'cpu') / cpuFloor).toFixed(3) : '',
    'wall ns/item': Math.round(medianOf(n, 'wall')),
    'alloc B/item': Number.isFinite(medianOf(n, 'alloc')) ? Math.round(medianOf(n, 'alloc')) : 'n/a (GC ran)',
  })),
);
