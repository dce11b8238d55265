// `ibcm-lab images build|list` and the Docker section of `ibcm-lab doctor`.
import { UsageError } from '../errors.js';
import {
  engineInfo,
  ensureImages,
  IMAGE_NAMES,
  imageRefs,
  listLabImages,
  pruneLabImages,
  START_ENGINE_ADVICE,
  type BaseSource,
  type ImageProgress,
  type ImageRefs,
  type LabImage,
} from '../drivers/docker/images.js';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function megabytes(bytes: number): string {
  return `${Math.round(bytes / 1_000_000)} MB`;
}

function baseSource(value: string | undefined): BaseSource {
  if (!value || value === 'debootstrap') return 'debootstrap';
  if (/\s/.test(value)) throw new UsageError(`--base: "${value}" is not an image reference`);
  return { from: value };
}

export async function imagesCommand(
  subcommand: string | undefined,
  values: { rebuild?: boolean; base?: string; verbose?: boolean; json?: boolean },
): Promise<number> {
  switch (subcommand) {
    case 'build':
      return buildImages(values);
    case 'list':
      return listImages(values);
    case 'prune': {
      const result = await pruneLabImages({ base: baseSource(values.base) });
      for (const name of result.removed) process.stdout.write(`removed  ${name}\n`);
      for (const name of result.inUse) process.stdout.write(`kept     ${name}  (a container uses it)\n`);
      process.stdout.write(`${result.removed.length} removed, ${result.inUse.length} kept in use; the images of these sources stay\n`);
      return 0;
    }
    default:
      throw new UsageError(
        subcommand
          ? `unknown images command "${subcommand}"; try 'ibcm-lab help images'`
          : "say 'images build', 'images list' or 'images prune'; try 'ibcm-lab help images'",
      );
  }
}

async function buildImages(values: { rebuild?: boolean; base?: string; verbose?: boolean }): Promise<number> {
  const started = Date.now();
  const base = baseSource(values.base);
  let building: ImageProgress | undefined;
  const recent: string[] = [];
  const onProgress = (event: ImageProgress) => {
    if (event.state === 'output') {
      if (values.verbose) process.stdout.write(`    ${event.line}\n`);
      return;
    }
    if (event.state === 'building') {
      building = event;
      recent.length = 0;
      const how =
        event.image !== 'base'
          ? ''
          : base === 'debootstrap'
            ? " (debootstrap from Debian's archive: about a minute)"
            : ` (images/base/Dockerfile on ${base.from})`;
      process.stdout.write(`… ${event.image.padEnd(8)} ${event.ref}  building${how}\n`);
    } else {
      building = undefined;
      process.stdout.write(
        `✔ ${event.image.padEnd(8)} ${event.ref}  ${event.state === 'reused' ? 'reused' : `built in ${seconds(event.ms ?? 0)}`}\n`,
      );
    }
  };
  const refs = await ensureImages({ rebuild: values.rebuild, base, onProgress }).catch((error: unknown) => {
    if (building) process.stdout.write(`✘ ${building.image.padEnd(8)} ${building.ref}\n`);
    throw error;
  });
  process.stdout.write(`images ready in ${seconds(Date.now() - started)}: ${Object.values(refs).join(' ')}\n`);
  return 0;
}

async function listImages(values: { base?: string; json?: boolean }): Promise<number> {
  const [refs, present] = await Promise.all([imageRefs({ base: baseSource(values.base) }), labImagesOrExplain()]);
  if (values.json) {
    process.stdout.write(JSON.stringify({ expected: refs, present }, null, 2) + '\n');
    return 0;
  }
  for (const line of imageLines(refs, present)) process.stdout.write(`${line}\n`);
  return 0;
}

async function labImagesOrExplain(): Promise<LabImage[]> {
  const info = await engineInfo();
  if (!info.reachable) throw new UsageError(`no Docker engine answers at ${info.address} (${info.reason}): ${START_ENGINE_ADVICE}`);
  return listLabImages();
}

