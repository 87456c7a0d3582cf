// Vendors the browser builds of the web client's npm dependencies into src/FocusSync.Api/wwwroot/vendor/.
// The client's own files live in wwwroot itself; the FocusSync client, SignalR included, is bundled into
// vendor/focussync-client.js by clients/typescript (npm run build:web), so this leaves that file alone.
// The output is committed, so running the service never needs Node; rerun `npm --prefix web ci && npm --prefix web run build` after changing a dependency.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'src', 'FocusSync.Api', 'wwwroot', 'vendor');
const modules = join(here, 'node_modules');

const vendor = [
  ['chart.js/dist/chart.umd.min.js', 'chart.umd.min.js'],
  ['firebase/firebase-app.js', 'firebase/firebase-app.js'],
  ['firebase/firebase-auth.js', 'firebase/firebase-auth.js'],
];


for (const [from, to] of vendor) {
  const target = join(out, to);
  await mkdir(dirname(target), { recursive: true });
  let text = await readFile(join(modules, from), 'utf8');
  // Firebase's browser modules import the app module from Google's CDN; serve our own copy instead.
  text = text.replaceAll(/(from\s*)(["'])https:\/\/www\.gstatic\.com\/firebasejs\/[0-9.]+\/firebase-app\.js\2/g, '$1$2./firebase-app.js$2');
  // Source maps are not shipped; drop the reference so browsers don't ask for them.
  text = text.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
  await writeFile(target, text);
}

console.log(`web client libraries written to ${out}`);
