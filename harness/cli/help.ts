export const MAIN_HELP = `ibcm-lab — a conformance lab for Configuration Manager internet-based client management (IBCM)

It builds a small IBCM world — a CA with an HTTP CRL distribution point, split-horizon DNS, a
management point — puts the proxy under test between the internet and the DMZ, drives simulated
internet clients through it, and says requirement by requirement whether the world behaves as the
IBCM documentation says. Verdicts rest on evidence from both sides: what the client got and what
the site system received.

Usage
  ibcm-lab run [options]      run the conformance checks (the main job)
  ibcm-lab up [options]       keep one lab running for hands-on work; prints names, addresses, commands
  ibcm-lab worksheet          what to configure on an appliance the lab does not start (--listen, --mode)
  ibcm-lab down               take the running lab down (and what dead runs left in docker)
  ibcm-lab prune              remove old run folders under .ibcm-lab/runs (also done at each run)
  ibcm-lab selftest           prove the checks: reference proxies pass, every faulty proxy is caught
  ibcm-lab proxies            list the built-in proxies, reference and deliberately faulty
  ibcm-lab doctor             what this machine has: nginx, haproxy, squid, chromium, docker
  ibcm-lab doctor --install   install what npm test needs (Debian/Ubuntu, as root or with sudo -n)
  ibcm-lab doctor --proxy address:<file>   is an appliance wired as its worksheet says (one line each)
  ibcm-lab images <cmd>       build, list or prune the docker driver's images (no registry needed)
  ibcm-lab requirements       list the requirement catalog (ID, strength, modes, coverage)
  ibcm-lab help [command]     this text, or a command's
  ibcm-lab --version

Exit codes: 0 every applicable required check passed · 1 a requirement failed · 2 could not run
(bad usage, bad topology, a lab that could not start, an interrupted run). Run 'ibcm-lab help run'
for the options.
`;

