import { describe, expect, it } from 'vitest';

import type { WatchEvent } from '../../lib/listwatch/ListerWatcher.js';
import { reduceWatch, type WatchCursor } from '../../lib/reflector/reduceWatch.js';
import { initialReflectorState } from '../../lib/reflector/ReflectorState.js';
import { added, bookmark, configMap, deleted, modified, type TestConfigMap as Cm } from '../../lib/testing/builders.js';
import { at } from '../helpers/reflector.js';

const a1 = configMap('a', '1');
const b2 = configMap('b', '2');
const c3 = configMap('c', '3');

describe('reduceWatch', () => {
  it('a streaming list keeps the latest object per key and drops deleted ones', () => {
    const start: WatchCursor<Cm> = { state: initialReflectorState, events: 0, initial: { cause: 'Initial', buffered: undefined } };
    const inputs: ReadonlyArray<WatchEvent<Cm>> = [
      added(a1),
      added(b2),
      added(c3),
      modified(configMap('a', '4')),
      deleted(configMap('b', '5')),
      bookmark('5'),
      bookmark('6', true),
    ];
    let cursor = start;
    const out: unknown[] = [];
    for (const event of inputs) {
      const step = reduceWatch(cursor, { _tag: 'Event', event });
      cursor = step.cursor;
      out.push(...step.out);
    }
    expect(out).toEqual([
      { _tag: 'Replace', items: [configMap('a', '4'), c3], resourceVersion: '6' },
      { _tag: 'Watching', resourceVersion: '6' },
    ]);
    expect(cursor).toEqual({ state: at('6'), events: 7 });
  });

  it('an object without a resourceVersion does not move the RV', () => {
    const noRv: Cm = { metadata: { name: 'n' } };
    const step = reduceWatch<Cm>({ state: at('5'), events: 0 }, { _tag: 'Event', event: added(noRv) });
    expect(step.cursor.state.lastSyncRV).toBe('5');
    expect(step.out).toEqual([{ _tag: 'Added', object: noRv, resourceVersion: '' }]);
  });
});
