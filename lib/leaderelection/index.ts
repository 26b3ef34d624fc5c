export { JITTER_FACTOR, type LeaderElectionConfig, leaderElection, type LeaderState, whileLeading } from './leaderElection.js';
export { fenceValidUntil, isLeaseFenced, type LeaseFence, type LeaseFenceConfig, type LeaseFenced, leaseFence } from './leaseFence.js';
export {
  httpLeaseClient,
  type Lease,
  type LeaseClient,
  type LeaseClientError,
  LeaseCodec,
  type LeaseSpec,
  LeaseSpecCodec,
  type LeaseVerb,
  microTime,
} from './leaseClient.js';
export {
  assignShards,
  initialOwnedShards,
  type OwnedShardsInput,
  type OwnedShardsState,
  ownedKeys,
  reduceOwnedShards,
  shardOf,
  sharding,
  type ShardingConfig,
  whileOwning,
} from './sharding.js';