export const RUN_HELP = `ibcm-lab run — run the conformance checks against a proxy

Usage
  ibcm-lab run [--mode bridge|tunnel|forward|direct|all] [--proxy <name>] [--grep <regex>]
               [--driver embedded|docker] [--topology <file|preset>] [--json <file>] [--junit <file>]
               [--report <dir>] [--bundle <file.tar.gz>] [--workers <n>]
               [--keep-runs <n>] [--keep-days <d>] [--keep-size <size>]

Options
  --driver <driver>    embedded (default) every host in this process tree on its own loopback
                               address — nothing but Node needed
                       docker  one container per host on internal docker networks (internet, dmz,
                               intranet) inside 198.18.0.0/15, the proxy multi-homed between them;
                               needs a Docker engine and 'ibcm-lab images build' first
  --mode <mode>        bridge  the proxy terminates TLS, checks the client certificate and its CRL,
                               and opens its own mutual-TLS connection to the site system
                       tunnel  the proxy passes TLS through untouched and holds no certificate
                       forward a client-side web proxy: clients CONNECT through it to the site
                       direct  no proxy at all: the control that shows the lab itself is sound
                       all     every mode the proxy offers, plus direct (default: the topology's mode)
  --proxy <name>       the proxy under test (default: node): node, nginx, haproxy, squid, a faulty
                       proxy from 'ibcm-lab proxies', exec:<command> — your own proxy, started with
                       IBCM_PROXY_CONTRACT pointing at the proxy contract (docs/proxy-contract.md) —
                       or image:<ref> with --driver docker — your proxy's container image, started
                       with the contract mounted at the path IBCM_PROXY_CONTRACT names — or
                       address:<file>, an appliance the lab does not start, configured from
                       'ibcm-lab worksheet' (the file says where it listens: docs/appliance.md)
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
  --workers <n>        parallel labs (default: one per mode up to two per core, at least 3)
  --keep-runs <n>      at the start, remove old run folders (.ibcm-lab/runs/<run-id>/) but the last n
                       runs (default 20, or IBCM_LAB_KEEP_RUNS) ...
  --keep-days <d>      ... and those younger than d days (default 7, or IBCM_LAB_KEEP_DAYS) ...
  --keep-size <size>   ... while all kept folders together stay within size (default 2G, or
                       IBCM_LAB_KEEP_SIZE; the last n runs are kept whatever their size); a folder
                       of a run that is still live is never removed. 'ibcm-lab prune' does it by hand.

Interrupting a run
  Ctrl-C (or SIGTERM, SIGHUP) stops the run: the checks under way are reported as could not run
  ("interrupted", never failed), the labs come down, the table lists what was not run, and the exit
  code is 2. If this process is killed outright, Playwright and its workers notice within a second
  and take their labs down by themselves.

Environment
  IBCM_LAB_INDEX       pin the loopback block the labs use (127.<16+n>.0.0/16, one per worker);
                       the docker driver takes free /24s of 198.19.0.0/16 by itself
  NO_COLOR             plain output: no colour, no spinner (also when stdout is not a terminal)
  IBCM_LAB_CHROMIUM    the Chromium the browser checks drive. Without it the first found of: a
                       Playwright-installed Chromium, the npm one (@sparticuz/chromium, Linux x64,
                       unpacked into .ibcm-lab/chromium/), the system's (chromium, chromium-browser,
                       google-chrome); none found: APPCAT-BROWSER reports "could not run"
  IBCM_LAB_CHROMIUM_SOURCE  env|playwright|npm|system: try that source alone (e.g. to test the
                       npm browser on a machine that also has Debian's)

What it prints
  While each lab starts, one line per host (✔ and its start-up time, or ✘ and why; on a terminal a
  spinner names what is still starting); then one line per check as it finishes; at the end the
  table (requirement, mode, verdict, reason) and a summary line.

Reading a verdict
  ✔ passed          the requirement held, and the reason says what was seen on both sides
  ✘ failed          it did not; the reason names what broke (a header, a verb, a certificate),
                    and [a-reason-code] names the assertion that failed
  ⊘ blocked         a prerequisite of the check failed (named: registration refused, no policy);
                    nothing was learnt about this requirement — not a pass, and it fails the run
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

Runs every reference proxy (node, nginx, haproxy, squid — in each mode it offers), every benign
proxy (different but correct: header names lower-cased, Via added, X-* response headers removed…),
every deliberately faulty proxy and every faulty world (the Node proxy in a world broken one way)
against the whole catalog.
  - A reference proxy must pass, except for the findings recorded with a reason in its expectations.
  - A benign proxy must pass every applicable check: a failure or a blocked check is a false failure.
  - A faulty proxy or world must fail exactly the requirements it is built to break, each with the
    reason code it names ('ibcm-lab proxies' and 'ibcm-lab requirements' list them). A target that
    fails with another code, or is only blocked by a failed prerequisite, is not caught. It runs
    those checks (and the collateral it declares); with --full it runs every check and must fail
    nothing else — the nightly form, about four times longer.
  - A hostile proxy (garbage status line, silence, a byte a second, an endless header, a reset
    mid-body, half a TLS handshake) must be contained: its few checks, each through the proxy, all
    end in time as failed or blocked with a reason naming what it did — none passes, none is an
    error or a timeout. It runs those checks, also with --full. Four of them also run as tunnels
    (garbage instead of TLS, silence after the ClientHello, the site system a byte a second, half a
    ServerHello); an endless header and a reset mid-body are bridges only.
  - Every requirement of the catalog must have at least one such negative control.
Prints one line per proxy and mode and the mutation score over exact kills.

Usage
  ibcm-lab selftest [--full] [--proxies <regex>] [--workers <n>] [--json <file>]

Options
  --proxies <regex>    only proxies whose name matches, e.g. '^faulty-' or 'nginx|haproxy'
  --full               every check against every faulty proxy and world, not only their targets
  --workers <n>        parallel labs (default: two per core, at least 3)
  --json <file>        write the verdicts and the mutation score as JSON
  --keep-runs <n>, --keep-days <d>   run-folder retention, as for 'ibcm-lab run'

Exit codes: 0 no deviation · 1 a reference or benign proxy failed or was blocked, a faulty proxy
was not caught exactly, a hostile proxy was not contained, or a requirement has no negative control · 2 could not run (a missing binary — 'ibcm-lab doctor' says what to install), or interrupted (Ctrl-C: the summary says how many checks did not run).
`;

export const IMAGES_HELP = `ibcm-lab images — the container images of the docker driver

Usage
  ibcm-lab images build [--rebuild] [--base debootstrap|<debian image>] [--verbose]
  ibcm-lab images list [--json]
  ibcm-lab images prune

  build    builds what is missing, in order: ibcm-lab/base (Debian bookworm with nginx, HAProxy,
           Squid, iproute2, CA certificates), ibcm-lab/node (this machine's node binary and the lab;
           runs any lab host), ibcm-lab/nginx, ibcm-lab/haproxy, ibcm-lab/squid (the reference proxies,
           'ibcm-lab proxy-serve' against a mounted proxy contract). Every tag is a content hash of the
           image's inputs, so an image whose inputs did not change is reused, not rebuilt. Every build
           after the base runs with --network none: nothing is downloaded.
  list     the images these sources need (built or not) and older lab images still on the engine
  prune    remove the older lab images (each change of the lab's sources makes a new node image),
           except those a container still uses

Options
  --rebuild            build every image again, even when one with the same inputs exists
  --base <source>      where the base comes from: debootstrap (default) makes it from Debian's archive
                       with images/base/bootstrap.sh and 'docker import' (needs root, debootstrap and
                       the archive, no registry); a Debian image ref such as debian:bookworm-slim builds
                       images/base/Dockerfile on it instead (a machine with Docker Hub; apt-get runs on a
                       build network inside 198.18.0.0/15, never the default bridge)
  --verbose            show the build output
  --json               list: the expected refs and the lab images present, as JSON

Needs a running Docker engine ('ibcm-lab doctor' says whether one answers). Without one, as root:
  dockerd --bridge=none --default-address-pool base=198.18.128.0/17,size=24 &
`;

