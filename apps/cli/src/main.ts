import { Command, CommanderError } from 'commander';
import { DataError } from '@vae/data';
import { EngineUnavailableError, TrainConfigError, TrainingDivergedError } from '@vae/train';
import { LossConfigError } from '@vae/loss';
import { runBackends } from './backends-command.js';
import { evalCommand, runEval } from './eval-command.js';
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
import { InputError } from './model-input.js';
import type { CommandIo } from './output-files.js';
import { EpochProgress } from './progress.js';
import { runTrain } from './train-command.js';
import { resolveTrainConfig, trainCommand, UsageError } from './train-options.js';

/** Exit codes: 0 done, 1 failed, 2 bad usage (flags), 130 stopped by Ctrl-C (checkpoint saved). */
const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;

async function main(argv: string[]): Promise<number> {
  const program = new Command('vae')
    .description('Train and explore variational autoencoders on TensorFlow.js (vae-ts).')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
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
    throw error;
  }
  return exitCode;
}

async function trainAction(command: Command): Promise<number> {
  let resolved;
  try {
    resolved = await resolveTrainConfig(command);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}`);
      return EXIT_USAGE;
    }
    throw error;
  }
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
    const result = await runTrain(resolved.config, resolved.resumeFrom, {
      out: (line) => console.log(line),
      log: (line) => console.error(line),
      signal: controller.signal,
      progress,
    });
    return result.completed ? 0 : EXIT_INTERRUPTED;
  } catch (error) {
    progress.stop();
    if (error instanceof EngineUnavailableError) {
      console.error(`error: --backend ${error.message}`);
      return 1;
    }
    if (error instanceof DataError || error instanceof TrainConfigError || error instanceof TrainingDivergedError) {
      console.error(`error: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

/** Runs a command on a saved model; errors the user can fix are one line (2: flags, 1: inputs), Ctrl-C stops with 130. */
async function modelAction(command: Command, run: (command: Command, io: CommandIo) => Promise<void>): Promise<number> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    await run(command, { out: (line) => console.log(line), log: (line) => console.error(line), signal: controller.signal });
    return 0;
  } catch (error) {
    if (controller.signal.aborted) {
      console.error('\nStopped.');
      return EXIT_INTERRUPTED;
    }
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}`);
      return EXIT_USAGE;
    }
    if (error instanceof EngineUnavailableError) {
      console.error(`error: --backend ${error.message}`);
      return 1;
    }
    if (error instanceof InputError || error instanceof DataError || error instanceof LossConfigError) {
      console.error(`error: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  },
);
