// Cross-builds the oxdrop binary for self-hosters (npm run release), the
// app embedded, into build/release:
//
//   oxdrop-<version>-<os>-<arch>[.exe]   one per target, CGO_ENABLED=0
//   SHA256SUMS                            sha256sum's format: sha256sum -c SHA256SUMS
//
// The app must be built first (node build/build.mjs, which npm run release
// runs before this): a release without it would serve only a page saying
// how to build it, so this refuses to go on.
//
// The version is OXDROP_VERSION if set, else `git describe --tags --always
// --dirty`, else package.json's version, else "dev"; `oxdrop version`
// prints it (-X main.version). No npm dependencies.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'build', 'dist');
const out = path.join(root, 'build', 'release');

// The release targets; server/cmd/oxdrop's TestCrossBuild builds the two
// that are not Linux, so npm test catches a change that breaks them.
const targets = [
  ['linux', 'amd64'],
  ['linux', 'arm64'],
  ['darwin', 'arm64'],
  ['windows', 'amd64'],
];

const mib = (n) => `${(n / (1 << 20)).toFixed(1)} MiB`;
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

function run(cmd, args, env = {}) {
  return execFileSync(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
}

function releaseVersion() {
  let v = process.env.OXDROP_VERSION;
  if (!v) {
    try {
      v = run('git', ['describe', '--tags', '--always', '--dirty']);
    } catch {
      v = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version || 'dev';
    }
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(v)) {
    throw new Error(`version ${JSON.stringify(v)} is not usable in a file name (letters, digits, . _ + -)`);
  }
  return v;
}

function appBuild() {
  if (!fs.existsSync(path.join(dist, 'index.html'))) {
    throw new Error('build/dist holds no app: run node build/build.mjs first (npm run release does)');
  }
  try {
    return JSON.parse(fs.readFileSync(path.join(dist, 'version.json'), 'utf8')).build_id;
  } catch {
    return 'unknown';
  }
}

function release() {
  const started = Date.now();
  const version = releaseVersion();
  const app = appBuild();
  if (version.endsWith('-dirty')) {
    console.log(`release: version ${version}: the working tree has uncommitted changes, which these binaries include`);
  }
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const sums = [];
  for (const [goos, goarch] of targets) {
    const name = `oxdrop-${version}-${goos}-${goarch}${goos === 'windows' ? '.exe' : ''}`;
    const file = path.join(out, name);
    process.stdout.write(`release: ${goos}/${goarch}... `);
    const t0 = Date.now();
    try {
      run('go', ['build', '-trimpath', '-ldflags', `-s -w -X main.version=${version}`, '-o', file, './server/cmd/oxdrop'],
        { CGO_ENABLED: '0', GOOS: goos, GOARCH: goarch });
    } catch (err) {
      process.stdout.write('failed\n');
      if (err.stderr?.length) process.stderr.write(err.stderr);
      throw new Error(`go build for ${goos}/${goarch} failed`);
    }
    const bytes = fs.readFileSync(file);
    sums.push(`${crypto.createHash('sha256').update(bytes).digest('hex')}  ${name}\n`);
    process.stdout.write(`${path.relative(root, file)}, ${mib(bytes.length)}, in ${secs(Date.now() - t0)}\n`);
  }
  fs.writeFileSync(path.join(out, 'SHA256SUMS'), sums.join(''));
  console.log(`release: ${targets.length} binaries and SHA256SUMS in ${path.relative(root, out)}/ in ${secs(Date.now() - started)}: ` +
    `version ${version}, app build ${app} (check: cd ${path.relative(root, out)} && sha256sum -c SHA256SUMS)`);
}

try {
  release();
} catch (err) {
  console.error(`release failed: ${err.message}`);
  process.exit(1);
}
