// What every CLI entry point does around its work: parse the arguments (a usage error exits 2 with
// the usage), answer --help, run, and end a failure in a one-line message, not a stack trace. Messages
// are printed with their control characters escaped: they may quote a bundle's ids and paths.
import { errorText } from '../data/bundleSource';
import { printableLines } from './printable';

export async function cliMain<O extends { help: boolean }>(
  usage: string,
  parse: (args: string[]) => O,
  run: (options: O) => Promise<number>,
  describeError: (error: unknown) => string = errorText,
): Promise<void> {
  let options: O;
  try {
    options = parse(process.argv.slice(2));
  } catch (error) {
    console.error(`${printableLines(errorText(error))}\n${usage}`);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    console.log(usage);
    return;
  }
  try {
    process.exitCode = await run(options);
  } catch (error) {
    console.error(`error: ${printableLines(describeError(error))}`);
    process.exitCode = 1;
  }
}
