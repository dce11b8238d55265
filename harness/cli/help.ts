export const MAIN_HELP = `ibcm-lab — a conformance lab for Configuration Manager internet-based client management (IBCM)

It builds a small IBCM world — a CA with an HTTP CRL distribution point, split-horizon DNS, a
management point — puts the proxy under test between the internet and the DMZ, drives simulated
internet clients through it, and says requirement by requirement whether the world behaves as the
IBCM documentation says. Verdicts rest on evidence from both sides: what the client got and what
the site system received.

Usage
  ibcm-lab run [options]      run the conformance checks (the main job)
  ibcm-lab selftest           prove the checks: reference proxies pass, every faulty proxy is caught
  ibcm-lab proxies            list the built-in proxies, reference and deliberately faulty
  ibcm-lab doctor             what this machine has: nginx, haproxy, squid, chromium, docker
  ibcm-lab requirements       list the requirement catalog (ID, strength, modes, coverage)
  ibcm-lab help [command]     this text, or a command's
  ibcm-lab --version

Exit codes: 0 every applicable required check passed · 1 a requirement failed · 2 could not run
(bad usage, bad topology, a lab that could not start). Run 'ibcm-lab help run' for the options.
`;

export const RUN_HELP = `ibcm-lab run — run the conformance checks against a proxy

Usage
  ibcm-lab run [--mode bridge|tunnel|forward|direct|all] [--proxy <name>] [--grep <regex>]
               [--topology <file|preset>] [--json <file>] [--junit <file>] [--report <dir>]
               [--bundle <file.tar.gz>] [--workers <n>]

Options
  --mode <mode>        bridge  the proxy terminates TLS, checks the client certificate and its CRL,
                               and opens its own mutual-TLS connection to the site system
                       tunnel  the proxy passes TLS through untouched and holds no certificate
                       forward a client-side web proxy: clients CONNECT through it to the site
                       direct  no proxy at all: the control that shows the lab itself is sound
                       all     every mode the proxy offers, plus direct (default: the topology's mode)
  --proxy <name>       the proxy under test (default: node): node, nginx, haproxy, squid, a faulty
                       proxy from 'ibcm-lab proxies', or exec:<command> — your own proxy, started with
                       IBCM_PROXY_CONTRACT pointing at the proxy contract (docs/proxy-contract.md)
  --grep <regex>       only requirements whose ID matches, e.g. PX-VERB, 'PKI|LOC', ^PX-HDR-MP-
  --topology <f>       a topology YAML file (a customer's names, PKI options, clients) or a preset name
                       (default: the 'default' preset). Errors name the field and line.
  --json <file>        write the results: run id, versions, topology digest, and per requirement and
                       mode the verdict, the reason and the evidence (client view, site-system journal,
                       proxy log)
  --junit <file>       write JUnit XML (Maven Surefire format, what CI servers read): one testcase per
                       requirement and mode, the ID first in its name, classname ibcm-lab.<mode>;
                       failures carry the reason, not-applicable and not-covered are skipped
  --report <dir>       write an HTML report to <dir>/index.html that opens from disk (nothing fetched):
                       the requirement × mode matrix, a picture of the topology, and per case the
                       reason, the client's view beside the site system's journal, the TLS facts of
                       each leg and the proxy's log
  --bundle <file>      write an evidence bundle (.tar.gz, top folder named with the run id): results,
                       JUnit, every lab's journals and lab facts, the proxy contract and configuration
                       with their SHA-256, certificates and CRLs (never a private key), the topology,
                       and the versions of the lab and of every binary used — enough to show a
                       customer and to run it again
  --workers <n>        parallel labs (default 3; each mode gets its own lab)

Environment
  IBCM_LAB_INDEX       pin the loopback block the labs use (127.<16+n>.0.0/16, one per worker)
  NO_COLOR             plain output: no colour, no spinner (also when stdout is not a terminal)
  IBCM_LAB_CHROMIUM    the Chromium the browser checks drive (default /usr/bin/chromium, Debian's
                       'chromium' package); without it APPCAT-BROWSER reports "could not run"

What it prints
  While each lab starts, one line per host (✔ and its start-up time, or ✘ and why; on a terminal a
  spinner names what is still starting); then one line per check as it finishes; at the end the
  table (requirement, mode, verdict, reason) and a summary line.

Reading a verdict
  ✔ passed          the requirement held, and the reason says what was seen on both sides
  ✘ failed          it did not; the reason names what broke (a header, a verb, a certificate)
  ! could not run   the lab or the check could not run: nothing was learnt about the proxy
  – not applicable  the requirement does not apply in that mode
  ? not covered     no check exists for that requirement yet — it is never counted as passed
  ≈ expected-failure  a reference proxy's recorded finding, with its reason (does not fail the run)
  ✘ unexpected-pass   a recorded finding that no longer holds: update the record (fails the run)

Examples
  npx ibcm-lab run --mode all --json out/results.json
  npx ibcm-lab run --mode all --report out/ --junit out/junit.xml --bundle out/evidence.tar.gz
  npx ibcm-lab run --mode bridge --grep PX-HDR
  npx ibcm-lab run --proxy nginx --mode all
  npx ibcm-lab run --proxy 'exec:sh examples/haproxy-tunnel.sh' --mode tunnel
  npx ibcm-lab run --proxy faulty-drop-ccmclientidsignature --mode bridge   # must fail
  npx ibcm-lab run --topology customer.yaml --mode tunnel
`;

export const SELFTEST_HELP = `ibcm-lab selftest — prove that the checks can tell a good proxy from a bad one

Runs every reference proxy (node, nginx, haproxy, squid — in each mode it offers) and every
deliberately faulty proxy against the whole catalog. A reference proxy must pass, except for the
findings recorded with a reason in its expectations; a faulty proxy must fail exactly the
requirements it is built to break. Prints one line per proxy and mode and the mutation score.

Usage
  ibcm-lab selftest [--proxies <regex>] [--workers <n>] [--json <file>]

Options
  --proxies <regex>    only proxies whose name matches, e.g. '^faulty-' or 'nginx|haproxy'
  --workers <n>        parallel labs (default 3)
  --json <file>        write the verdicts and the mutation score as JSON

Exit codes: 0 no deviation · 1 a reference proxy failed unexpectedly, or a faulty proxy was not
caught exactly · 2 could not run (a missing binary — 'ibcm-lab doctor' says what to install).
`;
