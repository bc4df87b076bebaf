#!/bin/sh
# usage: tests/wasi/run.sh BUILD_DIR        (POSIX sh: scripts/test.sh runs it with sh)
#
# Runs each C test program three ways and checks that they agree exactly
# (stdout and exit status): under BUILD_DIR/src/cli/teanode wasm run, under
# Node's node:wasi (node_wasi.mjs; skipped when node is missing), and as a
# native binary. Then checks teanode's own command-line behaviour (--invoke,
# traps, proc_exit, --fuel, validate, --help) on small text-format modules.
#
# Programs come from BUILD_DIR/tests/wasi (NAME.wasm and NAME_native, made by
# meson) or, when missing, are compiled here with clang --target=wasm32-wasi
# and cc. Prints TAP: "ok N - name" / "not ok N - name", diagnostics as "# ...".
set -u
if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build=$(cd "$1" && pwd) || exit 2
here=$(cd "$(dirname "$0")" && pwd)
teanode=$build/src/cli/teanode
work=$(mktemp -d "${TMPDIR:-/tmp}/tea-wasi.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT PIPE TERM # so EXIT's clean-up runs then too

programs="hello checksum files args_env"
cli_tests="cli_invoke cli_float cli_exit cli_trap cli_fuel cli_validate cli_help"
set -- $programs $cli_tests
echo "1..$#"
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
not_ok() { # name diagnostics...
  n=$((n + 1)); failed=$((failed + 1))
  echo "not ok $n - $1"
  shift
  for line in "$@"; do printf '%s\n' "$line" | sed 's/^/# /'; done
}
have() { command -v "$1" >/dev/null 2>&1; }

# NAME.wasm and the native NAME: meson's, or compiled now.
wasm_of() {
  if [ -f "$build/tests/wasi/$1.wasm" ]; then
    echo "$build/tests/wasi/$1.wasm"
  elif have clang && clang --target=wasm32-wasi -O2 -o "$work/$1.wasm" "$here/$1.c" 2>"$work/$1.wasm.err"; then
    echo "$work/$1.wasm"
  fi
}
native_of() {
  if [ -x "$build/tests/wasi/$1_native" ]; then
    echo "$build/tests/wasi/$1_native"
  elif cc -O2 -ffp-contract=off -o "$work/$1_native" "$here/$1.c" -lm 2>"$work/$1.native.err"; then
    echo "$work/$1_native"
  fi
}

# A WASI runner with teanode's command line: teanode itself or node_wasi.mjs.
wasi() { # runner options... MODULE args...
  runner=$1
  shift
  if [ "$runner" = teanode ]; then "$teanode" wasm run "$@"
  else node --no-warnings "$here/node_wasi.mjs" "$@"; fi
}

# Runs program $2 under runner $1; stdout and then the exit status into $5.
# The files test gets a fresh directory per runner (/sandbox for WASI).
run_prog() { # runner name wasm native outfile
  r=$1 name=$2 wasm=$3 native=$4 out=$5
  case $name in
    files)
      dir=$(mktemp -d "$work/files-$r.XXXXXX")
      if [ "$r" = native ]; then "$native" "$dir"
      else wasi "$r" --dir "$dir::/sandbox" "$wasm" /sandbox; fi ;;
    args_env)
      if [ "$r" = native ]; then
        env -i A=1 "TEA_GREETING=hello world" EMPTY= "$native" x "y z" "" --flag=1
      else
        wasi "$r" --env A=1 --env "TEA_GREETING=hello world" --env EMPTY= "$wasm" x "y z" "" --flag=1
      fi ;;
    *)
      if [ "$r" = native ]; then "$native"; else wasi "$r" "$wasm"; fi ;;
  esac >"$out" 2>"$out.err"
  echo "exit status $?" >>"$out"
}

if [ ! -x "$teanode" ]; then
  for t in $programs $cli_tests; do not_ok "$t" "no $teanode"; done
  echo "# $failed failed"
  exit 1
fi

