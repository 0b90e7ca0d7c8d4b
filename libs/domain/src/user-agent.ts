/**
 * The fingerprint's device half: OS, OS version (major.minor) and device model, read from a User-Agent.
 * Browser names and build numbers are dropped, so the browser that clicked and the app that installed
 * on the same phone yield the same key.
 */
export function normalizeUserAgent(ua: string | null | undefined): string | undefined {
  if (!ua) return undefined;
  const s = ua.trim();
  if (s === '') return undefined;

  const android = /Android[ /](\d+)(?:[._](\d+))?[^;)]*(?:;\s*(?:[a-z]{2}[-_][a-z]{2};\s*)?([^;)]+?))?\s*(?:Build\/[^;)]*)?[;)]/i.exec(s);
  if (android) {
    const model = (android[3] ?? '').replace(/\s+(?:Build|MIUI)\/.*$/i, '').trim().toLowerCase();
    const version = `${android[1]}.${android[2] ?? '0'}`;
    return `android|${version}|${model === 'wv' || model === 'k' ? '' : model}`;
  }

  const ios = /\((iPhone|iPad|iPod)[^)]*?\bOS (\d+)[_.](\d+)/i.exec(s);
  if (ios) return `ios|${ios[2]}.${ios[3]}|${ios[1].toLowerCase()}`;

  // App networking stacks, e.g. "MyApp/3.1 CFNetwork/1494.0.7 Darwin/23.4.0".
  const darwin = /Darwin\/(\d+)\.(\d+)/i.exec(s);
  if (darwin) return `darwin|${darwin[1]}.${darwin[2]}|`;

  const lower = s.toLowerCase();
  const os = /windows nt [\d.]+|mac os x [\d_]+|cros|linux/.exec(lower);
  return `other|${os ? os[0].replace(/_/g, '.') : lower.replace(/\d+/g, '#').slice(0, 120)}|`;
}
