export {
  added,
  bookmark,
  configMap,
  deleted,
  errorEvent,
  listPage,
  modified,
  type TestConfigMap,
} from './builders.js';
export { type FakeListerWatcher, fakeListerWatcher, type FakeListerWatcherScript } from './fakeListerWatcher.js';
