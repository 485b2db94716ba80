import { test } from 'node:test';
import assert from 'node:assert/strict';
import snappy from 'snappy';
import type { Label } from '../../src/promql/labels.js';
import { IngestError } from '../../src/ingest/errors.js';
import {
  decodeWriteRequest, encodeRemoteWriteBody, encodeWriteRequest, snappyDecodedLength, uncompressSnappy,
} from '../../src/ingest/remote_write.js';
import type { SeriesSink } from '../../src/ingest/sink.js';
import { parseGoFloat, parseTextFormat } from '../../src/ingest/text_format.js';

/** Records what a parser hands over. */
class Recorder implements SeriesSink {
  readonly out: { labels: Record<string, string>; where: string; samples: [number, number, boolean][] }[] = [];
  histograms = 0;
  series(labels: Label[], where: string): void {
    this.out.push({ labels: Object.fromEntries(labels.map((l) => [l.name, l.value])), where, samples: [] });
  }
  sample(t: number, v: number, stale: boolean): void {
    this.out.at(-1)!.samples.push([t, v, stale]);
  }
  unsupported(_kind: 'native_histogram', n: number): void {
    this.histograms += n;
  }
}

function text(body: string, now = 5000): Recorder {
  const r = new Recorder();
  parseTextFormat(body, now, r);
  return r;
}

function textError(body: string, pattern: RegExp): void {
  assert.throws(() => text(body), (e: unknown) => {
    assert.ok(e instanceof IngestError, String(e));
    assert.equal(e.status, 400);
    assert.match(e.message, pattern);
    return true;
  });
}

test('text format: HELP/TYPE, labels with escapes, trailing comma, special floats, optional timestamps', () => {
  const r = text([
    '# HELP http_requests_total The total number of HTTP requests.\\nSecond line \\\\ ok',
    '# TYPE http_requests_total counter',
    'http_requests_total{method="post",code="200"} 1027 1395066363000',
    'http_requests_total{method="post",code="400",} 3 1395066363000',
    '',
    '# A plain comment',
    'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
    'metric_without_timestamp_and_labels 12.47',
    '  \tsomething_weird{problem="division by zero"} +Inf -3982045',
    'nan_metric NaN',
    'neg_inf -Inf',
    'colon:name 1e-3\r',
  ].join('\n'));
  assert.deepEqual(r.out.map((s) => [s.labels, s.samples, s.where]), [
    [{ __name__: 'http_requests_total', method: 'post', code: '200' }, [[1395066363000, 1027, false]], 'line 3'],
    [{ __name__: 'http_requests_total', method: 'post', code: '400' }, [[1395066363000, 3, false]], 'line 4'],
    [{ __name__: 'msdos_file_access_time_seconds', path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' }, [[5000, 1.458255915e9, false]], 'line 7'],
    [{ __name__: 'metric_without_timestamp_and_labels' }, [[5000, 12.47, false]], 'line 8'],
    [{ __name__: 'something_weird', problem: 'division by zero' }, [[-3982045, Infinity, false]], 'line 9'],
    [{ __name__: 'nan_metric' }, [[5000, NaN, false]], 'line 10'],
    [{ __name__: 'neg_inf' }, [[5000, -Infinity, false]], 'line 11'],
    [{ __name__: 'colon:name' }, [[5000, 0.001, false]], 'line 12'],
  ]);
});

test('text format: histogram and summary families are checked as expfmt does', () => {
  const r = text([
    '# TYPE rpc histogram',
    'rpc_bucket{le="0.1"} 1',
    'rpc_bucket{le="+Inf"} 2',
    'rpc_sum 0.3',
    'rpc_count 2',
    '# TYPE lat summary',
    'lat{quantile="0.5"} 1',
    'lat_sum 3',
  ].join('\n'));
  assert.equal(r.out.length, 6);
  textError('# TYPE rpc histogram\nrpc_bucket 1', /line 2:\d+: histogram bucket rpc_bucket without an "le" label/);
  textError('# TYPE lat summary\nlat 1', /summary lat sample without a "quantile" label/);
});

test('text format: every malformed line is named with line and column', () => {
  textError('ok 1\nbad{a="1" 2', /line 2:11: expected ',' or '}' after the value of label "a"/);
  textError('m{a="1\\x"} 1', /invalid escape sequence '\\x' in the value of label "a"/);
  textError('m{a="1"', /unterminated label set/);
  textError('m{a="1', /unterminated value of label "a"/);
  textError('m{a=1} 1', /expected '"' to open the value of label "a"/);
  textError('m{a="1",a="2"} 1', /duplicate label name "a"/);
  textError('m{__name__="x"} 1', /reserved for the metric name/);
  textError('m{1a="x"} 1', /invalid label name/);
  textError('9m 1', /line 1:1: invalid metric name/);
  textError('m', /missing value for m/);
  textError('m one', /line 1:3: invalid value "one"/);
  textError('m 1 12.5', /invalid timestamp "12.5"/);
  textError('m 1 2 3', /unexpected "3" after the timestamp/);
  textError('# TYPE m counter\n# TYPE m gauge', /line 2:\d+: second TYPE line for metric name "m"/);
  textError('# HELP m a\n# HELP m b', /second HELP line for metric name "m"/);
  textError('m 1\n# TYPE m counter', /TYPE line for "m" after its samples/);
  textError('# TYPE m countr', /unknown metric type "countr"/);
  textError('# HELP m bad \\t escape', /invalid escape sequence '\\t' in HELP text/);
});

test('Go float syntax: decimals, exponents, signed infinities and NaN in any case; nothing else', () => {
  assert.equal(parseGoFloat('1.5e3'), 1500);
  assert.equal(parseGoFloat('.5'), 0.5);
  assert.equal(parseGoFloat('-0'), -0);
  assert.equal(parseGoFloat('+Inf'), Infinity);
  assert.equal(parseGoFloat('-inf'), -Infinity);
  assert.ok(Number.isNaN(parseGoFloat('nan')));
  for (const bad of ['', '1,5', '0x10', 'Infinite', '1e', '--1', ' 1']) assert.equal(parseGoFloat(bad), undefined, bad);
});

test('remote write: a WriteRequest decodes to its series and samples, StaleNaN and negative times intact', () => {
  const body = encodeWriteRequest([
    { labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'node' }], samples: [{ value: 1, timestamp: 1_700_000_000_000 }, { value: 0, timestamp: 1_700_000_015_000, stale: true }] },
    { labels: [{ name: 'zone', value: 'é日😀' }, { name: '__name__', value: 'temp' }], samples: [{ value: -273.15, timestamp: -5 }, { value: NaN, timestamp: 0 }] },
  ]);
  const r = new Recorder();
  decodeWriteRequest(body, r);
  assert.deepEqual(r.out, [
    { labels: { __name__: 'up', job: 'node' }, where: 'timeseries[0]', samples: [[1_700_000_000_000, 1, false], [1_700_000_015_000, NaN, true]] },
    { labels: { zone: 'é日😀', __name__: 'temp' }, where: 'timeseries[1]', samples: [[-5, -273.15, false], [0, NaN, false]] },
  ]);
});

