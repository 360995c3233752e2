/**
 * Reads the DT_NEEDED entries (shared libraries the loader must find) of a 64-bit little-endian
 * ELF executable, without binutils: enough to tell which distroless base can run a binary.
 */
import { readFileSync } from "node:fs";

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;

export interface ElfInfo {
  machine: "x86_64" | "aarch64" | `unknown(${number})`;
  needed: string[];
}

export function readElf(path: string): ElfInfo {
  const file = readFileSync(path);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file.readUInt32BE(0) !== 0x7f454c46 || file[4] !== 2 || file[5] !== 1) {
    throw new Error(`${path} is not a 64-bit little-endian ELF file`);
  }
  const machineId = view.getUint16(18, true);
  const machine =
    machineId === 62 ? "x86_64" : machineId === 183 ? "aarch64" : (`unknown(${machineId})` as const);
  const phoff = Number(view.getBigUint64(32, true));
  const phentsize = view.getUint16(54, true);
  const phnum = view.getUint16(56, true);
  const segments = Array.from({ length: phnum }, (_, index) => {
    const at = phoff + index * phentsize;
    return {
      type: view.getUint32(at, true),
      offset: Number(view.getBigUint64(at + 8, true)),
      vaddr: Number(view.getBigUint64(at + 16, true)),
      filesz: Number(view.getBigUint64(at + 32, true)),
    };
  });
  const dynamic = segments.find((segment) => segment.type === PT_DYNAMIC);
  if (!dynamic) return { machine, needed: [] };
  const toOffset = (vaddr: number): number => {
    const load = segments.find((s) => s.type === PT_LOAD && vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz);
    if (!load) throw new Error(`${path}: address ${vaddr} is in no loaded segment`);
    return vaddr - load.vaddr + load.offset;
  };
  const entries: [bigint, bigint][] = [];
  for (let at = dynamic.offset; at < dynamic.offset + dynamic.filesz; at += 16) {
    const tag = view.getBigInt64(at, true);
    if (tag === DT_NULL) break;
    entries.push([tag, view.getBigUint64(at + 8, true)]);
  }
  const strtab = toOffset(Number(entries.find(([tag]) => tag === DT_STRTAB)?.[1] ?? 0n));
  const needed = entries
    .filter(([tag]) => tag === DT_NEEDED)
    .map(([, value]) => {
      const start = strtab + Number(value);
      return file.toString("latin1", start, file.indexOf(0, start));
    });
  return { machine, needed };
}
