/**
 * A small Dockerfile reader for offline checks (there is no Docker engine in CI here): logical
 * instructions with line continuations joined, comment lines inside a continuation dropped (as
 * BuildKit does), stages split at FROM, and exec-form arguments decoded from their JSON array.
 */
export interface Instruction {
  keyword: string;
  /** Everything after the keyword, continuations joined with a single space. */
  args: string;
  /** 1-based line where the instruction starts. */
  line: number;
  /** The decoded array when the arguments are in exec (JSON array) form. */
  exec?: string[];
}

export interface Stage {
  from: Instruction;
  image: string;
  name?: string;
  platform?: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARG instructions before the first FROM. */
  globals: Instruction[];
  stages: Stage[];
}

function execForm(args: string): string[] | undefined {
  if (!args.startsWith("[")) return undefined;
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((item) => typeof item === "string") ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Splits Dockerfile text into logical instructions. Only the default `\` escape is supported. */
export function parseInstructions(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  const result: Instruction[] = [];
  let buffer = "";
  let start = 0;
  lines.forEach((raw, index) => {
    const trimmed = raw.trim();
    if (buffer === "" && (trimmed === "" || trimmed.startsWith("#"))) {
      if (/^#\s*escape\s*=/i.test(trimmed)) throw new Error("the escape parser directive is not supported");
      return;
    }
    if (buffer !== "" && trimmed.startsWith("#")) return;
    if (buffer === "") start = index + 1;
    const continued = /\\\s*$/.test(raw);
    const content = continued ? raw.replace(/\\\s*$/, "") : raw;
    buffer = buffer === "" ? content.trim() : `${buffer} ${content.trim()}`;
    if (continued) return;
    const match = /^(\S+)\s*(.*)$/s.exec(buffer);
    if (match) {
      const args = (match[2] ?? "").trim();
      const instruction: Instruction = { keyword: (match[1] ?? "").toUpperCase(), args, line: start };
      const exec = execForm(args);
      if (exec) instruction.exec = exec;
      result.push(instruction);
    }
    buffer = "";
  });
  if (buffer !== "") throw new Error(`line ${start}: the file ends inside a line continuation`);
  return result;
}

/** Groups instructions into stages; `FROM [--platform=P] image [AS name]`. */
export function parseDockerfile(text: string): Dockerfile {
  const globals: Instruction[] = [];
  const stages: Stage[] = [];
  for (const instruction of parseInstructions(text)) {
    if (instruction.keyword === "FROM") {
      const words = instruction.args.split(/\s+/);
      const flags = words.filter((word) => word.startsWith("--"));
      const rest = words.filter((word) => !word.startsWith("--"));
      const platform = flags.find((flag) => flag.startsWith("--platform="))?.slice("--platform=".length);
      const stage: Stage = { from: instruction, image: rest[0] ?? "", instructions: [] };
      if (rest.length === 3 && rest[1]?.toUpperCase() === "AS") stage.name = rest[2];
      else if (rest.length !== 1)
        throw new Error(`line ${instruction.line}: cannot read FROM ${instruction.args}`);
      if (platform) stage.platform = platform;
      stages.push(stage);
      continue;
    }
    const current = stages.at(-1);
    if (current) current.instructions.push(instruction);
    else if (instruction.keyword === "ARG") globals.push(instruction);
    else throw new Error(`line ${instruction.line}: ${instruction.keyword} before the first FROM`);
  }
  return { globals, stages };
}

export interface ImageRef {
  repository: string;
  tag?: string;
  digest?: string;
}

/** `registry/repo:tag@sha256:…` → parts; a registry port (`host:5000/repo`) is not a tag. */
export function parseImageRef(ref: string): ImageRef {
  const [nameAndTag = "", digest] = ref.split("@");
  const slash = nameAndTag.lastIndexOf("/");
  const colon = nameAndTag.lastIndexOf(":");
  const result: ImageRef =
    colon > slash
      ? { repository: nameAndTag.slice(0, colon), tag: nameAndTag.slice(colon + 1) }
      : { repository: nameAndTag };
  if (digest !== undefined) result.digest = digest;
  return result;
}