test('remote write: unknown fields are skipped; histograms are counted and dropped', () => {
  const ts = encodeWriteRequest([{ labels: [{ name: '__name__', value: 'x' }], samples: [{ value: 2, timestamp: 3 }] }]);
  // timeseries: append an exemplar (field 3) and a histogram (field 4) inside the series; a metadata (field 3) at top level
  const inner = ts.subarray(2); // strip the outer tag and 1-byte length
  const extra = Buffer.concat([inner, Buffer.from([0x1a, 0x00, 0x22, 0x02, 0x08, 0x01])]);
  const body = Buffer.concat([Buffer.from([0x0a, extra.length]), extra, Buffer.from([0x1a, 0x02, 0x08, 0x01])]);
  const r = new Recorder();
  decodeWriteRequest(body, r);
  assert.equal(r.out.length, 1);
  assert.deepEqual(r.out[0]!.samples, [[3, 2, false]]);
  assert.equal(r.histograms, 1);
});

function decodeError(body: Buffer, pattern: RegExp): void {
  assert.throws(() => decodeWriteRequest(body, new Recorder()), (e: unknown) => {
    assert.ok(e instanceof IngestError);
    assert.equal(e.errorType, 'bad_data');
    assert.match(e.message, pattern);
    return true;
  });
}

test('remote write: malformed protobuf is a 400 naming the fault, at every truncation', () => {
  const good = encodeWriteRequest([{ labels: [{ name: '__name__', value: 'up' }], samples: [{ value: 1, timestamp: 1000 }] }]);
  for (let n = 1; n < good.length; n++) {
    assert.throws(() => decodeWriteRequest(good.subarray(0, n), new Recorder()), (e: unknown) => e instanceof IngestError && e.status === 400, `truncated to ${n}`);
  }
  decodeError(Buffer.from([0x0a, 0x05, 0x01]), /runs past its message/);
  decodeError(Buffer.from([0x17]), /unsupported wire type 7/);
  decodeError(Buffer.from([0x08, 0x01]), /WriteRequest.timeseries with wire type 0/);
  decodeError(Buffer.from([0x0a, 0x06, 0x0a, 0x04, 0x0a, 0x02, 0xc3, 0x28]), /label name is not valid UTF-8/);
  decodeError(Buffer.from([0x0a, 0x05, 0x12, 0x03, 0x09, 0x00, 0x00]), /truncated value/);
});

test('snappy: corrupt input is a 400, a block announcing more than the limit a 413 before inflating', () => {
  const body = encodeRemoteWriteBody([{ labels: [{ name: '__name__', value: 'up' }], samples: [{ value: 1, timestamp: 1 }] }]);
  assert.equal(snappyDecodedLength(body), snappy.uncompressSync(body, { asBuffer: true }).length);
  assert.ok(uncompressSnappy(body, 1 << 20).length > 0);
  assert.throws(() => uncompressSnappy(Buffer.from('this is not snappy at all'), 1 << 20), /snappy: corrupt input/);
  assert.throws(() => uncompressSnappy(Buffer.alloc(0), 1 << 20), /snappy: empty body/);
  assert.throws(() => uncompressSnappy(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]), 1 << 20), /valid block length/);
  const bomb = snappy.compressSync(Buffer.alloc(2 << 20));
  assert.throws(() => uncompressSnappy(bomb, 1 << 20), (e: unknown) => e instanceof IngestError && e.status === 413 && /2097152 bytes exceeds the limit of 1048576/.test(e.message));
});
