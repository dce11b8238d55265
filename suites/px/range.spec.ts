// PX-RANGE: BITS-style downloads (W:34, W:58; seed 000 Range): HEAD gives the size, ranged GETs
// give 206 with the right Content-Range, the bytes are the file's, nothing is re-encoded.
import { contentFilePath, sha256Hex } from '../../harness/client/index.js';
import { ensure } from '../evidence.js';
import { check } from '../fixtures.js';
import { describeClientResult, responseHeader } from '../verify.js';

check('PX-RANGE', 'HEAD gives the size and ranged GETs give 206 with the right bytes', async ({ lab, client, evidence }) => {
  const dp = lab.topology.roles.find((role) => role.kind === 'distribution-point');
  if (!dp || dp.kind !== 'distribution-point') throw new Error('the topology has no distribution point');
  const pkg = dp.packages[0]!;
  const file = pkg.files.reduce((a, b) => (b.size > a.size ? b : a));
  const target = contentFilePath(pkg.contentId, pkg.version, file.name);
  const origin = client.originOf('distribution-point');
  const head = await client.send({ method: 'HEAD', target, headers: [['User-Agent', 'Microsoft BITS/7.8']] }, origin);
  evidence.sent(head);
  ensure(head.status === 200 && Number(responseHeader(head, 'content-length')) === file.size, `HEAD: ${describeClientResult(head)}, Content-Length ${responseHeader(head, 'content-length')}, expected ${file.size}`);
  const whole = await client.send({ method: 'GET', target }, origin);
  evidence.sent(whole);
  ensure(whole.status === 200 && whole.responseBody?.length === file.size, `full GET: ${describeClientResult(whole)}`);
  const ranges: [number, number][] = [
    [0, 65_535],
    [Math.floor(file.size / 2), Math.floor(file.size / 2) + 65_535],
    [file.size - 4096, file.size - 1],
  ];
  for (const [start, end] of ranges) {
    const part = await client.send({ method: 'GET', target, headers: [['User-Agent', 'Microsoft BITS/7.8'], ['Range', `bytes=${start}-${end}`]] }, origin);
    evidence.sent(part);
    ensure(part.status === 206, `Range bytes=${start}-${end}: ${describeClientResult(part)}, expected 206`);
    ensure(responseHeader(part, 'content-range') === `bytes ${start}-${end}/${file.size}`, `Range bytes=${start}-${end}: Content-Range ${JSON.stringify(responseHeader(part, 'content-range'))}`);
    ensure(!responseHeader(part, 'content-encoding'), `Range bytes=${start}-${end}: the reply was re-encoded (Content-Encoding ${responseHeader(part, 'content-encoding')})`);
    ensure(sha256Hex(part.responseBody!) === sha256Hex(whole.responseBody!.subarray(start, end + 1)), `Range bytes=${start}-${end}: the bytes are not the file's bytes at that offset`);
  }
  evidence.pass(`HEAD said ${file.size} bytes; the first, a middle and the last range came back as 206 with the right Content-Range and the file's own bytes`);
});
