# Sourced by the shell suites: TAP-like checks and the summary line.
#   check NAME EXPECTED ACTUAL    ok - NAME, or not ok - NAME with both values
#   json_field EXPR <doc.json     a field of a JSON document (j.EXPR, in node)
#   end_checks                    prints "N passed, N failed"; fails if any did
#   scratch_databases NAMES...    (re)creates the databases now and, with the
#                                 directory $work, removes them on exit
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/    /'; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected [$2]"$'\n'"got      [$3]"; fi; }
json_field() { node -e 'let d="";process.stdin.on("data",c=>d+=c).on("end",()=>{const j=JSON.parse(d);console.log(eval("j."+process.argv[1]))})' "$1"; }
end_checks() {
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ]
}
scratch_databases() {
  scratch_names="$*"
  local db
  for db in $scratch_names; do
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
  done
  trap 'for db in $scratch_names; do psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1; done; rm -rf "$work"' EXIT
}
