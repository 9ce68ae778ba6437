// The build's last step (a trunk post_build hook, Trunk.toml): beside every file of dist/ a host
// sends as text or wasm, the same file gzipped (`.gz`, level 9) and in Brotli (`.br`, quality 11),
// so a static host can send the compressed bytes without compressing on each request (nginx
// `gzip_static on;` and `brotli_static on;`, Caddy `file_server { precompressed br gzip }`), and
// the page can fetch a wasm's `.gz` itself from a host that compresses nothing (index.html's
// `minisyftFetchWasm`). Node's own zlib: nothing to install.
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const COMPRESSIBLE = new Set(['.wasm', '.js', '.css', '.html', '.csv', '.json', '.svg']);

function walk(dir) {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

// Trunk's staging directory when run as its hook (it becomes dist/ after); else the one named.
const dist = process.argv[2] || process.env.TRUNK_STAGING_DIR || 'dist';
let before = 0, gz = 0, br = 0;
for (const path of walk(dist).filter(p => COMPRESSIBLE.has(extname(p)))) {
  const body = readFileSync(path);
  const gzipped = gzipSync(body, { level: 9 });
  const brotli = brotliCompressSync(body, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
  });
  writeFileSync(`${path}.gz`, gzipped);
  writeFileSync(`${path}.br`, brotli);
  before += body.length; gz += gzipped.length; br += brotli.length;
}
console.log(`precompressed ${dist}/: ${before} bytes, ${gz} gzipped, ${br} in Brotli`);
