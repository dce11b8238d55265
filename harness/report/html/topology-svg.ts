// The topology as a picture, drawn from the topology and the facts of a lab that ran it (lab.json;
// for a mode no lab ran, the facts its plan would give on the embedded driver): the
// segments internet | dmz | intranet as columns, every host with its name, role, address and names,
// each segment's DNS view, the proxy between internet and DMZ, and arrows for the path the clients'
// requests take in that mode. Plain SVG written here (no layout engine, nothing fetched).
import type { PlacedHost } from '../../lab/lab.js';
import { plannedLabFacts } from '../../lab/planned-facts.js';
import { segmentNames, type ProxyMode, type Segment, type Topology } from '../../topology/index.js';
import type { LabFacts } from '../lab-evidence.js';
import { escapeHtml as esc } from './escape.js';

const WIDTH = 1040;
const COLUMN: Record<Segment, { x: number; width: number; fill: string; label: string }> = {
  internet: { x: 10, width: 340, fill: '#fdecea', label: 'internet' },
  dmz: { x: 350, width: 480, fill: '#fff4dc', label: 'dmz' },
  intranet: { x: 830, width: 200, fill: '#e8f5e9', label: 'intranet' },
};
const BOX_W = 230;
const SITE_W = 262;
const BOX_H = 72;
const GAP = 14;
const TOP = 64;

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Which lab of the run stands for a mode in the picture: the main lab of its first worker. */
export function labForMode(labs: LabFacts[], mode: string): LabFacts | undefined {
  const ofMode = labs.filter((lab) => lab.mode === mode);
  return ofMode.find((lab) => /-w\d+$/.test(lab.name)) ?? ofMode[0];
}

