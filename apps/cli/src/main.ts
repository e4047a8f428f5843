import { Command, CommanderError } from 'commander';
import { runBackends } from './backends-command.js';
import { evalCommand, runEval } from './eval-command.js';
import { exportCommand, runExport } from './export-command.js';
import {
  interpolateCommand,
  latentCommand,
  manifoldCommand,
  reconstructCommand,
  runInterpolate,
  runLatent,
  runManifold,
  runReconstruct,
  runSample,
  sampleCommand,
} from './explore-commands.js';
import { debugFromEnv, EXIT_INTERRUPTED, EXIT_USAGE, reportError } from './error-report.js';
import type { CommandIo } from './output-files.js';
import { EpochProgress } from './progress.js';
import { runTrain } from './train-command.js';
import { resolveTrainConfig, trainCommand } from './train-options.js';

/** Print stack traces: `--debug` (anywhere on the command line) or `VAE_DEBUG=1`. */
let debug = debugFromEnv();

async function main(argv: string[]): Promise<number> {
  const program = new Command('vae')
    .description('Train and explore variational autoencoders on TensorFlow.js (vae-ts).')
    .option('--debug', 'print the stack trace of an error (also: VAE_DEBUG=1)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .hook('preAction', () => {
      if (program.opts<{ debug?: boolean }>().debug) {
        debug = true;
        process.env.VAE_DEBUG = '1'; // for what reads it deep down (the WebGPU probe's output)
      }
    });
  let exitCode = 0;
  const train = trainCommand()
    .showHelpAfterError('(run `vae train --help` for the flags)')
    .exitOverride()
    .action(async (_options: unknown, command: Command) => {
      exitCode = await trainAction(command);
    });
  program.addCommand(train);
  program
    .command('backends')
    .description('List the training engines, whether each is available here (and on what device), and what --backend auto picks.')
    .action(async () => {
      await runBackends((line) => console.log(line));
    });
  const modelCommands: [Command, (command: Command, io: CommandIo) => Promise<void>][] = [
    [evalCommand(), runEval],
    [sampleCommand(), runSample],
    [reconstructCommand(), runReconstruct],
    [interpolateCommand(), runInterpolate],
    [latentCommand(), runLatent],
    [manifoldCommand(), runManifold],
    [exportCommand(), runExport],
  ];
  for (const [command, run] of modelCommands) {
    program.addCommand(
      command.action(async (_options: unknown, self: Command) => {
        exitCode = await modelAction(self, run);
      }),
    );
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed the message (or the help).
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    return reportError(error, debug);
  }
  return exitCode;
}

async function trainAction(command: Command): Promise<number> {
  const resolved = await resolveTrainConfig(command);
  // First Ctrl-C: finish the batch, save a checkpoint, exit 130. Second: quit at once.
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    progress.stop();
    console.error('\nStopping after this batch and saving a checkpoint (Ctrl-C again to quit at once)…');
    controller.abort();
  };
  const progress = new EpochProgress();
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const io = { out: (line: string) => console.log(line), log: (line: string) => console.error(line), signal: controller.signal, progress };
    const result = await runTrain(resolved.config, resolved.resumeFrom, io, { overwrite: resolved.overwrite });
    return result.completed ? 0 : EXIT_INTERRUPTED;
  } catch (error) {
    progress.stop();
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

/** Runs a command on a saved model; Ctrl-C stops with 130 (errors go to `reportError`, as for `train`). */
async function modelAction(command: Command, run: (command: Command, io: CommandIo) => Promise<void>): Promise<number> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    await run(command, { out: (line) => console.log(line), log: (line) => console.error(line), signal: controller.signal });
    return 0;
  } catch (error) {
    if (controller.signal.aborted) {
      console.error('\nStopped.');
      return EXIT_INTERRUPTED;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

// An error thrown outside the commands (an event handler, a rejected promise nobody awaited) is
// told the same way, and ends the process as Node would.
process.on('uncaughtException', (error) => {
  process.exit(reportError(error, debug));
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = reportError(error, debug);
  },
);
