/** Where a command writes: stdout and stderr, swappable so tests capture the exact bytes. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

/** The process's own streams. */
export const processIO: CliIO = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** An IO that records both streams, and their interleaving as a terminal would show it. */
export class CapturedIO implements CliIO {
  stdout = '';
  stderr = '';
  /** Both streams in write order. */
  combined = '';
  out(text: string): void {
    this.stdout += text;
    this.combined += text;
  }
  err(text: string): void {
    this.stderr += text;
    this.combined += text;
  }
}
