import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertFromEvent, mergeAlert, normalizeAlert, storeMerge, validatePostable } from '../../src/manager/alert.js';
import { intervalContains } from '../../src/manager/time_intervals.js';
import { parseManagerConfig } from '../../src/manager/config.js';
import type { AlertEvent } from '../../src/evaluate/event.js';

const M = 60_000;

test('alerts: missing times are filled as Alertmanager does; resolve_timeout marks a timeout', () => {
  const a = normalizeAlert({ labels: { alertname: 'X' } }, 10 * M, 5 * M);
  assert.deepEqual([a.startsAt, a.endsAt, a.timeout, a.updatedAt], [10 * M, 15 * M, true, 10 * M]);
  assert.equal(a.fingerprint.length, 16);
  const b = normalizeAlert({ labels: { alertname: 'X' }, endsAt: 7 * M }, 10 * M, 5 * M);
  assert.deepEqual([b.startsAt, b.endsAt, b.timeout], [7 * M, 7 * M, false]);
  assert.equal(validatePostable({ labels: {} }), 'at least one label pair required');
  assert.match(validatePostable({ labels: { 'bad-name': 'x' } })!, /invalid name "bad-name"/);
});

test('alerts: merge keeps the earliest start, a sender end beats a timeout, non-overlapping copies replace', () => {
  const old = normalizeAlert({ labels: { alertname: 'X' }, startsAt: 1 * M, endsAt: 20 * M }, 2 * M, 5 * M);
  const resend = normalizeAlert({ labels: { alertname: 'X' }, startsAt: 3 * M }, 4 * M, 5 * M);
  const m = mergeAlert(old, resend, 4 * M);
  assert.equal(m.startsAt, 1 * M);
  assert.equal(m.endsAt, 20 * M, 'the explicit later end wins over the timeout');
  assert.equal(m.updatedAt, 4 * M);
  const resolved = normalizeAlert({ labels: { alertname: 'X' }, startsAt: 3 * M, endsAt: 5 * M }, 6 * M, 5 * M);
  assert.equal(storeMerge(old, resolved, 6 * M).endsAt, 5 * M, 'a resolving copy ends the alert');
  const later = normalizeAlert({ labels: { alertname: 'X' }, startsAt: 30 * M }, 30 * M, 5 * M);
  assert.equal(storeMerge(old, later, 30 * M).startsAt, 30 * M, 'no overlap: a new episode replaces the old one');
});

test('alerts: events map to what Prometheus would post; pending is not sent', () => {
  const base = {
    fingerprint: 'x', tenant: 't', labels: { alertname: 'X' }, annotations: { s: 'y' }, activeAt: 1000, value: 1,
    rule: { group: 'g', file: 'f', name: 'X' }, evalTime: 5000, generatorURL: 'http://g', source: { partition: 0, offset: 1 }, resend: false,
  };
  const firing: AlertEvent = { ...base, state: 'firing', firedAt: 2000, resolvedAt: null, validUntil: 9000 };
  assert.deepEqual(alertFromEvent(firing), { labels: { alertname: 'X' }, annotations: { s: 'y' }, startsAt: 2000, endsAt: 9000, generatorURL: 'http://g' });
  assert.equal(alertFromEvent({ ...firing, state: 'pending', firedAt: null, validUntil: null }), null);
  assert.equal(alertFromEvent({ ...firing, state: 'resolved', resolvedAt: 7000 })!.endsAt, 7000);
});

test('time intervals: times, weekdays, days of month (negative), months, years and locations', () => {
  const c = parseManagerConfig(`
route: {receiver: a}
receivers: [{name: a}]
time_intervals:
  - name: office
    time_intervals:
      - times: [{start_time: '09:00', end_time: '17:00'}]
        weekdays: ['monday:friday']
        location: America/New_York
  - name: month_end
    time_intervals:
      - days_of_month: ['-2:-1']
        months: ['january:march']
        years: ['2024']
`);
  const office = c.timeIntervals.get('office')![0]!;
  // 2024-01-15 is a Monday. 14:00 UTC is 09:00 in New York (EST), 13:59 UTC is 08:59.
  assert.equal(intervalContains(office, Date.UTC(2024, 0, 15, 14, 0)), true);
  assert.equal(intervalContains(office, Date.UTC(2024, 0, 15, 13, 59)), false);
  assert.equal(intervalContains(office, Date.UTC(2024, 0, 15, 22, 0)), false, '17:00 is the exclusive end');
  assert.equal(intervalContains(office, Date.UTC(2024, 0, 13, 15, 0)), false, 'Saturday');
  const monthEnd = c.timeIntervals.get('month_end')![0]!;
  assert.equal(intervalContains(monthEnd, Date.UTC(2024, 1, 28, 12)), true, 'Feb 28 is the second-to-last day of 2024');
  assert.equal(intervalContains(monthEnd, Date.UTC(2024, 1, 27, 12)), false);
  assert.equal(intervalContains(monthEnd, Date.UTC(2024, 3, 30, 12)), false, 'April is not in the months');
  assert.equal(intervalContains(monthEnd, Date.UTC(2025, 0, 31, 12)), false, '2025 is not in the years');
});
