# Shared by scripts/*.sh (sourced, not run): timing and quiet steps.

# now_ms prints the time in milliseconds (whole seconds where the shell
# has no EPOCHREALTIME, as macOS's bash 3.2).
now_ms() {
  if [ -n "${EPOCHREALTIME:-}" ]; then
    local t=${EPOCHREALTIME//[^0-9]/}
    echo $((10#$t / 1000))
  else
    echo $(($(date +%s) * 1000))
  fi
}

# duration MS prints "12.3 s" or "4 min 05 s".
duration() {
  local ms=$1
  if [ "$ms" -lt 60000 ]; then
    printf '%d.%d s' $((ms / 1000)) $((ms % 1000 / 100))
  else
    printf '%d min %02d s' $((ms / 60000)) $((ms % 60000 / 1000))
  fi
}

# quietly LOG CMD... runs CMD with its output in LOG; on failure it prints
# LOG and returns CMD's status.
quietly() {
  local log=$1 rc=0
  shift
  "$@" >"$log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo
    cat "$log"
  fi
  return "$rc"
}
