import { Command, Option } from 'commander';

/**
 * The flags of a command that reads a saved model and writes files from it, without data, seed or
 * engine (e.g. `vae export`): `--model` and `--out`. See `modelCommand` for the commands that also
 * read the test set or compute on an engine.
 */
export function savedModelCommand(name: string, description: string, outHelp: string): Command {
  return new Command(name)
    .description(description)
    .addOption(new Option('--model <path>', 'a run directory written by `vae train` (or its model/ folder, or a model saved by the web page)').makeOptionMandatory())
    .addOption(new Option('--out <dir>', outHelp))
    .showHelpAfterError(`(run \`vae ${name} --help\` for the flags)`)
    .exitOverride();
}

/** The flags `savedModelCommand` parses. */
export interface SavedModelFlags {
  model: string;
  out?: string;
}