/** One line per lab image the current sources need (present or not), then the older lab images still on the engine. */
export function imageLines(refs: ImageRefs, present: LabImage[]): string[] {
  const byTag = new Map<string, LabImage>();
  for (const image of present) for (const tag of image.tags) byTag.set(tag, image);
  const lines: string[] = [];
  const missing: string[] = [];
  for (const name of IMAGE_NAMES) {
    const found = byTag.get(refs[name]);
    if (found)
      lines.push(
        `✔ ${name.padEnd(8)} ${refs[name].padEnd(30)} ${megabytes(found.sizeBytes).padStart(7)}  built ${found.created.toISOString().replace(/\.\d+Z$/, 'Z')}`,
      );
    else {
      lines.push(`✘ ${name.padEnd(8)} ${refs[name].padEnd(30)} not built`);
      missing.push(name);
    }
  }
  const current = new Set(Object.values(refs));
  const older = present.filter((image) => !image.tags.some((tag) => current.has(tag)) && image.image !== 'build-network');
  if (older.length) {
    lines.push(`older lab images (not used by these sources; remove them with: npx ibcm-lab images prune):`);
    for (const image of older)
      lines.push(
        `  ${image.image.padEnd(8)} ${(image.tags.join(' ') || image.id.slice(7, 19)).padEnd(30)} ${megabytes(image.sizeBytes).padStart(7)}  built ${image.created.toISOString().replace(/\.\d+Z$/, 'Z')}`,
      );
  }
  if (missing.length) lines.push(`missing: ${missing.join(', ')} — build them with: npx ibcm-lab images build`);
  return lines;
}

/** The Docker section of `ibcm-lab doctor`: engine, versions, the lab's images and what to do. Never throws. */
export async function dockerDoctorLines(): Promise<string[]> {
  const info = await engineInfo();
  const lines: string[] = [];
  const row = (name: string, text: string) => lines.push(`${name.padEnd(10)} ${text}`);
  if (!info.reachable) {
    row('engine', `✘ no Docker engine answers at ${info.address} (${info.reason}) — ${START_ENGINE_ADVICE}`);
    row('images', '✘ unknown without an engine — then: npx ibcm-lab images build');
    return lines;
  }
  row(
    'engine',
    `✔ ${info.address}  (Docker ${info.serverVersion}, API ${info.apiVersion}${info.minApiVersion ? `, min ${info.minApiVersion}` : ''}, ${info.os}/${info.arch})`,
  );
  let refs: ImageRefs | undefined;
  try {
    refs = await imageRefs();
  } catch (error) {
    row('images', `? cannot work out the expected images: ${(error as Error).message}`);
  }
  let present: LabImage[] = [];
  try {
    present = await listLabImages();
  } catch (error) {
    row('images', `✘ cannot list images: ${(error as Error).message}`);
    return lines;
  }
  if (!refs) return lines;
  const tags = new Set(present.flatMap((image) => image.tags));
  const missing = IMAGE_NAMES.filter((name) => !tags.has(refs[name]));
  row(
    'images',
    missing.length
      ? `✘ ${missing.length} of ${IMAGE_NAMES.length} not built for these sources (${missing.join(', ')}) — build them, no registry needed: npx ibcm-lab images build`
      : `✔ all ${IMAGE_NAMES.length} built for these sources`,
  );
  for (const name of IMAGE_NAMES)
    lines.push(
      `${''.padEnd(13)}${tags.has(refs[name]) ? '✔' : '✘'} ${name.padEnd(8)} ${refs[name]}${tags.has(refs[name]) ? '' : '  (not built)'}`,
    );
  const older = present.filter((image) => !image.tags.some((tag) => Object.values(refs).includes(tag))).length;
  if (older)
    lines.push(
      `${''.padEnd(13)}  (${older} older lab image${older === 1 ? '' : 's'}: npx ibcm-lab images list; remove them with: npx ibcm-lab images prune)`,
    );
  return lines;
}
