import { describe, expect, expectTypeOf, it } from 'vitest';

import type { ResourceEvent } from '../../lib/informer/ResourceEvent.js';
import { configMap, type TestConfigMap } from '../../lib/testing/builders.js';
import { addedEvent, deletedEvent, syncEvent, updatedEvent } from '../../lib/testing/resourceEventBuilders.js';
import { newTestScheduler } from '../helpers/marbles.js';

const a1 = configMap('a', '1', 'ns');
const a2 = configMap('a', '2', 'ns');

describe('ResourceEvent builders', () => {
  it('build each informer event with the namespace/name key and initial false by default', () => {
    expect(addedEvent(a1)).toEqual({ _tag: 'Added', key: 'ns/a', object: a1, initial: false });
    expect(addedEvent(a1, { initial: true, key: 'k' })).toEqual({ _tag: 'Added', key: 'k', object: a1, initial: true });
    expect(updatedEvent(a1, a2)).toEqual({ _tag: 'Updated', key: 'ns/a', old: a1, object: a2, initial: false });
    expect(deletedEvent(a2)).toEqual({ _tag: 'Deleted', key: 'ns/a', object: a2, finalStateUnknown: false, initial: false });
    expect(deletedEvent(a2, { finalStateUnknown: true })).toMatchObject({ finalStateUnknown: true });
    expect(syncEvent(a2, { initial: true })).toEqual({ _tag: 'Sync', key: 'ns/a', object: a2, initial: true });
  });

  it('let cold(...) infer ResourceEvent<T> from mixed values', () => {
    newTestScheduler().run(({ cold }) => {
      const events$ = cold('a-u-d-s', { a: addedEvent(a1), u: updatedEvent(a1, a2), d: deletedEvent(a2), s: syncEvent(a1) });
      expectTypeOf(events$).toEqualTypeOf<ReturnType<typeof cold<ResourceEvent<TestConfigMap>>>>();
    });
  });
});
