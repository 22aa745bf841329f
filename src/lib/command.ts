// Base of every faafo-stack command: `--json` output, and errors as one line on stderr with the right exit code
// (2 bad usage, 1 failed operation), never a stack trace. Commands stay thin: parse, call the library, print.
import { Command, Errors } from '@oclif/core';
import { FaafoError, oneLine } from './errors.js';

export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  /** Print a result: JSON when --json was given (oclif prints what run() returns), text otherwise. */
  protected emit(text: string): void {
    if (!this.jsonEnabled()) this.log(text);
  }

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    // oclif's own parse errors (unknown flag, missing arg, bad option value) are usage errors: exit 2.
    const isParse =
      err instanceof Errors.CLIError &&
      /Unexpected argument|Nonexistent flag|Missing required|Expected --|Expected a|Parsing --|is not one of|exclusive|must also be provided/i.test(
        err.message,
      );
    if (err instanceof Errors.ExitError) throw err;
    const code = err instanceof FaafoError ? err.exitCode : isParse ? 2 : (err.oclif?.exit ?? 1);
    const line = oneLine(err);
    if (this.jsonEnabled()) {
      process.stdout.write(JSON.stringify({ error: { message: line, exitCode: code } }) + '\n');
    } else {
      process.stderr.write(`Error: ${line}\n`);
    }
    process.exitCode = code;
    return this.exit(code);
  }
}
