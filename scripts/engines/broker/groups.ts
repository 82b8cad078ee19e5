/**
 * Classic consumer-group coordinator for one node (Kafka's GroupCoordinator semantics, see the research note §4):
 * Empty -> PreparingRebalance -> CompletingRebalance -> Stable, with parked (blocking) JoinGroup and SyncGroup answers,
 * MEMBER_ID_REQUIRED for JoinGroup v4+, session expiry, and OffsetCommit validation. Membership is not persisted:
 * after a restart clients get UNKNOWN_MEMBER_ID and rejoin, as they would after a coordinator move.
 */
import { randomUUID } from 'node:crypto';

export const ERR = {
  NONE: 0,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  GROUP_ID_NOT_FOUND: 69,
  MEMBER_ID_REQUIRED: 79,
  INVALID_GROUP_ID: 24,
} as const;

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';

export interface Protocol { name: string; metadata: Buffer }

export interface JoinRequest {
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: Protocol[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  clientId: string;
  clientHost: string;
  requireKnownMemberId: boolean;
}

export interface JoinResult {
  error: number;
  generation: number;
  protocolType: string | null;
  protocol: string | null;
  leader: string;
  memberId: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>;
}

export interface SyncResult { error: number; assignment: Buffer; protocolType: string | null; protocol: string | null }

interface Member {
  id: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: Protocol[];
  lastSeen: number;
  assignment: Buffer;
  awaitingJoin: ((r: JoinResult) => void) | null;
  awaitingSync: ((r: SyncResult) => void) | null;
}

class Group {
  state: GroupState = 'Empty';
  generation = 0;
  protocolType: string | null = null;
  protocol: string | null = null;
  leader: string | null = null;
  members = new Map<string, Member>();
  /** Ids handed out with MEMBER_ID_REQUIRED, waiting for the client's second JoinGroup; value = expiry time. */
  pending = new Map<string, number>();
  joinDeadline = 0;
  syncDeadline = 0;
  constructor(readonly id: string) {}
}

const EMPTY = Buffer.alloc(0);

export class GroupCoordinator {
  private groups = new Map<string, Group>();
  private timer: NodeJS.Timeout;

