/**
 * Every zod failure reads the same wherever it surfaces (HTTP 400, bad event, bad configuration):
 * `path: message` per issue, `;`-separated. `root` names the whole value when an issue has no path.
 */
export function formatIssues(
  error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] },
  root = '(root)',
): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || root}: ${i.message}`).join('; ');
}
