# Sourced by test scripts: free_port VAR sets VAR to a free loopback port.
# A random port that nothing answers on and that this shell has not handed out, below the kernel's
# ephemeral range: binding 0 would pick one inside it, where an outgoing connection of a concurrent
# test could take the port between this check and the bind. No subshell, so the ports handed out
# are remembered across calls.
free_port_taken=" "
free_port_low="$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)"
(( free_port_low > 21000 )) || free_port_low=60000

free_port() {
  # Not named like any caller's variable: printf -v must reach the caller's, not a local of this function.
  local free_port_candidate
  while :; do
    free_port_candidate=$((20000 + RANDOM % (free_port_low - 20000)))
    [[ "$free_port_taken" == *" $free_port_candidate "* ]] && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$free_port_candidate") 2>/dev/null && continue
    free_port_taken+="$free_port_candidate "
    printf -v "$1" '%s' "$free_port_candidate"
    return
  done
}
