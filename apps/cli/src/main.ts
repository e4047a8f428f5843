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
import { runSweep, runSweepReport, sweepCommand, sweepReportCommand } from './sweep/sweep-command.js';
import { SWEEP_CHILD_ENV } from './sweep/train-child.js';
import { runWorker, workerCommand } from './sweep/worker-command.js';
import { resolveTrainConfig, trainCommand } from './train-options.js';

// A sweep's child: the IPC channel only tells that the parent is gone; it never keeps the process alive.
if (process.env[SWEEP_CHILD_ENV] === '1') process.channel?.unref();

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
  const sweep = sweepCommand()
    .showHelpAfterError('(run `vae sweep --help` for the flags)')
    .exitOverride()
    .action(async (_options: unknown, self: Command) => {
      exitCode = await stoppableAction((io) => runSweep(self, io));
    });
  sweep.addCommand(
    sweepReportCommand()
      .exitOverride()
      .action(async (_dir: string, _options: unknown, self: Command) => {
        exitCode = await stoppableAction((io) => runSweepReport(self, io));
      }),
  );
  program.addCommand(sweep);
  program.addCommand(
    workerCommand()
      .showHelpAfterError('(run `vae worker --help` for the flags)')
      .exitOverride()
      .action(async (_options: unknown, self: Command) => {
        exitCode = await stoppableAction((io) => runWorker(self, io));
      }),
  );
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
  // A sweep's run (`vae sweep`, `vae worker`): its parent gone (killed), it stops as on Ctrl-C, saving a checkpoint.
  const sweepChild = process.env[SWEEP_CHILD_ENV] === '1' && process.channel !== undefined;
  if (sweepChild) process.on('disconnect', onSigint);
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
    if (sweepChild) process.off('disconnect', onSigint);
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

/** Runs a sweep command: the first Ctrl-C (or SIGTERM) asks it to stop (each run saves a checkpoint), a second quits at once. */
async function stoppableAction(run: (io: { out: (line: string) => void; log: (line: string) => void; signal: AbortSignal }) => Promise<number>): Promise<number> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    console.error('\nStopping: each running run stops after its batch and saves a checkpoint (Ctrl-C again to quit at once)…');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    return await run({ out: (line) => console.log(line), log: (line) => console.error(line), signal: controller.signal });
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
