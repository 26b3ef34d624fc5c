/**
 * `kube-rx/testing`: a scripted ListerWatcher for marble tests, object and event builders, an
 * embedded API server speaking the real list/watch protocol, with fault injection, and record and
 * replay of a ListerWatcher's input (a production incident as a marble test).
 *
 * @packageDocumentation
 * @module kube-rx/testing
 */
export { ApiStatusError, failureStatus } from './apiServer/apiStatus.js';
export { TEST_CA_PEM, TEST_SERVER_CERT_PEM, TEST_SERVER_KEY_PEM } from './apiServer/certs.js';
export { type ApiVerb, type FaultMatch, type Faults, type RespondOptions, type RestartOptions, type WatchDelayOptions } from './apiServer/faults.js';
export type { KubeConfigOptions } from './apiServer/kubeConfig.js';
export { DEFAULT_RESOURCES, resolveResource as resolveServedResource, type ServedResource, servedResource } from './apiServer/resources.js';
export { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './apiServer/selectors.js';
export {
  type ApiServerConfig,
  type EmbeddedApiServer,
  type RecordedRequest,
  startApiServer,
} from './apiServer/server.js';
export {
  added,
  bookmark,
  configMap,
  deleted,
  errorEvent,
  listPage,
  modified,
  type TestConfigMap,
  TestConfigMapCodec,
} from './builders.js';
export { type FakeClientConfig, type FakeCluster, fakeCluster, type FakeClusterConfig, type FakeListOptions } from './fakeCluster.js';
export { type FakeListerWatcher, fakeListerWatcher, type FakeListerWatcherScript } from './fakeListerWatcher.js';
export {
  parseRecording,
  RECORDING_FORMAT,
  RECORDING_FORMAT_VERSION,
  type RecordedCall,
  type Recording,
  type RecordingError,
  type RecordingHeader,
  type RecordingLine,
} from './Recording.js';
export {
  fileRecordingSink,
  recordingListerWatcher,
  type RecordingOptions,
  type RecordingSink,
  redactSecret,
} from './recordingListerWatcher.js';
export { readRecordingFile, recordingScript, replayListerWatcher } from './replayListerWatcher.js';
export { addedEvent, deletedEvent, type ResourceEventOptions, syncEvent, updatedEvent } from './resourceEventBuilders.js';
