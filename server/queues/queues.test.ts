import { queuePrefix, QUEUE_NAMES } from './queues';

describe('queuePrefix', () => {
  it('on a single node keeps every queue under QUEUE_PREFIX, as the keys always were', () => {
    expect(queuePrefix({ QUEUE_PREFIX: 'educard', REDIS_CLUSTER_NODES: [] }, QUEUE_NAMES.registryMatch)).toBe('educard');
  });
  it('on a cluster gives each queue its own hash tag, so its keys share a slot and the queues spread', () => {
    const cluster = { QUEUE_PREFIX: 'educard', REDIS_CLUSTER_NODES: [{ host: 'r', port: 6379 }] };
    expect(queuePrefix(cluster, QUEUE_NAMES.registryMatch)).toBe('educard:{registry-match}');
    expect(queuePrefix(cluster, QUEUE_NAMES.notifications)).toBe('educard:{notifications}');
  });
  it('leaves a prefix that already holds a tag as it is (one slot for everything)', () => {
    expect(queuePrefix({ QUEUE_PREFIX: '{educard}', REDIS_CLUSTER_NODES: [{ host: 'r', port: 6379 }] }, QUEUE_NAMES.cleanup)).toBe('{educard}');
  });
});
