#!/bin/sh
# A tunnel-mode proxy for ibcm-lab, written from docs/proxy-contract.md alone: HAProxy in TCP mode,
# one frontend per listener in the contract, every byte passed through untouched (TLS included).
#
#   npx ibcm-lab run --mode tunnel --proxy 'exec:sh examples/haproxy-tunnel.sh'
#
# Needs haproxy (Debian: apt-get install -y haproxy) and python3 (to read the JSON contract).
# Exit status 3: the contract asks for something this script does not do (another mode, a
# contract version it does not know).
set -eu

contract=${IBCM_PROXY_CONTRACT:?IBCM_PROXY_CONTRACT is not set: ibcm-lab sets it to the path of contract.json}
haproxy=$(command -v haproxy || echo /usr/sbin/haproxy)
if [ ! -x "$haproxy" ]; then
  echo "haproxy-tunnel: haproxy not found (apt-get install -y haproxy)" >&2
  exit 3
fi

# Write the HAProxy configuration into the logs directory (the one place the contract lets a
# proxy write; it is kept as evidence) and print its path.
cfg=$(python3 - "$contract" <<'PY'
import json, os, sys

with open(sys.argv[1]) as f:
    c = json.load(f)

version = str(c.get("contractVersion", ""))
if version.split(".")[0] != "1":
    print(f"haproxy-tunnel: contract version {version!r} is not 1.x; this script knows 1.x only", file=sys.stderr)
    sys.exit(3)
mode = c.get("mode")
if mode != "tunnel":
    why = {
        "bridge": "bridge mode needs TLS termination with client-certificate and CRL checks and a new TLS connection upstream; this script only passes TCP through",
        "forward": "forward mode needs an HTTP CONNECT proxy; this script only publishes listeners",
    }.get(mode, "it is not a mode this script knows")
    print(f"haproxy-tunnel: the contract asks for {mode!r} mode: {why}. Only tunnel mode is supported.", file=sys.stderr)
    sys.exit(3)
listeners = c.get("listeners") or []
if not listeners:
    print("haproxy-tunnel: the contract has no listeners", file=sys.stderr)
    sys.exit(3)

logs = c["logs"]["dir"]
egress = c["egress"]["host"]
def addr(host, port):
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

out = [
    "# written by examples/haproxy-tunnel.sh from " + sys.argv[1],
    "global",
    "  log stdout format raw local0 info",
    "  noreuseport",
    "defaults",
    "  mode tcp",
    "  log global",
    "  option tcplog",
    "  option logasap",  # one line per connection as soon as it is made (tunnels can outlive the run)
    "  timeout connect 10s",
    "  timeout client 1h",
    "  timeout server 1h",
]
for i, l in enumerate(listeners):
    b, u = l["bind"], l["upstream"]
    out += [
        f"# {l['name']}: {l['publicName']} ({l['scheme']}) -> {u['host']}:{u['port']}",
        f"listen tunnel_{i}",
        f"  bind {addr(b['host'], b['port'])}",
        f"  server upstream {addr(u['host'], u['port'])} source {egress}",
    ]
path = os.path.join(logs, "haproxy-tunnel.cfg")
with open(path, "w") as f:
    f.write("\n".join(out) + "\n")
print(path)
PY
) || exit $?

"$haproxy" -c -f "$cfg" >/dev/null || { echo "haproxy-tunnel: haproxy rejected $cfg" >&2; exit 3; }
# exec: HAProxy replaces this shell, so the lab's SIGTERM to the process group reaches it directly.
exec "$haproxy" -db -f "$cfg"
