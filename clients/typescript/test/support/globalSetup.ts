import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Builds the service once for the whole run; each test then starts it as a child process (test/support/service.ts). */
export default function setup(): void {
  const project = fileURLToPath(new URL('../../../../src/FocusSync.Api', import.meta.url));
  execFileSync('dotnet', ['build', project, '-c', 'Debug', '--nologo', '-v', 'quiet'], { stdio: 'inherit' });
}
