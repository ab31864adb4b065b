// `npm start`: check the Node.js version first, then run the hub (src/server.ts).
//
// Plain JavaScript that old Node versions parse (no TypeScript, no syntax newer than Node 12), so a
// machine with an older Node is told what it needs instead of failing with
// ERR_UNKNOWN_FILE_EXTENSION ".ts": the hub is TypeScript run by Node 24's type stripping.

const NEEDED_MAJOR = 24;
const major = Number(process.versions.node.split('.')[0]);

if (!(major >= NEEDED_MAJOR)) {
  process.stderr.write(
    `\ngovbridge needs Node.js ${NEEDED_MAJOR} or newer; this is Node.js ${process.versions.node} (${process.execPath}).\n` +
      `Get Node.js ${NEEDED_MAJOR} from https://nodejs.org/en/download, or from the npm registry without changing the system's Node:\n` +
      `  npm install --prefix "$HOME/.node24" node@${NEEDED_MAJOR} && export PATH="$HOME/.node24/node_modules/.bin:$PATH"\n` +
      'then run `npm start` again (DEVELOPERS.md, "Tools").\n\n',
  );
  process.exit(1);
}

import('../src/server.ts');
