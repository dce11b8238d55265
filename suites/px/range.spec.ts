// PX-RANGE: BITS-style downloads (W:34, W:58; seed 000 Range): HEAD gives the size, ranged GETs
// give 206 with the right Content-Range, the bytes are the file's, nothing is re-encoded. Every
// byte is compared with what the DP journaled it sent.
import { contentFilePath, sha256Hex } from '../../harness/client/index.js';
import { ensure, prerequisite } from '../evidence.js';
import { check } from '../fixtures.js';
import { arrival, describeClientResult, headerDifference, responseHeader, valuesOf } from '../verify.js';

check('PX-RANGE', 'HEAD gives the size and ranged GETs give 206 with the right bytes', async ({ lab, client, evidence }) => {
  const dp = lab.topology.roles.find((role) => role.kind === 'distribution-point');
  if (!dp || dp.kind !== 'distribution-point') throw new Error('the topology has no distribution point');
  const pkg = dp.packages[0]!;
  const file = pkg.files.reduce((a, b) => (b.size > a.size ? b : a));
  const target = contentFilePath(pkg.contentId, pkg.version, file.name);
  const origin = client.originOf('distribution-point');
  // The oracle is the DP's journal: what it answered to each request, byte for byte (never bytes
  // fetched through the proxy under test).
  const journal = lab.journal(dp.name);
  const mark = journal.mark();
  const head = await client.send({ method: 'HEAD', target, headers: [['User-Agent', 'Microsoft BITS/7.8']] }, origin);
  evidence.sent(head);
  const headAtDp = arrival(head, journal.since(mark), { headers: [] });
  ensure(headAtDp.entry, `HEAD: ${headAtDp.problems[0]}; ${describeClientResult(head)}`, headAtDp.problems[0]?.code);
  ensure(
    head.status === 200 && Number(responseHeader(head, 'content-length')) === file.size,
    `HEAD: ${describeClientResult(head)}, Content-Length ${responseHeader(head, 'content-length')}, expected ${file.size}`,
    'size-wrong',
  );
  const whole = await client.send({ method: 'GET', target }, origin);
  evidence.sent(whole);
  const wholeAtDp = arrival(
    whole,
    journal.since(mark).filter((entry) => entry.method === 'GET'),
    { headers: [] },
  ).entry;
  ensure(wholeAtDp, `full GET: no GET ${target} reached the DP; ${describeClientResult(whole)}`, 'not-received');
  ensure(
    whole.status === 200 && whole.responseBody?.length === file.size && whole.responseBodySha256 === wholeAtDp.response.bodySha256,
    `full GET: the DP sent ${wholeAtDp.response.status} with ${wholeAtDp.response.bodyLength} bytes but ${describeClientResult(whole)}${whole.responseBodySha256 === wholeAtDp.response.bodySha256 ? '' : ' (other bytes)'}`,
    'body-changed',
  );
  const ranges: [number, number][] = [
    [0, 65_535],
    [Math.floor(file.size / 2), Math.floor(file.size / 2) + 65_535],
    [file.size - 4096, file.size - 1],
  ];
  for (const [start, end] of ranges) {
    const rangeMark = journal.mark();
    const part = await client.send(
      {
        method: 'GET',
        target,
        headers: [
          ['User-Agent', 'Microsoft BITS/7.8'],
          ['Range', `bytes=${start}-${end}`],
        ],
      },
      origin,
    );
    evidence.sent(part);
    const atDp = journal.since(rangeMark);
    evidence.received(dp.name, atDp);
    const { entry, problems } = arrival(part, atDp, { headers: ['Range'] });
    ensure(
      entry && problems.length === 0,
      `Range bytes=${start}-${end}: ${problems.join('; ')}; ${describeClientResult(part)}`,
      problems[0]?.code,
    );
    prerequisite(entry.response.status === 206, `Range bytes=${start}-${end}: the DP itself answered ${entry.response.status}`);
    ensure(part.status === 206, `Range bytes=${start}-${end}: the DP answered 206 but ${describeClientResult(part)}`, 'status-changed');
    const rangeProblem = headerDifference(
      'Content-Range',
      valuesOf(entry.response.headers, 'content-range'),
      valuesOf(part.responseHeaders ?? [], 'content-range'),
      'the client',
    );
    ensure(!rangeProblem, `Range bytes=${start}-${end}: ${rangeProblem}`, rangeProblem?.code);
    ensure(
      responseHeader(part, 'content-range') === `bytes ${start}-${end}/${file.size}`,
      `Range bytes=${start}-${end}: Content-Range ${JSON.stringify(responseHeader(part, 'content-range'))}`,
      'content-range-wrong',
    );
    ensure(
      !responseHeader(part, 'content-encoding'),
      `Range bytes=${start}-${end}: the reply was re-encoded (Content-Encoding ${responseHeader(part, 'content-encoding')})`,
      'body-changed',
    );
    ensure(
      part.responseBodySha256 === entry.response.bodySha256,
      `Range bytes=${start}-${end}: the DP sent ${entry.response.bodyLength} bytes, the client got ${part.responseBodyLength} other bytes`,
      'body-changed',
    );
    ensure(
      sha256Hex(part.responseBody!) === sha256Hex(whole.responseBody!.subarray(start, end + 1)),
      `Range bytes=${start}-${end}: the bytes are not the file's bytes at that offset`,
      'body-changed',
    );
  }
  evidence.pass(
    `HEAD said ${file.size} bytes; the full GET and the first, a middle and the last range came back as the DP sent them (its journal): 206 with the right Content-Range and the file's own bytes`,
  );
});