runners="teanode"
if have node; then runners="teanode node"; else echo "# node not found: comparing teanode with native only"; fi
for name in $programs; do
  wasm=$(wasm_of "$name")
  native=$(native_of "$name")
  if [ -z "$wasm" ] || [ -z "$native" ]; then
    if have clang; then not_ok "$name" "could not build $name:" "$(cat "$work/$name".*.err 2>/dev/null)"
    else skip "$name" "no clang for wasm32-wasi"; fi
    continue
  fi
  run_prog native "$name" "$wasm" "$native" "$work/$name.native.out"
  bad=""
  for r in $runners; do
    run_prog "$r" "$name" "$wasm" "$native" "$work/$name.$r.out"
    if ! cmp -s "$work/$name.native.out" "$work/$name.$r.out"; then
      bad="$bad$r differs from native (< native, > $r):
$(diff "$work/$name.native.out" "$work/$name.$r.out" | head -20)
$r stderr: $(head -5 "$work/$name.$r.out.err")
"
    fi
  done
  if [ -z "$bad" ]; then ok "$name ($runners native)"; else not_ok "$name" "$bad"; fi
done

# ---- teanode's command line -------------------------------------------------
wat() { # NAME -> NAME.wasm built from NAME.wat, or nothing
  if have wat2wasm && wat2wasm "$here/$1.wat" -o "$work/$1.wasm" 2>/dev/null; then echo "$work/$1.wasm"; fi
}
expect() { # name want-stdout want-status want-stderr-prefix -- command...
  name=$1 want_out=$2 want_rc=$3 want_err=$4
  shift 5
  got_out=$("$@" 2>"$work/err")
  got_rc=$?
  got_err=$(cat "$work/err")
  case $got_err in
    "$want_err"*) err_ok=1 ;;
    *) err_ok=0 ;;
  esac
  if [ "$got_out" = "$want_out" ] && [ "$got_rc" = "$want_rc" ] && [ $err_ok = 1 ]; then
    ok "$name"
  else
    not_ok "$name" "command: $*" "want status $want_rc, stdout:" "$want_out" \
      "got status $got_rc, stdout:" "$got_out" "stderr: $got_err"
  fi
}

cli=$(wat cli) exitm=$(wat exit) trapm=$(wat trap)
if [ -z "$cli" ] || [ -z "$exitm" ] || [ -z "$trapm" ]; then
  for t in $cli_tests; do skip "$t" "no wat2wasm"; done
else
  t=$teanode
  expect cli_invoke "$(printf '42\n-5\n-1')" 0 "" -- sh -c \
    "'$t' wasm run --invoke add '$cli' 40 2 && '$t' wasm run --invoke neg64 '$cli' 5 &&
     '$t' wasm run --invoke add '$cli' 0xffffffff 0"
  expect cli_float "$(printf '0.1\n-1\n9007199254740993\n1.5\n1000000000000000000000')" 0 "" -- \
    sh -c "'$t' wasm run --invoke tenth '$cli' && '$t' wasm run --invoke multi '$cli' 1.5"
  expect cli_exit "bye" 7 "" -- "$t" wasm run "$exitm"
  expect cli_trap "before" 134 "error: wasm trap: " -- "$t" wasm run "$trapm"
  expect cli_fuel "" 134 "error: wasm trap: out of fuel" -- \
    "$t" wasm run --fuel 100000 --invoke spin "$cli"
  printf 'not wasm' >"$work/bad.wasm"
  expect cli_validate "valid" 1 "error: " -- \
    sh -c "'$t' wasm validate '$cli' && '$t' wasm validate '$work/bad.wasm'"
  expect cli_help "" 0 "" -- sh -c \
    "'$t' --version | grep -q '^teanode [0-9]' && '$t' --help >/dev/null &&
     '$t' wasm --help >/dev/null && '$t' wasm run --help >/dev/null &&
     '$t' wasm validate --help >/dev/null && ! '$t' nosuch 2>/dev/null"
fi

# Start-up cost, for the record (not a pass/fail check): hello world, best of 20.
wasm=$(wasm_of hello)
if [ -n "$wasm" ] && date +%s%N | grep -qv N; then
  best=""
  for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    t0=$(date +%s%N); "$teanode" wasm run "$wasm" >/dev/null; t1=$(date +%s%N)
    d=$(( (t1 - t0) / 1000 ))
    if [ -z "$best" ] || [ "$d" -lt "$best" ]; then best=$d; fi
  done
  echo "# hello world under teanode: best of 20 runs ${best} us (process start to exit, incl. fork/exec)"
fi
echo "# $failed failed"
[ "$failed" -eq 0 ]
