/** Runs the CLI in-process from test/cli/testdata, capturing its streams. */
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { CapturedIO } from '../../src/cli/io.js';

/** test/cli/testdata, found from the compiled test's location in dist/. */
export const TESTDATA = fileURLToPath(new URL('../../../test/cli/testdata/', import.meta.url));

/** `vigil ARGS` run with `cwd` as working directory (testdata by default). */
export async function vigil(args: string[], cwd: string = TESTDATA): Promise<{ code: number; io: CapturedIO }> {
  const prev = process.cwd();
  process.chdir(cwd);
  try {
    const io = new CapturedIO();
    const code = await main(args, io);
    return { code, io };
  } finally {
    process.chdir(prev);
  }
}
