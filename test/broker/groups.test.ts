import { afterAll, describe, expect, it } from 'vitest';
import { ERR, GroupCoordinator, type JoinRequest } from '../../scripts/engines/broker/groups.ts';
import { waitUntil } from './helpers.ts';

/** The coordinator is a plain state machine: driven directly here for the transitions clients rarely hit on purpose. */
const logs: string[] = [];
const coordinator = new GroupCoordinator({ initialRebalanceDelayMs: 0, log: (m) => logs.push(m) });
afterAll(() => coordinator.stop());

const join = (group: string, memberId: string, over: Partial<JoinRequest> = {}): ReturnType<GroupCoordinator['join']> =>
  coordinator.join(group, {
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('m') }],
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    clientId: 'c',
    clientHost: '/127.0.0.1',
    requireKnownMemberId: true,
    ...over,
  });

describe('group coordinator state machine', () => {
  it('asks new members for a member id (v4+), then completes the join with the first member as leader', async () => {
    const first = await join('g1', '');
    expect(first.error).toBe(ERR.MEMBER_ID_REQUIRED);
    expect(first.memberId).not.toBe('');
    const joined = await join('g1', first.memberId);
    expect(joined).toMatchObject({ error: 0, generation: 1, protocol: 'range', leader: first.memberId, memberId: first.memberId });
    expect(joined.members).toHaveLength(1);
    expect(coordinator.describe('g1')?.state).toBe('CompletingRebalance');
    const synced = await coordinator.sync('g1', 1, first.memberId, [{ memberId: first.memberId, assignment: Buffer.from('all') }]);
    expect(synced.assignment.toString()).toBe('all');
    expect(coordinator.describe('g1')?.state).toBe('Stable');
  });

  it('rebalances when a second member joins: heartbeats say REBALANCE_IN_PROGRESS until everyone rejoins', async () => {
    const a = (await join('g2', '', { requireKnownMemberId: false })).memberId;
    await coordinator.sync('g2', 1, a, [{ memberId: a, assignment: Buffer.from('a-all') }]);
    const bJoin = join('g2', '', { requireKnownMemberId: false });
    expect(coordinator.describe('g2')?.state).toBe('PreparingRebalance');
    expect(coordinator.heartbeat('g2', 1, a)).toBe(ERR.REBALANCE_IN_PROGRESS);
    // Commits are still accepted while preparing a rebalance (Kafka semantics), with the current generation only.
    expect(coordinator.validateCommit('g2', 1, a)).toBe(ERR.NONE);
    expect(coordinator.validateCommit('g2', 0, a)).toBe(ERR.ILLEGAL_GENERATION);
    expect(coordinator.validateCommit('g2', 1, 'stranger')).toBe(ERR.UNKNOWN_MEMBER_ID);
    const aJoin = join('g2', a, { requireKnownMemberId: false });
    const [ra, rb] = await Promise.all([aJoin, bJoin]);
    expect(ra.generation).toBe(2);
    expect(rb.generation).toBe(2);
    expect(ra.leader).toBe(a);
    expect(ra.members).toHaveLength(2);
    expect(rb.members).toHaveLength(0);
    // The follower's sync waits for the leader's assignment.
    const followerSync = coordinator.sync('g2', 2, rb.memberId, []);
    expect(coordinator.validateCommit('g2', 2, a)).toBe(ERR.REBALANCE_IN_PROGRESS);
    await coordinator.sync('g2', 2, a, [{ memberId: a, assignment: Buffer.from('a-half') }, { memberId: rb.memberId, assignment: Buffer.from('b-half') }]);
    expect((await followerSync).assignment.toString()).toBe('b-half');
    expect(coordinator.heartbeat('g2', 2, rb.memberId)).toBe(ERR.NONE);
    expect(coordinator.heartbeat('g2', 1, rb.memberId)).toBe(ERR.ILLEGAL_GENERATION);

    // Leaving triggers another rebalance; the remaining member rejoins alone.
    expect(coordinator.leave('g2', [rb.memberId])).toEqual([ERR.NONE]);
    expect(coordinator.heartbeat('g2', 2, a)).toBe(ERR.REBALANCE_IN_PROGRESS);
    const again = await join('g2', a, { requireKnownMemberId: false });
    expect(again).toMatchObject({ error: 0, generation: 3, leader: a });
  });

  it('refuses members with an incompatible protocol and unknown member ids', async () => {
    const a = (await join('g3', '', { requireKnownMemberId: false })).memberId;
    expect(a).not.toBe('');
    expect((await join('g3', '', { requireKnownMemberId: false, protocols: [{ name: 'roundrobin', metadata: Buffer.alloc(0) }] })).error).toBe(ERR.INCONSISTENT_GROUP_PROTOCOL);
    expect((await join('g3', 'made-up')).error).toBe(ERR.UNKNOWN_MEMBER_ID);
  });

  it('expires a member that stops heartbeating and rebalances the rest', async () => {
    const a = (await join('g4', '', { requireKnownMemberId: false, sessionTimeoutMs: 200 })).memberId;
    await coordinator.sync('g4', 1, a, [{ memberId: a, assignment: Buffer.alloc(0) }]);
    await waitUntil('member expired', () => coordinator.describe('g4')?.state === 'Empty');
    expect(coordinator.describe('g4')?.members).toEqual([]);
    expect(coordinator.heartbeat('g4', 1, a)).toBe(ERR.UNKNOWN_MEMBER_ID);
    // Admin-style commits (generation -1) are accepted on an empty group.
    expect(coordinator.validateCommit('g4', -1, '')).toBe(ERR.NONE);
  });
});
