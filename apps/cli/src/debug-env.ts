/** Whether to print stack traces: `--debug`, or `VAE_DEBUG` set (to anything but `0` or `false`). */
export function debugFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.VAE_DEBUG;
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}
