// Fetches Apache Kafka's jars from Maven Central once, with the project's own Maven pom, into
// a cache folder that later runs reuse; Maven's ~/.m2 keeps a second copy for clean checkouts.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot, withLock } from './process.js';

const run = promisify(execFile);

/** The Kafka release the project's pom (scripts/kafka/pom.xml) pins. */
export const KAFKA_VERSION = '3.9.1';

/** The jar whose presence shows the cache holds a complete copy (written last, by rename). */
const MARKER = '.complete';

/** Whether `lib` holds a complete, usable set of Kafka jars. */
export function kafkaJarsPresent(lib: string): boolean {
  return existsSync(join(lib, MARKER)) && existsSync(join(lib, `kafka_2.13-${KAFKA_VERSION}.jar`));
}

/**
 * Returns a folder of Kafka's jars (for `java -cp 'DIR/*'`): $VIGIL_KAFKA_LIB if set, else
 * `<cacheDir>/lib`, filled by `mvn dependency:copy-dependencies` the first time only.
 */
export async function ensureKafkaJars(cacheDir: string): Promise<string> {
  const override = process.env.VIGIL_KAFKA_LIB;
  if (override) {
    if (!existsSync(override) || !readdirSync(override).some((f) => f.startsWith('kafka_2.13-'))) {
      throw new Error(`VIGIL_KAFKA_LIB=${override} holds no kafka_2.13-*.jar`);
    }
    return override;
  }
  const lib = join(cacheDir, 'lib');
  if (kafkaJarsPresent(lib)) return lib;
  return withLock(join(cacheDir, 'lib.lock'), async () => {
    if (kafkaJarsPresent(lib)) return lib; // another process fetched them while we waited
    mkdirSync(cacheDir, { recursive: true });
    // Copy into a private folder, then rename, so a reader never sees half the jars.
    const tmp = join(cacheDir, `lib.tmp-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    const pom = join(projectRoot(), 'scripts', 'kafka', 'pom.xml');
    const args = ['-q', '-B', '-Dstyle.color=never', '-f', pom, 'dependency:copy-dependencies',
      `-DoutputDirectory=${tmp}`, '-DincludeScope=runtime'];
    try {
      await run(process.env.VIGIL_MVN ?? 'mvn', args, { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      const err = e as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
      if (err.code === 'ENOENT') {
        throw new Error('kafka: Maven (mvn) is needed once to fetch Kafka\'s jars from Maven Central; install maven, or point VIGIL_KAFKA_LIB at a folder of the jars');
      }
      const out = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
      throw new Error(`kafka: fetching jars with \`mvn ${args.join(' ')}\` failed: ${err.message}\n${out}`);
    }
    if (!existsSync(join(tmp, `kafka_2.13-${KAFKA_VERSION}.jar`))) {
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`kafka: mvn ran but ${tmp} holds no kafka_2.13-${KAFKA_VERSION}.jar (does scripts/kafka/pom.xml pin ${KAFKA_VERSION}?)`);
    }
    writeFileSync(join(tmp, MARKER), `${KAFKA_VERSION}\n`);
    rmSync(lib, { recursive: true, force: true });
    renameSync(tmp, lib);
    return lib;
  });
}
