// The build's last step (a trunk post_build hook, Trunk.toml): beside every file of dist/ a host
// sends as text or wasm, the same file gzipped (`.gz`, by Zopfli) and in Brotli (`.br`, quality 11),
// so a static host can send the compressed bytes without compressing on each request (nginx
// `gzip_static on;` and `brotli_static on;`, Caddy `file_server { precompressed br gzip }`), and
// the page can fetch a wasm's or its script's `.gz` itself from a host that compresses nothing
// (index.html's `minisyftFetch`). Zopfli (npm `@gfx/zopfli`, installed with the tests' packages by
// scripts/setup.sh) writes gzip any browser reads, 4-5% smaller than zlib's level 9 (the app's wasm
// 380 -> 363 KB: 0.09 s less on a phone from a host that compresses nothing), for ~12 s of each
// build, `trunk serve`'s rebuilds included; without it, zlib's level 9.
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join, extname, dirname } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

async function gzipper() {
  try {
    const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), '..', 'tests', 'e2e', 'package.json'));
    const { gzipAsync } = require('@gfx/zopfli');
    return body => gzipAsync(body, { numiterations: 5 });
  } catch (error) {
    if (error.code !== 'MODULE_NOT_FOUND') throw error;
    console.warn('precompress: @gfx/zopfli is not installed (scripts/setup.sh installs it); gzip by zlib');
    return async body => gzipSync(body, { level: 9 });
  }
}

const COMPRESSIBLE = new Set(['.wasm', '.js', '.css', '.html', '.csv', '.json', '.svg']);

function walk(dir) {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

// Trunk's staging directory when run as its hook (it becomes dist/ after); else the one named.
const dist = process.argv[2] || process.env.TRUNK_STAGING_DIR || 'dist';
const gzip = await gzipper();
let before = 0, gz = 0, br = 0;
for (const path of walk(dist).filter(p => COMPRESSIBLE.has(extname(p)))) {
  const body = readFileSync(path);
  const gzipped = await gzip(body);
  const brotli = brotliCompressSync(body, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
  });
  writeFileSync(`${path}.gz`, gzipped);
  writeFileSync(`${path}.br`, brotli);
  before += body.length; gz += gzipped.length; br += brotli.length;
}
console.log(`precompressed ${dist}/: ${before} bytes, ${gz} gzipped, ${br} in Brotli`);
