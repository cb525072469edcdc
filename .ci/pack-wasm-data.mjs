// Merges the adjacent data segments of one program's WebAssembly modules, after the split and
// wasm-opt.
//
//   node .ci/pack-wasm-data.mjs [--precompress] MAIN.wasm [CHUNK.wasm...]
//
// The files are the modules of ONE program: the main module and the chunks the split made from it,
// which all share one memory. (Each bundle is a program of its own: one call per bundle.)
//
// Why: the split (`cargo leptos build --split`) can only move a page's constant data into the
// page's chunk if the linker keeps every constant in a segment of its own
// (`--no-merge-data-segments`, .cargo/config.toml); merged, most of every page's strings stayed in
// the main module. That leaves thousands of tiny segments, each with its own header, and wasm-opt
// does not merge them. Here two segments of a module become one when the gap between them is
// alignment padding: at most GAP bytes that no segment of any module of the program writes (see
// `pack`). Before writing anything, the script checks that every packed module, loaded over the
// program's whole memory image, changes no byte of it.
// Only active segments of memory 0 at constant offsets are merged; a program with any other kind
// is left as it is.
// With --precompress the .br and .gz copies are written again (what the server sends).
//
// Upstream: this works around the split not moving a page's data when segments are merged
// (cargo-leptos #679, wasm-split-prototype #60). Once the split moves data out of merged segments,
// drop `--no-merge-data-segments` and this script, and compare the first-load bench.
import fs from "node:fs";
import zlib from "node:zlib";

const GAP = 16;

/** A LEB128 number at `at` (signed: its last byte's sign bit extends), and where the next begins. */
function leb(bytes, at, signed = false) {
  let value = 0, shift = 0, byte;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  if (signed && byte & 0x40) value -= 2 ** shift;
  return [value, at];
}

const uleb = (bytes, at) => leb(bytes, at);
const sleb = (bytes, at) => leb(bytes, at, true);

function encodeUleb(value) {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return Buffer.from(out);
}

function encodeSleb(value) {
  const out = [];
  for (;;) {
    const byte = value & 0x7f;
    value = Math.floor(value / 128);
    if ((value === 0 && !(byte & 0x40)) || (value === -1 && byte & 0x40)) {
      out.push(byte);
      return Buffer.from(out);
    }
    out.push(byte | 0x80);
  }
}

/** A module's sections and its data segments, or null when it has a segment of another kind. */
function parse(wasm) {
  const sections = [];
  for (let at = 8; at < wasm.length; ) {
    const id = wasm[at];
    const [size, start] = uleb(wasm, at + 1);
    sections.push({ id, body: wasm.subarray(start, start + size) });
    at = start + size;
  }
  const segments = [];
  const data = sections.find((s) => s.id === 11);
  if (!data) return { sections, segments };
  let [count, at] = uleb(data.body, 0);
  for (let i = 0; i < count; i++) {
    const [flags, a] = uleb(data.body, at);
    // Active, memory 0, `i32.const offset; end`: anything else (passive segments that code
    // refers to by index, or that `memory.init` writes anywhere) is not ours to change.
    if (flags !== 0 || data.body[a] !== 0x41) return null;
    const [offset, b] = sleb(data.body, a + 1);
    if (data.body[b] !== 0x0b) return null;
    const [length, c] = uleb(data.body, b + 1);
    segments.push({ offset, bytes: data.body.subarray(c, c + length) });
    at = c + length;
  }
  segments.sort((x, y) => x.offset - y.offset);
  return { sections, segments };
}

/** Whether any of `starts` (sorted) lies in [from, to). */
function anyStartIn(starts, from, to) {
  let lo = 0, hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < starts.length && starts[lo] < to;
}

/** The module with its segments merged across padding, or null when nothing merges. Padding is a
 * gap no module writes (`starts`: the sorted start offsets of every segment of the program;
 * segments never overlap, so another module writes in a gap exactly when one of its segments
 * starts there). A gap another module writes stays a gap: a chunk loads long after the program
 * started, and zeros, or even the other module's own bytes, written then could wipe what the
 * program has put there since. (Filling the main module's gaps with the chunks' bytes, which
 * would be safe, made it larger: measured.) */
function pack({ sections, segments }, starts) {
  const merged = [];
  for (const s of segments) {
    const last = merged.at(-1);
    const end = last && last.offset + last.length;
    if (last && s.offset >= end && s.offset - end <= GAP && !anyStartIn(starts, end, s.offset)) {
      last.parts.push(Buffer.alloc(s.offset - end), s.bytes);
      last.length = s.offset + s.bytes.length - last.offset;
    } else {
      merged.push({ offset: s.offset, length: s.bytes.length, parts: [s.bytes] });
    }
  }
  if (merged.length === segments.length) return null;
  const section = (id, body) => Buffer.concat([Buffer.from([id]), encodeUleb(body.length), body]);
  const body = Buffer.concat([
    encodeUleb(merged.length),
    ...merged.flatMap((m) => [Buffer.from([0x00, 0x41]), encodeSleb(m.offset), Buffer.from([0x0b]), encodeUleb(m.length), ...m.parts]),
  ]);
  const out = [Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])];
  for (const s of sections) {
    if (s.id === 11) out.push(section(11, body));
    else if (s.id === 12) out.push(section(12, encodeUleb(merged.length)));
    else out.push(section(s.id, s.body));
  }
  return { wasm: Buffer.concat(out), segments: merged.length };
}

/** The program's memory as its segments leave it (zeros where none writes). */
function image(modules) {
  const top = Math.max(0, ...modules.flatMap((m) => m.segments.map((s) => s.offset + s.bytes.length)));
  const memory = Buffer.alloc(top);
  for (const m of modules) for (const s of m.segments) s.bytes.copy(memory, s.offset);
  return memory;
}

const args = process.argv.slice(2);
const precompress = args.includes("--precompress");
const files = args.filter((a) => a.endsWith(".wasm"));
const modules = files.map((file) => ({ file, before: fs.readFileSync(file) }));
for (const m of modules) Object.assign(m, parse(m.before) ?? { unpackable: true });
if (modules.some((m) => m.unpackable)) {
  console.log("pack-wasm-data: a module has a segment of another kind; nothing packed");
  process.exit(0);
}
const starts = modules.flatMap((m) => m.segments.map((s) => s.offset)).sort((a, b) => a - b);
const memory = image(modules);
let saved = 0, packed = 0;
for (const m of modules) {
  const out = pack(m, starts);
  if (!out) continue;
  // The invariant that makes this safe, checked on what will be written: loading the packed module
  // at any time writes only bytes the program's memory already holds there.
  for (const s of parse(out.wasm).segments) {
    const end = s.offset + s.bytes.length;
    if (end > memory.length || !s.bytes.equals(memory.subarray(s.offset, end))) {
      throw new Error(`pack-wasm-data: ${m.file} would overwrite another module's bytes at ${s.offset}`);
    }
  }
  m.after = out.wasm;
}
for (const m of modules.filter((m) => m.after)) {
  fs.writeFileSync(m.file, m.after);
  if (precompress) {
    fs.writeFileSync(`${m.file}.br`, zlib.brotliCompressSync(m.after, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }));
    fs.writeFileSync(`${m.file}.gz`, zlib.gzipSync(m.after, { level: 9 }));
  }
  saved += m.before.length - m.after.length;
  packed++;
}
console.log(`pack-wasm-data: merged the data segments of ${packed} of ${modules.length} modules (${saved} bytes fewer before compression)`);
