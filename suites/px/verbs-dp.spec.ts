// PX-VERB-DP-* and PX-HDR-DP-Range: the distribution point's verbs HEAD, GET, PROPFIND and the
// Range header reach it (seed 000 "Prerequisites"; W:29–W:31, W:34). Content URLs have the
// `…/sccm?/<file>` shape that URL normalisers and WebDAV filters break.
import { contentFilePath as packageFilePath, contentRootPath as packageRootPath } from '../../harness/client/index.js';
import type { Exchange } from '../../harness/client/index.js';
import { ensure } from '../evidence.js';
import { check, type CheckFixtures } from '../fixtures.js';
import { arrival, describeClientResult, responseHeader, responseIntact } from '../verify.js';

function dpContent(lab: CheckFixtures['lab']) {
  const dp = lab.topology.roles.find((role) => role.kind === 'distribution-point');
  if (!dp || dp.kind !== 'distribution-point') throw new Error('the topology has no distribution point');
  const pkg = dp.packages[0]!;
  const file = pkg.files[0]!;
  return { dp, root: packageRootPath(pkg.contentId, pkg.version), file, path: packageFilePath(pkg.contentId, pkg.version, file.name) };
}

async function reachesDp(
  fixtures: CheckFixtures,
  send: (origin: string) => Promise<Exchange>,
  expectedStatus: number,
  more?: (exchange: Exchange) => string | undefined,
): Promise<void> {
  const { lab, client, evidence } = fixtures;
  const { dp } = dpContent(lab);
  const journal = lab.journal(dp.name);
  const mark = journal.mark();
  const exchange = await send(client.originOf('distribution-point'));
  const received = journal.since(mark);
  evidence.sent(exchange);
  evidence.received(dp.name, received);
  const { entry, problems } = arrival(exchange, received);
  ensure(entry, `${problems[0]}; ${describeClientResult(exchange)}`, problems[0]?.code);
  ensure(problems.length === 0, problems.join('; '), problems[0]?.code);
  const intact = responseIntact(exchange, entry);
  ensure(!intact, intact!, 'response-changed');
  ensure(exchange.status === expectedStatus, `the DP answered ${exchange.status}, expected ${expectedStatus}`, 'unexpected-status');
  const extra = more?.(exchange);
  ensure(!extra, extra!, 'response-changed');
  evidence.pass(
    `${exchange.method} ${exchange.target} reached the DP byte-exact and its ${exchange.status} (${exchange.responseBodyLength} bytes) reached the client unchanged`,
  );
}

check('PX-VERB-DP-HEAD', 'HEAD reaches the distribution point and reports the size', async (fixtures) => {
  const { path, file } = dpContent(fixtures.lab);
  await reachesDp(
    fixtures,
    (origin) => fixtures.client.send({ method: 'HEAD', target: path, headers: [['User-Agent', 'Microsoft BITS/7.8']] }, origin),
    200,
    (exchange) =>
      Number(responseHeader(exchange, 'content-length')) === file.size
        ? undefined
        : `HEAD reported Content-Length ${responseHeader(exchange, 'content-length')}, the file has ${file.size} bytes`,
  );
});

check('PX-VERB-DP-GET', 'GET reaches the distribution point', async (fixtures) => {
  const { lab } = fixtures;
  const dp = dpContent(lab);
  const small = lab.topology.roles.find((role) => role.kind === 'distribution-point');
  const file = small && small.kind === 'distribution-point' ? small.packages[0]!.files.at(-1)! : dp.file;
  const pkg = small && small.kind === 'distribution-point' ? small.packages[0]! : undefined;
  const target = pkg ? packageFilePath(pkg.contentId, pkg.version, file.name) : dp.path;
  await reachesDp(
    fixtures,
    (origin) => fixtures.client.send({ method: 'GET', target, headers: [['User-Agent', 'Microsoft BITS/7.8']] }, origin),
    200,
    (exchange) =>
      exchange.responseBodyLength === file.size
        ? undefined
        : `the client got ${exchange.responseBodyLength} bytes of a ${file.size}-byte file`,
  );
});

check('PX-VERB-DP-PROPFIND', 'PROPFIND reaches the distribution point (content listing before download)', async (fixtures) => {
  const { root, file } = dpContent(fixtures.lab);
  const body =
    '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:iscollection/></d:prop><d:prop><d:getcontentlength/></d:prop></d:propfind>';
  await reachesDp(
    fixtures,
    (origin) =>
      fixtures.client.send(
        {
          method: 'PROPFIND',
          target: root,
          headers: [
            ['User-Agent', 'SMS CCM 5.0'],
            ['Depth', 'infinity'],
            ['Translate', 'f'],
            ['Content-Type', 'text/xml'],
          ],
          body,
        },
        origin,
      ),
    207,
    (exchange) =>
      (exchange.responseBody?.toString() ?? '').includes(`<D:getcontentlength>${file.size}</D:getcontentlength>`) ||
      (exchange.responseBody?.toString() ?? '').includes(`>${file.size}<`)
        ? undefined
        : 'the 207 Multi-Status reached the client without the file sizes',
  );
});

check('PX-HDR-DP-Range', 'Range reaches the distribution point and the 206 comes back intact', async (fixtures) => {
  const { path, file } = dpContent(fixtures.lab);
  const start = 1_048_576;
  const end = Math.min(file.size - 1, start + 65_535);
  await reachesDp(
    fixtures,
    (origin) =>
      fixtures.client.send(
        {
          method: 'GET',
          target: path,
          headers: [
            ['User-Agent', 'Microsoft BITS/7.8'],
            ['Range', `bytes=${start}-${end}`],
          ],
        },
        origin,
      ),
    206,
    (exchange) =>
      responseHeader(exchange, 'content-range') === `bytes ${start}-${end}/${file.size}`
        ? undefined
        : `Content-Range reached the client as ${JSON.stringify(responseHeader(exchange, 'content-range'))}, expected "bytes ${start}-${end}/${file.size}"`,
  );
});
