import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AssignerProtocol } from 'kafkajs';
import { planAssignment, standbyFromAssignment, type MemberHolding } from '../../src/evaluate/assigner.js';

const P4 = [0, 1, 2, 3];
const plain = (plan: ReturnType<typeof planAssignment>) => Object.fromEntries([...plan].map(([id, p]) => [id, `${p.owned.join(',')}|${p.standby.join(',')}`]));

test('assigner: a lone member owns everything and keeps nothing warm', () => {
  assert.deepEqual(plain(planAssignment([{ id: 'a', held: [], warm: [] }], P4)), { a: '0,1,2,3|' });
});

test('assigner: a joining member gets half; the first keeps what it held; each keeps the other\'s warm', () => {
  const plan = planAssignment([{ id: 'b', held: [], warm: [] }, { id: 'a', held: [0, 1, 2, 3], warm: [] }], P4);
  assert.deepEqual(plain(plan), { a: '0,1|2,3', b: '2,3|0,1' });
});

test('assigner: the partitions of a member that left go to the member keeping them warm', () => {
  const members: MemberHolding[] = [
    { id: 'a', held: [0, 1], warm: [4, 5] },
    { id: 'b', held: [2, 3], warm: [0, 1] },
    { id: 'c', held: [], warm: [2, 3] }, // c restarted and lost what it held
  ];
  const plan = planAssignment(members, [0, 1, 2, 3, 4, 5]);
  // Sticky first (a keeps 0,1; b keeps 2,3); a is full, so 4,5, warm at a, go to c, the least loaded.
  assert.deepEqual(plan.get('a')!.owned, [0, 1]);
  assert.deepEqual(plan.get('b')!.owned, [2, 3]);
  assert.deepEqual(plan.get('c')!.owned, [4, 5]);
  // Standby: each member's partitions are warm at the next member in id order.
  assert.deepEqual(plan.get('b')!.standby, [0, 1]);
  assert.deepEqual(plan.get('c')!.standby, [2, 3]);
  assert.deepEqual(plan.get('a')!.standby, [4, 5]);
});

test('assigner: a dead owner\'s partitions go to their warm member even when others are less loaded', () => {
  // a died; c kept a's partitions warm; b would otherwise be chosen by load.
  const plan = planAssignment([{ id: 'b', held: [2], warm: [] }, { id: 'c', held: [3], warm: [0, 1] }], P4);
  assert.deepEqual(plan.get('c')!.owned, [0, 3]);
  assert.deepEqual(plan.get('b')!.owned, [1, 2]);
});

test('assigner: counts stay balanced whatever members claim', () => {
  for (let n = 1; n <= 5; n++) {
    const partitions = Array.from({ length: 7 }, (_, i) => i);
    const members = Array.from({ length: n }, (_, i) => ({ id: `m${i}`, held: partitions, warm: partitions }));
    const counts = [...planAssignment(members, partitions).values()].map((p) => p.owned.length);
    assert.equal(counts.reduce((a, b) => a + b, 0), 7);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `${n} members: ${counts}`);
    const all = [...planAssignment(members, partitions).values()].flatMap((p) => p.owned).sort();
    assert.deepEqual(all, partitions);
  }
});

test('assigner: a member reads its standby partitions back from its encoded assignment', () => {
  const buf = AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: { t: [0] }, userData: Buffer.from(JSON.stringify({ standby: [1, 2] })) });
  assert.deepEqual(standbyFromAssignment(buf), [1, 2]);
  const foreign = AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { t: [0] }, userData: Buffer.from('not json') });
  assert.deepEqual(standbyFromAssignment(foreign), []);
  assert.deepEqual(standbyFromAssignment(Buffer.alloc(0)), []);
});
