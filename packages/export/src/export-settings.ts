/** The training settings an export records, so that a user of the files feeds them the right inputs. */
export interface ExportSettings {
  /** How pixels 0..255 became model inputs (`unit`: v/255; `symmetric`: v/127.5 − 1; `binary`; `dynamic-binary`). */
  normalization?: string;
  /** The reconstruction term p(x|z) was trained with (`bernoulli` or `gaussian`). */
  reconstruction?: string;
}

/**
 * The settings recorded in a saved model's `metadata.settings` (written by the CLI and the web
 * page); fields absent there stay absent, so an export never states a setting nobody recorded.
 */
export function settingsFromMetadata(metadata: Record<string, unknown> | undefined): ExportSettings {
  const saved = metadata?.settings;
  if (typeof saved !== 'object' || saved === null) return {};
  const { normalization, reconstruction } = saved as Record<string, unknown>;
  return {
    ...(typeof normalization === 'string' ? { normalization } : {}),
    ...(typeof reconstruction === 'string' ? { reconstruction } : {}),
  };
}