  constructor(private readonly opts: { initialRebalanceDelayMs: number; log: (msg: string) => void }) {
    this.timer = setInterval(() => this.sweep(Date.now()), 100);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private group(id: string): Group {
    let g = this.groups.get(id);
    if (!g) this.groups.set(id, (g = new Group(id)));
    return g;
  }

  join(groupId: string, req: JoinRequest): Promise<JoinResult> {
    const fail = (error: number, memberId = req.memberId): Promise<JoinResult> =>
      Promise.resolve({ error, generation: -1, protocolType: null, protocol: null, leader: '', memberId, members: [] });
    if (!groupId) return fail(ERR.INVALID_GROUP_ID);
    if (req.sessionTimeoutMs < 1 || req.sessionTimeoutMs > 3_600_000) return fail(ERR.INVALID_SESSION_TIMEOUT);
    const g = this.group(groupId);
    const now = Date.now();
    let memberId = req.memberId;
    if (memberId === '') {
      memberId = `${req.clientId || 'member'}-${randomUUID()}`;
      if (req.requireKnownMemberId) {
        g.pending.set(memberId, now + req.sessionTimeoutMs);
        return fail(ERR.MEMBER_ID_REQUIRED, memberId);
      }
    } else if (!g.members.has(memberId) && !g.pending.has(memberId)) {
      return fail(ERR.UNKNOWN_MEMBER_ID);
    }
    if (g.members.size > 0 && g.protocolType !== null && g.protocolType !== req.protocolType) return fail(ERR.INCONSISTENT_GROUP_PROTOCOL);
    const others = [...g.members.values()].filter((m) => m.id !== memberId);
    const names = new Set(req.protocols.map((p) => p.name));
    if (req.protocols.length === 0 || !others.every((m) => m.protocols.some((p) => names.has(p.name)))) return fail(ERR.INCONSISTENT_GROUP_PROTOCOL);

    g.pending.delete(memberId);
    const existing = g.members.get(memberId);
    const member: Member = {
      id: memberId,
      groupInstanceId: req.groupInstanceId,
      clientId: req.clientId,
      clientHost: req.clientHost,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      protocols: req.protocols,
      lastSeen: now,
      assignment: existing?.assignment ?? EMPTY,
      awaitingJoin: null,
      awaitingSync: null,
    };
    // A member re-sending JoinGroup replaces its previous parked join, which is answered as superseded.
    existing?.awaitingJoin?.({ error: ERR.REBALANCE_IN_PROGRESS, generation: -1, protocolType: null, protocol: null, leader: '', memberId, members: [] });
    g.members.set(memberId, member);
    g.protocolType = req.protocolType;
    const result = new Promise<JoinResult>((resolve) => (member.awaitingJoin = resolve));
    this.prepareRebalance(g, now);
    this.maybeCompleteJoin(g, now);
    return result;
  }

  private prepareRebalance(g: Group, now: number): void {
    if (g.state === 'CompletingRebalance') this.cancelSyncs(g);
    if (g.state === 'PreparingRebalance') return;
    const wasEmpty = g.state === 'Empty';
    g.state = 'PreparingRebalance';
    const maxRebalance = Math.max(0, ...[...g.members.values()].map((m) => m.rebalanceTimeoutMs));
    g.joinDeadline = now + (wasEmpty ? this.opts.initialRebalanceDelayMs : maxRebalance);
    this.opts.log(`group ${g.id}: preparing rebalance (generation ${g.generation})`);
  }

  private cancelSyncs(g: Group): void {
    for (const m of g.members.values()) {
      m.awaitingSync?.({ error: ERR.REBALANCE_IN_PROGRESS, assignment: EMPTY, protocolType: null, protocol: null });
      m.awaitingSync = null;
    }
  }

  private maybeCompleteJoin(g: Group, now: number): void {
    if (g.state !== 'PreparingRebalance') return;
    const allJoined = [...g.members.values()].every((m) => m.awaitingJoin !== null);
    const initialWait = g.generation === 0 && now < g.joinDeadline && this.opts.initialRebalanceDelayMs > 0;
    if ((allJoined && !initialWait) || now >= g.joinDeadline) this.completeJoin(g, now);
  }

  private completeJoin(g: Group, now: number): void {
    for (const m of [...g.members.values()]) if (!m.awaitingJoin) g.members.delete(m.id);
    g.generation++;
    if (g.members.size === 0) {
      this.becomeEmpty(g);
      return;
    }
    g.protocol = this.selectProtocol(g);
    if (!g.leader || !g.members.has(g.leader)) g.leader = g.members.keys().next().value as string;
    g.state = 'CompletingRebalance';
    g.syncDeadline = now + Math.max(...[...g.members.values()].map((m) => m.rebalanceTimeoutMs));
    this.opts.log(`group ${g.id}: generation ${g.generation} with ${g.members.size} member(s), protocol ${g.protocol}`);
    for (const m of g.members.values()) {
      const resolve = m.awaitingJoin as (r: JoinResult) => void;
      m.awaitingJoin = null;
      m.lastSeen = now;
      const isLeader = m.id === g.leader;
      resolve({
        error: ERR.NONE,
        generation: g.generation,
        protocolType: g.protocolType,
        protocol: g.protocol,
        leader: g.leader,
        memberId: m.id,
        members: isLeader
          ? [...g.members.values()].map((x) => ({ memberId: x.id, groupInstanceId: x.groupInstanceId, metadata: x.protocols.find((p) => p.name === g.protocol)?.metadata ?? EMPTY }))
          : [],
      });
    }
  }

  private becomeEmpty(g: Group): void {
    this.cancelSyncs(g);
    g.state = 'Empty';
    g.leader = null;
    g.protocol = null;
    this.opts.log(`group ${g.id}: empty`);
  }

  /** Vote: each member votes for its most preferred protocol among those every member supports. */
  private selectProtocol(g: Group): string {
    const members = [...g.members.values()];
    const common = (members[0] as Member).protocols.map((p) => p.name).filter((n) => members.every((m) => m.protocols.some((p) => p.name === n)));
    const votes = new Map<string, number>();
    for (const m of members) {
      const choice = m.protocols.find((p) => common.includes(p.name))?.name;
      if (choice) votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best = common[0] as string;
    for (const [name, n] of votes) if (n > (votes.get(best) ?? 0)) best = name;
    return best;
  }

  sync(groupId: string, generation: number, memberId: string, assignments: Array<{ memberId: string; assignment: Buffer }>): Promise<SyncResult> {
    const g = this.groups.get(groupId);
    const fail = (error: number): Promise<SyncResult> => Promise.resolve({ error, assignment: EMPTY, protocolType: null, protocol: null });
    const m = g?.members.get(memberId);
    if (!g || !m) return fail(ERR.UNKNOWN_MEMBER_ID);
    if (generation !== g.generation) return fail(ERR.ILLEGAL_GENERATION);
    m.lastSeen = Date.now();
    if (g.state === 'PreparingRebalance') return fail(ERR.REBALANCE_IN_PROGRESS);
    if (g.state === 'Stable') return Promise.resolve({ error: ERR.NONE, assignment: m.assignment, protocolType: g.protocolType, protocol: g.protocol });
    if (g.state !== 'CompletingRebalance') return fail(ERR.UNKNOWN_MEMBER_ID);
    const result = new Promise<SyncResult>((resolve) => (m.awaitingSync = resolve));
    if (memberId === g.leader) {
      const byId = new Map(assignments.map((a) => [a.memberId, a.assignment]));
      g.state = 'Stable';
      for (const x of g.members.values()) {
        x.assignment = byId.get(x.id) ?? EMPTY;
        x.awaitingSync?.({ error: ERR.NONE, assignment: x.assignment, protocolType: g.protocolType, protocol: g.protocol });
        x.awaitingSync = null;
      }
      this.opts.log(`group ${g.id}: stable at generation ${g.generation}`);
    }
    return result;
  }

  heartbeat(groupId: string, generation: number, memberId: string): number {
    const g = this.groups.get(groupId);
    const m = g?.members.get(memberId);
    if (!g || !m) return ERR.UNKNOWN_MEMBER_ID;
    m.lastSeen = Date.now();
    if (g.state === 'PreparingRebalance') return ERR.REBALANCE_IN_PROGRESS;
    if (generation !== g.generation) return ERR.ILLEGAL_GENERATION;
    return ERR.NONE;
  }

  leave(groupId: string, memberIds: string[]): number[] {
    const g = this.groups.get(groupId);
    const errors = memberIds.map((id) => {
      const m = g?.members.get(id);
      if (!g || !m) return ERR.UNKNOWN_MEMBER_ID;
      this.removeMember(g, m, Date.now());
      return ERR.NONE;
    });
    return errors;
  }

  private removeMember(g: Group, m: Member, now: number): void {
    g.members.delete(m.id);
    m.awaitingJoin?.({ error: ERR.UNKNOWN_MEMBER_ID, generation: -1, protocolType: null, protocol: null, leader: '', memberId: m.id, members: [] });
    m.awaitingSync?.({ error: ERR.UNKNOWN_MEMBER_ID, assignment: EMPTY, protocolType: null, protocol: null });
    this.opts.log(`group ${g.id}: member ${m.id} left or expired`);
    if (g.members.size === 0) {
      if (g.state !== 'Empty') g.generation++;
      this.becomeEmpty(g);
      return;
    }
    if (g.state === 'Stable' || g.state === 'CompletingRebalance') this.prepareRebalance(g, now);
    this.maybeCompleteJoin(g, now);
  }

  /** Validates an OffsetCommit's member and generation (v0 / admin commits use generation -1 on an empty group). */
  validateCommit(groupId: string, generation: number, memberId: string): number {
    const g = this.groups.get(groupId);
    if (generation < 0 && (!g || g.state === 'Empty')) return ERR.NONE;
    if (!g) return ERR.UNKNOWN_MEMBER_ID;
    const m = g.members.get(memberId);
    if (!m) return ERR.UNKNOWN_MEMBER_ID;
    if (generation !== g.generation) return ERR.ILLEGAL_GENERATION;
    if (g.state === 'CompletingRebalance') return ERR.REBALANCE_IN_PROGRESS;
    m.lastSeen = Date.now();
    return ERR.NONE;
  }

  describe(groupId: string): { state: string; protocolType: string; protocol: string; members: Array<{ id: string; groupInstanceId: string | null; clientId: string; clientHost: string; metadata: Buffer; assignment: Buffer }> } | null {
    const g = this.groups.get(groupId);
    if (!g) return null;
    return {
      state: g.state,
      protocolType: g.protocolType ?? '',
      protocol: g.protocol ?? '',
      members: [...g.members.values()].map((m) => ({
        id: m.id,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: m.protocols.find((p) => p.name === g.protocol)?.metadata ?? EMPTY,
        assignment: g.state === 'Stable' ? m.assignment : EMPTY,
      })),
    };
  }

  list(): Array<{ groupId: string; protocolType: string; state: GroupState }> {
    return [...this.groups.values()].map((g) => ({ groupId: g.id, protocolType: g.protocolType ?? '', state: g.state }));
  }

  private sweep(now: number): void {
    for (const g of this.groups.values()) {
      for (const [id, expiry] of g.pending) if (now > expiry) g.pending.delete(id);
      for (const m of [...g.members.values()]) {
        if (m.awaitingJoin || m.awaitingSync) continue;
        if (now - m.lastSeen > m.sessionTimeoutMs) this.removeMember(g, m, now);
      }
      if (g.state === 'CompletingRebalance' && now > g.syncDeadline) {
        // Members that never sent SyncGroup within the rebalance timeout are dropped, and the rest rebalance.
        for (const m of [...g.members.values()]) if (!m.awaitingSync) this.removeMember(g, m, now);
      }
      this.maybeCompleteJoin(g, now);
    }
  }
}
