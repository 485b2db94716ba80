/**
 * Where an evaluator's rules come from: rule files (directories or globs, reloaded when
 * they change or on SIGHUP) and the vigil.rules compacted topic (key = rule-set id,
 * value = a rule file's YAML, tombstone = delete). Each file or rule set stands alone:
 * one that fails to parse or build is reported and left out (its last good version is
 * kept), never taking the others down.
 */
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { glob } from '../cli/unittest/glob.js';
import { loadRuleFiles, parseRuleFile } from '../rules/file.js';
import { RuleManager, type ManagedRuleFile } from '../rules/manager.js';
import { CompactedTopicReader } from './consumer_compacted.js';

/** A rule file or rule set that was rejected, and why. */
export interface RuleSetProblem {
  /** The file path, or `<rules topic>:<id>`. */
  readonly source: string;
  readonly message: string;
}

/** How the rule sources report and parse. */
export interface RuleSourcesOptions {
  readonly compat?: 2 | 3;
  /** Called with each rejected file or rule set. */
  readonly onProblem?: (p: RuleSetProblem) => void;
  /** Called after the combined rule set changed. */
  readonly onChange?: (files: readonly ManagedRuleFile[]) => void;
}

/** Paths a `--rules` argument names: a directory's *.yml / *.yaml, or a glob's matches. */
export function expandRulePaths(arg: string): string[] {
  try {
    if (statSync(arg).isDirectory()) {
      return readdirSync(arg).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(arg, f));
    }
  } catch {
    // Not an existing path: a glob, or a file that does not exist yet.
  }
  return glob(arg);
}

/** Throws if the groups of `f` cannot be built (a check the parser does not do). */
function checkBuildable(f: ManagedRuleFile, compat: 2 | 3): void {
  new RuleManager({ compat }).update([f]);
}

/** The combined rules of files and the rules topic. */
export class RuleSources {
  private fileRules = new Map<string, ManagedRuleFile>();
  private topicRules = new Map<string, ManagedRuleFile>();
  /** Sources currently rejected, by source. */
  readonly problems = new Map<string, string>();
  /** Rejections since start. */
  problemCount = 0;
  reloads = 0;
  private watchers: FSWatcher[] = [];
  private reader: CompactedTopicReader | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private readonly compat: 2 | 3;

  constructor(private readonly patterns: readonly string[], private readonly opts: RuleSourcesOptions = {}) {
    this.compat = opts.compat ?? 3;
  }

  /** The current rule files: files in argument order, then rule sets by id. */
  current(): ManagedRuleFile[] {
    const topic = [...this.topicRules.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
    return [...this.fileRules.values(), ...topic];
  }

  private problem(source: string, message: string): void {
    this.problems.set(source, message);
    this.problemCount++;
    this.opts.onProblem?.({ source, message });
  }

  /** (Re)reads the rule files; a bad file keeps its previous version. */
  async reloadFiles(): Promise<void> {
    const paths = [...new Set(this.patterns.flatMap((p) => {
      try {
        return expandRulePaths(p);
      } catch (e) {
        this.problem(p, (e as Error).message);
        return [];
      }
    }))];
    const next = new Map<string, ManagedRuleFile>();
    for (const path of paths) {
      const { files, errors } = await loadRuleFiles([path], { compat: this.compat });
      const f = files[0];
      if (f === undefined || errors.length > 0) {
        this.problem(path, errors.map((e) => e.text).join('; ') || 'cannot load');
        const old = this.fileRules.get(path);
        if (old !== undefined) next.set(path, old);
        continue;
      }
      try {
        checkBuildable(f, this.compat);
      } catch (e) {
        this.problem(path, (e as Error).message);
        const old = this.fileRules.get(path);
        if (old !== undefined) next.set(path, old);
        continue;
      }
      this.problems.delete(path);
      next.set(path, f);
    }
    this.fileRules = next;
    this.reloads++;
    this.opts.onChange?.(this.current());
  }

  /** Applies one vigil.rules record. */
  applyTopicRecord(topic: string, id: string, value: Buffer | string | null): void {
    const source = `${topic}:${id}`;
    if (value === null) {
      this.topicRules.delete(id);
      this.problems.delete(source);
    } else {
      const text = typeof value === 'string' ? value : value.toString('utf8');
      const res = parseRuleFile(text, source, { compat: this.compat });
      if (res.file === null) {
        this.problem(source, res.errors.map((e) => e.text).join('; '));
        return;
      }
      const f: ManagedRuleFile = { path: source, file: res.file };
      try {
        checkBuildable(f, this.compat);
      } catch (e) {
        this.problem(source, (e as Error).message);
        return;
      }
      this.problems.delete(source);
      this.topicRules.set(id, f);
    }
    this.opts.onChange?.(this.current());
  }

  /** Watches the rule files' directories; a change reloads after a short quiet time. */
  watchFiles(debounceMs = 200): void {
    const dirs = new Set<string>();
    for (const p of this.patterns) {
      try {
        dirs.add(statSync(p).isDirectory() ? p : dirname(p));
      } catch {
        dirs.add(dirname(p));
      }
    }
    for (const d of dirs) {
      try {
        const w = watch(d, () => {
          if (this.debounce) clearTimeout(this.debounce);
          this.debounce = setTimeout(() => {
            this.debounce = null;
            void this.reloadFiles();
          }, debounceMs);
        });
        w.unref();
        this.watchers.push(w);
      } catch (e) {
        this.problem(d, `cannot watch: ${(e as Error).message}`);
      }
    }
  }

  /** Tails the rules topic; resolves once every rule set written so far is applied. */
  async followTopic(kafka: Kafka, topic: string, groupPrefix = 'vigil.rules-reader'): Promise<void> {
    this.reader = new CompactedTopicReader(kafka, topic, {
      groupPrefix,
      onRecord: (r) => this.applyTopicRecord(topic, r.key, r.value),
    });
    await this.reader.start();
    await this.reader.caughtUp();
  }

  /** Stops watching and tailing. */
  async close(): Promise<void> {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    if (this.debounce) clearTimeout(this.debounce);
    await this.reader?.stop();
  }
}