export function topologySvg(topology: Topology, mode: ProxyMode, lab: LabFacts | undefined): string {
  // Addresses from facts only: the lab's own, or its plan's when no lab ran this mode (or its lab.json predates placement facts).
  const planned = lab?.placement ? undefined : plannedLabFacts(topology, mode);
  const hosts: PlacedHost[] = lab?.hosts ?? planned!.hosts;
  const placement = lab?.placement ?? planned!.placement;
  const published = new Map((lab?.siteSystems ?? planned!.siteSystems).map((system) => [system.name, system]));
  const proxy = hosts.find((host) => host.kind === 'proxy');
  const placed = new Map<string, Box>();
  const parts: string[] = [];
  const nextY: Record<Segment, number> = { internet: TOP, dmz: TOP, intranet: TOP };

  const boxFor = (segment: Segment, width = BOX_W, height = BOX_H, x?: number): Box => {
    const column = COLUMN[segment];
    const box = { x: x ?? column.x + (segment === 'internet' ? 12 : (column.width - width) / 2), y: nextY[segment], w: width, h: height };
    nextY[segment] += height + GAP;
    return box;
  };
  const hostBox = (box: Box, title: string, lines: string[], kind: string) => {
    parts.push(
      `<g class="host host-${esc(kind)}"><rect x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}" rx="6"/>` +
        `<text x="${box.x + 8}" y="${box.y + 17}" class="host-name">${esc(title)}</text>` +
        lines.map((line, index) => `<text x="${box.x + 8}" y="${box.y + 32 + index * 13}" class="host-line">${esc(line)}</text>`).join('') +
        '</g>',
    );
  };
  const portsOf = (host: PlacedHost) =>
    Object.entries(host.ports)
      .map(([service, port]) => `${service} ${port}`)
      .join(', ');

  // Clients on their segment (internet-only workstations for the default topology).
  for (const client of topology.clients) {
    const box = boxFor(client.segment as Segment);
    placed.set(`client:${client.name}`, box);
    hostBox(
      box,
      `${client.name} (client ${client.computerName})`,
      [
        placement.clients[client.name] ?? '',
        `CCMHOSTNAME=${client.install.CCMHOSTNAME}`,
        client.account ? `account ${topology.domain.netbiosName}\\${client.account}` : 'no domain account',
      ],
      'client',
    );
  }
  // The forward proxy stands on the internet in front of the clients.
  if (proxy && mode === 'forward') {
    const box = boxFor('internet', BOX_W, BOX_H + 6, COLUMN.internet.x + COLUMN.internet.width - BOX_W - 8);
    placed.set('proxy', box);
    hostBox(
      box,
      `${proxy.name}: ${lab?.proxy ?? 'proxy'} under test (forward)`,
      [`${proxy.address}:${proxy.ports.forward ?? ''}`, 'HTTP CONNECT for the clients'],
      'proxy',
    );
  }
  // Hosts of every segment except the bridge/tunnel proxy and the site systems' column (placed below).
  for (const host of hosts) {
    if (host.kind === 'proxy') continue;
    const segment = host.segment as Segment;
    const box = boxFor(
      segment,
      segment === 'intranet' ? 180 : segment === 'dmz' ? SITE_W : BOX_W,
      BOX_H,
      segment === 'dmz' ? COLUMN.dmz.x + COLUMN.dmz.width - SITE_W - 12 : undefined,
    );
    placed.set(host.name, box);
    hostBox(box, `${host.name} (${host.kind})`, [`${host.address}  ${portsOf(host)}`, ...host.fqdns.slice(0, 3)], host.kind);
  }
  // Bridge and tunnel: the proxy straddles the internet | dmz boundary, one published listener per site system.
  if (proxy && (mode === 'bridge' || mode === 'tunnel')) {
    const rows = [...published.values()].filter((system) => system.publishedAddress && placed.has(system.name));
    const top = Math.min(...rows.map((system) => placed.get(system.name)!.y)) - 30;
    const bottom = Math.max(...rows.map((system) => placed.get(system.name)!.y + BOX_H));
    const box = { x: COLUMN.dmz.x - 85, y: top, w: 220, h: bottom - top + 10 };
    placed.set('proxy', box);
    parts.push(
      `<g class="host host-proxy"><rect x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}" rx="8"/>` +
        `<text x="${box.x + 8}" y="${box.y + 17}" class="host-name">${esc(`${proxy.name}: ${lab?.proxy ?? 'proxy'} under test (${mode})`)}</text>` +
        `<text x="${box.x + 8}" y="${box.y + 31}" class="host-line">dmz side ${esc(proxy.address)}</text></g>`,
    );
    for (const system of rows) {
      const target = placed.get(system.name)!;
      const y = target.y + BOX_H / 2;
      const port = system.services.find((service) => service.published)?.port;
      parts.push(
        `<text x="${box.x + 8}" y="${y + 4}" class="host-line listener">${esc(`${system.publishedAddress}:${port ?? ''}`)}</text>`,
      );
      parts.push(arrow(box.x + box.w, y, target.x, y, mode));
    }
  }
  // DNS views: one per segment, at the bottom of its column.
  const dnsAt = (segment: Segment) => {
    const view = placement.dns.find((candidate) => candidate.segment === segment);
    return view ? `${view.host}:${view.port}` : '';
  };
  const dnsY = Math.max(...Object.values(nextY)) + 4;
  for (const segment of segmentNames) {
    const column = COLUMN[segment];
    const box = { x: column.x + 10, y: dnsY, w: column.width - 20, h: 46 };
    const names =
      segment === 'intranet'
        ? [`*.${topology.domains.intranet}`]
        : segment === 'internet'
          ? [`*.${topology.domains.internet}`]
          : [`*.${topology.domains.internet}`, `*.${topology.domains.intranet}`];
    parts.push(
      `<g class="dns"><rect x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}" rx="4"/>` +
        `<text x="${box.x + 8}" y="${box.y + 15}" class="host-name">DNS view “${segment}”</text>` +
        `<text x="${box.x + 8}" y="${box.y + 28}" class="host-line">${esc(dnsAt(segment))}</text>` +
        `<text x="${box.x + 8}" y="${box.y + 40}" class="host-line">${esc(names.join(', '))}</text></g>`,
    );
  }
  const height = dnsY + 46 + 14;

  // The published path: clients → (proxy →) the internet-facing site systems.
  const clientBoxes = topology.clients.map((client) => placed.get(`client:${client.name}`)!).filter(Boolean);
  const siteTargets = [...published.values()]
    .filter((system) => system.services.some((service) => service.published) && placed.has(system.name))
    .map((system) => placed.get(system.name)!);
  const first = placed.get('proxy') ?? undefined;
  for (const client of clientBoxes) {
    if (first && mode !== 'direct') parts.push(connect(client, first, mode));
    else for (const target of siteTargets) parts.push(connect(client, target, mode));
  }
  if (first && mode === 'forward') for (const target of siteTargets) parts.push(connect(first, target, mode));

  const columns = segmentNames
    .map((segment) => {
      const column = COLUMN[segment];
      return `<rect class="segment" x="${column.x}" y="8" width="${column.width}" height="${height - 12}" fill="${column.fill}"/><text x="${column.x + 10}" y="28" class="segment-name">${column.label}</text>`;
    })
    .join('');
  const caption = topologyCaption(topology, mode, lab);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="topology" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${esc(`Topology ${caption}`)}">`,
    `<title>${esc(`Topology — ${caption}`)}</title>`,
    `<defs><marker id="arrow-${mode}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrow-head"/></marker></defs>`,
    columns,
    ...parts,
    '</svg>',
  ].join('\n');
}

/** One line saying what the picture shows. */
export function topologyCaption(topology: Topology, mode: ProxyMode, lab: LabFacts | undefined): string {
  return `${topology.name}: site ${topology.site.code}, ${mode === 'direct' ? 'no proxy (the control)' : `${lab?.proxy ?? 'the proxy'} in ${mode} mode`}${lab ? ` — addresses of lab ${lab.name}` : ''}; arrows: the clients' published path`;
}

/** An arrow from one box to another: side to side when the target is to the right, else top to bottom. */
function connect(from: Box, to: Box, mode: string): string {
  if (to.x >= from.x + from.w)
    return arrow(from.x + from.w, from.y + from.h / 2, to.x, Math.max(to.y + 10, Math.min(to.y + to.h - 10, from.y + from.h / 2)), mode);
  // Below and overlapping: out of the right side, then down onto the target's top (past any box in between).
  const elbow = to.x + to.w - 14;
  if (elbow > from.x + from.w + 6)
    return `<path class="path" fill="none" d="M${from.x + from.w},${from.y + from.h / 2} H${elbow} V${to.y - 2}" marker-end="url(#arrow-${mode})"/>`;
  return arrow(from.x + from.w / 2, from.y + from.h, Math.max(to.x + 10, Math.min(to.x + to.w - 10, from.x + from.w / 2)), to.y, mode);
}

function arrow(x1: number, y1: number, x2: number, y2: number, mode: string): string {
  return `<line class="path" x1="${x1}" y1="${y1}" x2="${x2 - 2}" y2="${y2}" marker-end="url(#arrow-${mode})"/>`;
}
