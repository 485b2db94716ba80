/** promtool's rule unit-test file format: its schema and its decoded types. */
import { decodeStrict, type Shape } from './yaml_strict.js';

/** One `input_series` entry, in the promqltest `load` notation. */
export interface InputSeries {
  readonly series: string;
  readonly values: string;
}

/** One expected alert of an `alert_rule_test`. */
export interface ExpectedAlert {
  readonly exp_labels: Readonly<Record<string, string>>;
  readonly exp_annotations: Readonly<Record<string, string>>;
}

/** An `alert_rule_test` case: the firing alerts named `alertname` at `eval_time` (ms). */
export interface AlertTestCase {
  readonly eval_time: number;
  readonly alertname: string;
  readonly exp_alerts: readonly ExpectedAlert[];
}

/** One expected sample: a series selector text and a value. */
export interface ExpectedSample {
  readonly labels: string;
  readonly value: number;
}

/** A `promql_expr_test` case: the result of `expr` at `eval_time` (ms). */
export interface PromqlTestCase {
  readonly expr: string;
  readonly eval_time: number;
  readonly exp_samples: readonly ExpectedSample[];
}

/** One entry of `tests`: input series and the cases run against them. */
export interface TestGroup {
  /** Sample spacing of input_series (ms); 0 means "use evaluation_interval". */
  readonly interval: number;
  readonly input_series: readonly InputSeries[];
  readonly alert_rule_test: readonly AlertTestCase[];
  readonly promql_expr_test: readonly PromqlTestCase[];
  readonly external_labels: Readonly<Record<string, string>>;
  readonly external_url: string;
  readonly name: string;
}

/** A whole unit-test file. */
export interface UnitTestFile {
  readonly rule_files: readonly string[];
  /** ms; 0 means the default of 1m. */
  readonly evaluation_interval: number;
  readonly group_eval_order: readonly string[];
  readonly tests: readonly TestGroup[];
  /** Prometheus 3's flag: sample values also match when one ulp apart. Unknown to promtool 2. */
  readonly fuzzy_compare: boolean;
}

const str: Shape = { kind: 'string' };
const dur: Shape = { kind: 'duration' };

// The Go structs of cmd/promtool/unittest.go, with their type names for error messages.

/** The `tests` list: test groups with their series and cases. */
const TESTS: Shape = {
  kind: 'list',
  goType: '[]main.testGroup',
  of: {
    kind: 'struct',
    goType: 'main.testGroup',
    fields: {
      interval: dur,
      input_series: {
        kind: 'list',
        goType: '[]main.series',
        of: { kind: 'struct', goType: 'main.series', fields: { series: str, values: str } },
      },
      alert_rule_test: {
        kind: 'list',
        goType: '[]main.alertTestCase',
        of: {
          kind: 'struct',
          goType: 'main.alertTestCase',
          fields: {
            eval_time: dur,
            alertname: str,
            exp_alerts: {
              kind: 'list',
              goType: '[]main.alert',
              of: {
                kind: 'struct',
                goType: 'main.alert',
                fields: { exp_labels: { kind: 'stringMap' }, exp_annotations: { kind: 'stringMap' } },
              },
            },
          },
        },
      },
      promql_expr_test: {
        kind: 'list',
        goType: '[]main.promqlTestCase',
        of: {
          kind: 'struct',
          goType: 'main.promqlTestCase',
          fields: {
            expr: str,
            eval_time: dur,
            exp_samples: {
              kind: 'list',
              goType: '[]main.sample',
              of: { kind: 'struct', goType: 'main.sample', fields: { labels: str, value: { kind: 'float' } } },
            },
          },
        },
      },
      external_labels: { kind: 'stringMap' },
      external_url: str,
      name: str,
    },
  },
};

/** The top level of a promtool 2 file. */
const FILE_FIELDS_V2: Readonly<Record<string, Shape>> = {
  rule_files: { kind: 'list', of: str, goType: '[]string' },
  evaluation_interval: dur,
  group_eval_order: { kind: 'list', of: str, goType: '[]string' },
  tests: TESTS,
};

const UNIT_TEST_FILE_V2: Shape = { kind: 'struct', goType: 'main.unitTestFile', fields: FILE_FIELDS_V2 };

/** Prometheus 3 added `fuzzy_compare`; promtool 2 rejects it as an unknown field. */
const UNIT_TEST_FILE_V3: Shape = {
  kind: 'struct',
  goType: 'main.unitTestFile',
  fields: { ...FILE_FIELDS_V2, fuzzy_compare: { kind: 'bool' } },
};

/** Parses a unit-test file's text strictly; throws YamlDecodeError with promtool's message. */
export function parseUnitTestFile(text: string, compat: 2 | 3 = 3): UnitTestFile {
  const file = decodeStrict(text, compat === 2 ? UNIT_TEST_FILE_V2 : UNIT_TEST_FILE_V3) as UnitTestFile;
  return compat === 2 ? { ...file, fuzzy_compare: false } : file;
}
