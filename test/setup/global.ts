// Installs what the suites need from Debian's packages (kcat, chromium) when missing; see scripts/lib/ensure-tools.ts.
export default async function setup(): Promise<void> {
  const { ensureTestTools } = await import('../../scripts/lib/ensure-tools.ts');
  await ensureTestTools();
}
