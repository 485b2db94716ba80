/**
 * The evaluators' partition assigner. A partition is expensive to move (its successor
 * replays the window), so the assignment is sticky: a partition stays with the member
 * that holds it; one whose owner left goes to the member keeping it warm as a standby,
 * if any; the rest go to the least loaded. Counts stay balanced (they differ by at most
 * one). The leader also names each partition's standby: the next member, in member-id
 * order, after its owner, so with two or more members every partition has one.
 *
 * Members advertise what they hold in their join metadata; the leader writes each
 * member's standby partitions into that member's assignment, which members read back
 * with describeGroups (kafkajs does not hand a member its own assignment's user data).
 */
import { AssignerProtocol, type Assigner, type GroupMemberAssignment, type PartitionAssigner } from 'kafkajs';

/** Name of the assignment protocol: every member of a group must offer it. */
export const WARM_ASSIGNER = 'vigil-warm';

/** What a member says it holds when it joins. */
export interface MemberHolding {
  readonly id: string;
  /** Partitions it owned (sticky). */
  readonly held: readonly number[];
  /** Partitions it keeps warm as a standby and has caught up. */
  readonly warm: readonly number[];
}

/** The leader's decision for one member. */
export interface MemberPlan {
  readonly owned: number[];
  readonly standby: number[];
}

/**
 * Assigns `partitions` to `members`: sticky, then warm, then least loaded, balanced;
 * then each partition's standby is the owner's successor in member-id order.
 */
export function planAssignment(members: readonly MemberHolding[], partitions: readonly number[]): Map<string, MemberPlan> {
  const sorted = [...members].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const plan = new Map<string, MemberPlan>(sorted.map((m) => [m.id, { owned: [], standby: [] }]));
  if (sorted.length === 0) return plan;
  const n = sorted.length;
  const floor = Math.floor(partitions.length / n);
  // Members allowed one more than `floor`: the first to claim it get it.
  let extra = partitions.length % n;
  const canTake = (id: string): boolean => {
    const c = plan.get(id)!.owned.length;
    return c < floor || (c === floor && extra > 0);
  };
  const give = (id: string, p: number): void => {
    const owned = plan.get(id)!.owned;
    if (owned.length === floor) extra--;
    owned.push(p);
  };
  const open = new Set(partitions);
  for (const pass of ['held', 'warm'] as const) {
    for (const m of sorted) {
      for (const p of m[pass]) if (open.has(p) && canTake(m.id)) {
        give(m.id, p);
        open.delete(p);
      }
    }
  }
  for (const p of [...open].sort((a, b) => a - b)) {
    let best = sorted[0]!;
    for (const m of sorted) if (plan.get(m.id)!.owned.length < plan.get(best.id)!.owned.length) best = m;
    give(best.id, p);
  }
  if (n > 1) {
    for (let i = 0; i < n; i++) {
      const next = plan.get(sorted[(i + 1) % n]!.id)!;
      next.standby.push(...plan.get(sorted[i]!.id)!.owned);
    }
  }
  for (const p of plan.values()) {
    p.owned.sort((a, b) => a - b);
    p.standby.sort((a, b) => a - b);
  }
  return plan;
}

function parseHolding(id: string, userData: Buffer | null | undefined): MemberHolding {
  try {
    const o = JSON.parse(userData?.toString('utf8') || '{}') as { held?: unknown; warm?: unknown };
    const ints = (x: unknown) => (Array.isArray(x) ? x.filter((v): v is number => Number.isInteger(v)) : []);
    return { id, held: ints(o.held), warm: ints(o.warm) };
  } catch {
    return { id, held: [], warm: [] };
  }
}

/** The standby partitions the leader wrote into a member's assignment (empty if none or foreign). */
export function standbyFromAssignment(memberAssignment: Buffer | null | undefined): number[] {
  if (!memberAssignment || memberAssignment.length === 0) return [];
  const decoded = AssignerProtocol.MemberAssignment.decode(memberAssignment);
  if (decoded === null) return [];
  try {
    const o = JSON.parse(decoded.userData?.toString('utf8') || '{}') as { standby?: unknown };
    return Array.isArray(o.standby) ? o.standby.filter((v): v is number => Number.isInteger(v)) : [];
  } catch {
    return [];
  }
}

/**
 * The kafkajs assigner for one topic. `holding` is asked at every join for what this
 * member holds now.
 */
export function warmAssigner(topic: string, holding: () => { held: number[]; warm: number[] }): PartitionAssigner {
  return ({ cluster }): Assigner => ({
    name: WARM_ASSIGNER,
    version: 1,
    async assign({ members }): Promise<GroupMemberAssignment[]> {
      const partitions = cluster.findTopicPartitionMetadata(topic).map((m) => m.partitionId);
      const holdings = members.map((m) => {
        const meta = AssignerProtocol.MemberMetadata.decode(m.memberMetadata);
        return parseHolding(m.memberId, meta?.userData);
      });
      const plan = planAssignment(holdings, partitions);
      return [...plan].map(([memberId, p]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: { [topic]: p.owned },
          userData: Buffer.from(JSON.stringify({ standby: p.standby })),
        }),
      }));
    },
    protocol({ topics }) {
      return {
        name: WARM_ASSIGNER,
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.from(JSON.stringify(holding())) }),
      };
    },
  });
}
