// PX-URL-EXACT: request targets arrive byte-exact — `$` segments, the `sccm?/` trick, the query of
// `.sms_aut?MPLIST1&<site>`, and percent-encoded braces (W:29, W:57). URL normalisers ("verify
// normalization", "block high bit characters") break exactly these.
import { contentFilePath } from '../../harness/client/index.js';
import { ensure } from '../evidence.js';
import { check } from '../fixtures.js';
import { arrival, describeClientResult } from '../verify.js';

check(
  'PX-URL-EXACT',
  'request targets with $, sccm?/, ?MPLIST1&<site> and %7B…%7D arrive byte-exact',
  async ({ lab, client, evidence }) => {
    const dp = lab.topology.roles.find((role) => role.kind === 'distribution-point');
    const site = lab.topology.site.code;
    const probes: { system: string; origin: string; target: string }[] = [
      { system: 'mp1', origin: client.managementPointOrigin, target: `/SMS_MP/.sms_aut?MPLIST1&${site}` },
      { system: 'mp1', origin: client.managementPointOrigin, target: '/SMS_MP/.sms_pol?%7B0F4B2D8C-7E13-4C8E-9A61-7D9C1E5A3B2F%7D.1_00' },
    ];
    if (dp && dp.kind === 'distribution-point') {
      const pkg = dp.packages[0]!;
      const spaced = pkg.files.find((file) => file.name.includes(' ')) ?? pkg.files[0]!;
      probes.push({
        system: dp.name,
        origin: client.originOf('distribution-point'),
        target: contentFilePath(pkg.contentId, pkg.version, spaced.name),
      });
    }
    const seen: string[] = [];
    for (const probe of probes) {
      const journal = lab.journal(probe.system);
      const mark = journal.mark();
      const exchange = await client.send({ method: 'GET', target: probe.target, headers: [['Range', 'bytes=0-15']] }, probe.origin);
      const received = journal.since(mark);
      evidence.sent(exchange);
      evidence.received(probe.system, received);
      const { entry, requestLineProblem } = arrival(exchange, received);
      ensure(entry, `${requestLineProblem}; ${describeClientResult(exchange)}`, requestLineProblem?.code);
      ensure(!requestLineProblem, String(requestLineProblem), requestLineProblem?.code);
      seen.push(`${entry.requestLine.split(' ')[1]}`);
    }
    evidence.pass(`every target reached its site system byte-exact: ${seen.join(', ')}`);
  },
);
