import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needsUpdate } from '../../src/manager/pipeline/dedup.js';
import type { NflogEntry } from '../../src/manager/nflog.js';

const H = 3600_000;
const NOW = 100 * H;

function entry(firing: string[], resolved: string[], ago: number): NflogEntry {
  return { firing, resolved, timestamp: NOW - ago, expiresAt: NOW + H };
}

// [what, last entry, firing now, resolved now, send_resolved, expected]
const TABLE: [string, NflogEntry | null, string[], string[], boolean, boolean][] = [
  ['never notified, something fires', null, ['a'], [], true, true],
  ['never notified, only resolved alerts', null, [], ['a'], true, false],
  ['never notified, nothing at all', null, [], [], true, false],
  ['same firing set, within repeat interval', entry(['a'], [], H), ['a'], [], true, false],
  ['same firing set, repeat interval passed', entry(['a'], [], 4 * H + 1), ['a'], [], true, true],
  ['exactly the repeat interval is not yet a repeat', entry(['a'], [], 4 * H), ['a'], [], true, false],
  ['a new alert fires', entry(['a'], [], H), ['a', 'b'], [], true, true],
  ['fewer alerts fire, the other resolved, send_resolved', entry(['a', 'b'], [], H), ['a'], ['b'], true, true],
  ['fewer alerts fire, the other resolved, no send_resolved', entry(['a', 'b'], [], H), ['a'], ['b'], false, false],
  ['resolved already notified', entry(['a'], ['b'], H), ['a'], ['b'], true, false],
  ['all resolved after firing: notify even without send_resolved', entry(['a'], [], H), [], ['a'], false, true],
  ['all resolved, the receiver never saw them fire', entry([], ['a'], H), [], ['a', 'b'], true, false],
  ['an alert fires again after being notified resolved', entry([], ['a'], H), ['a'], [], true, true],
];

test('dedup: needsUpdate decides as Alertmanager DedupStage does', () => {
  for (const [what, e, firing, resolved, sendResolved, want] of TABLE) {
    assert.equal(needsUpdate(e, new Set(firing), new Set(resolved), 4 * H, NOW, sendResolved), want, what);
  }
});