export const PROXY_SERVE_HELP = `ibcm-lab proxy-serve — run a built-in proxy against a proxy contract, as its own program

The entry point of the lab's proxy images. It reads contract.json from IBCM_PROXY_CONTRACT (or
--contract), starts the named proxy with it, writes its logs into the contract's logs.dir, and stops
it cleanly on SIGTERM or SIGINT — the same contract a vendor's proxy follows (docs/proxy-contract.md).

Usage
  ibcm-lab proxy-serve [--proxy <name>] [--contract <contract.json>]

Options
  --proxy <name>       a name from 'ibcm-lab proxies' (default: IBCM_LAB_PROXY, which the nginx,
                       haproxy and squid images set)
  --contract <file>    the contract (default: IBCM_PROXY_CONTRACT)

Exit codes: 0 stopped by a signal · 1 the proxy did not start, or died · 2 bad usage or contract ·
3 the contract asks for a mode (or contract version) this proxy does not offer.
`;

export const UP_HELP = `ibcm-lab up — keep one lab running, for hands-on work

Usage
  ibcm-lab up [--driver embedded|docker] [--topology <file|preset>] [--mode bridge|tunnel|forward|direct]
              [--proxy <name>] [--listen <address>]
  ibcm-lab down

'up' starts the lab the topology describes (one mode: a lab has one proxy), prints every host with
its names and address, the DNS server of each segment, and commands to try as the internet client
(dig against the internet view; curl with the client's certificate for the MP list, through the
proxy), then stays in the foreground. Ctrl-C, or 'ibcm-lab down' from another terminal, takes it
down. With --listen <address> (an address of this machine) the lab waits for an appliance it does not
start: the site systems and the CDP also listen there for it, and the publishing worksheet is printed
(see 'ibcm-lab help worksheet'). On the docker driver 'down' also removes what runs whose process is gone left behind (every
container and network carries its owner's process id, start time and boot id), and names — without
touching them — the containers of runs that are still live (someone else's run on a shared engine).

Examples
  npx ibcm-lab up --mode bridge --proxy nginx
  npx ibcm-lab up --driver docker --topology customer.yaml
  npx ibcm-lab down
`;

export const WORKSHEET_HELP = `ibcm-lab worksheet — what to configure on an appliance the lab does not start

Usage
  ibcm-lab worksheet --listen <address> --mode bridge|tunnel [--topology <file|preset>]

An appliance (a hardware box, a virtual appliance, a cloud load balancer) is certified with
'ibcm-lab run --proxy address:<file>'. Before that it is configured by hand from this worksheet: per
public name the port to publish and the upstream (a site system on the --listen address, each on a
port of its own), the TLS rules of each leg (certificates to present, CA bundle, CRL URLs, EKU), the
PKCS#12 files and their password (printed once), the plain-HTTP listeners, where to send syslog, and
the address file to write afterwards (docs/appliance.md). The lab's CA keys and the appliance's
certificates are kept under .ibcm-lab/appliance/<address>-<mode>/, so every later run serves the same
ports and the same CAs. As root the upstreams use the real ports (443, 80); otherwise the topology's
port offset (20000). The worksheet is also written as worksheet.md in that folder.

Examples
  npx ibcm-lab worksheet --listen 127.0.0.2 --mode bridge
  npx ibcm-lab run --proxy address:appliance.yaml
`;

export const PRUNE_HELP = `ibcm-lab prune — remove old run folders

Every run writes its keys, certificates, contracts, journals and results under
.ibcm-lab/runs/<run-id>/. At the start of each run, and with this command, a folder is removed unless
it is one of the last n runs, younger than d days, or the folder of a run that is still live (its
owner.json names a process that still exists, with the same start time).

Usage
  ibcm-lab prune [--keep-runs <n>] [--keep-days <d>] [--keep-size <size>] [--dry-run] [--json]

Options
  --keep-runs <n>      keep the last n runs (default 20, or IBCM_LAB_KEEP_RUNS)
  --keep-days <d>      keep runs younger than d days (default 7, or IBCM_LAB_KEEP_DAYS); 0 for none
  --keep-size <size>   ... only while all kept folders stay within size (default 2G, or IBCM_LAB_KEEP_SIZE;
                       K, M, G, T are powers of 1024; the last n runs are kept whatever their size)
  --dry-run            only list what would be removed, with each folder's size
  --json               the same as JSON (removed, kept and why, bytes)
`;
