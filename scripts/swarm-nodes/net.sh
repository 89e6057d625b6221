# shellcheck shell=bash
# The rehearsal's machines and wires (sourced by scripts/swarm-nodes.sh).
#
# Every node is a network namespace with two links, as a droplet has: one on
# the private network (bridge "priv", PRIVATE_CIDR) and one on the public
# network (bridge "pub"). Both bridges live in a namespace of their own
# ("switch"), so the host's own network and firewall are never touched; the
# "outside" namespace is a client on the public network only, like anyone on
# the internet. Nodes have no route to anywhere else.

NS_PREFIX=${NS_PREFIX:-mtn}
NODES=(manager worker1 worker2)
PRIVATE_CIDR=10.77.0.0/24
PUBLIC_CIDR=10.78.0.0/24
declare -A PRIVATE_ADDRS=([manager]=10.77.0.11 [worker1]=10.77.0.12 [worker2]=10.77.0.13)
declare -A PUBLIC_ADDRS=([manager]=10.78.0.11 [worker1]=10.78.0.12 [worker2]=10.78.0.13 [outside]=10.78.0.100)
# The labels stack/minitwit.yml places by: the database on the manager, the
# gateway (80/443) on worker2. worker1 carries only replicas: it is the one
# the drain drill empties.
# shellcheck disable=SC2034 # read by scripts/swarm-nodes.sh
declare -A LABELS_OF=([manager]="minitwit.db=true" [worker1]="" [worker2]="minitwit.edge=true")

ns() { echo "$NS_PREFIX-$1"; }
in_ns() {
  local n
  n=$(ns "$1")
  shift
  ip netns exec "$n" "$@"
}

# net_up makes the namespaces, the two bridges and a link per node and
# network; it leaves what already exists.
net_up() {
  local sw node short
  sw=$(ns switch)
  ip netns list | grep -qw "$sw" || ip netns add "$sw"
  in_ns switch ip link set lo up
  for br in priv pub; do
    in_ns switch ip link show "$br" >/dev/null 2>&1 || in_ns switch ip link add "$br" type bridge
    in_ns switch ip link set "$br" up
  done
  for node in "${NODES[@]}" outside; do
    ip netns list | grep -qw "$(ns "$node")" || ip netns add "$(ns "$node")"
    in_ns "$node" ip link set lo up
    short=${node:0:1}${node: -1}
    if [[ $node != outside ]] && ! in_ns "$node" ip link show priv0 >/dev/null 2>&1; then
      ip link add priv0 netns "$(ns "$node")" type veth peer name "$short-priv" netns "$sw"
      in_ns switch ip link set "$short-priv" master priv up
      in_ns "$node" ip addr add "${PRIVATE_ADDRS[$node]}/${PRIVATE_CIDR#*/}" dev priv0
      in_ns "$node" ip link set priv0 up
    fi
    if ! in_ns "$node" ip link show pub0 >/dev/null 2>&1; then
      ip link add pub0 netns "$(ns "$node")" type veth peer name "$short-pub" netns "$sw"
      in_ns switch ip link set "$short-pub" master pub up
      in_ns "$node" ip addr add "${PUBLIC_ADDRS[$node]}/${PUBLIC_CIDR#*/}" dev pub0
      in_ns "$node" ip link set pub0 up
    fi
  done
}

# net_down deletes every namespace of the rehearsal (their links, routes,
# nft tables and Docker's iptables rules go with them).
net_down() {
  local n
  for n in $(ip netns list | awk '{print $1}' | grep -E "^$NS_PREFIX-(manager|worker1|worker2|outside|switch)$" || true); do
    ip netns delete "$n" 2>/dev/null || true
  done
}
