# The log checks and the figures of the clmnist GPU check kit, sourced by run.sh (which defines
# out, scratch and reference): each compare_* prints what it found, its last line the step's note,
# and returns 1 where the log differs from the published one.

# The published lines a log must hold: epoch and result lines, in order.
epoch_lines() { grep -E '^ *epoch|^Optimization' "$1"; }

# speed LOG: the run's speed line ("74 epochs, with 1234.5 epochs/sec"), for the check's note.
speed() { sed -n 's/^The code run for \(.*\)$/; \1/p' "$1"; }

# first_epochs N: the lines of epochs 1 to N (no result line: a run cut short has its own).
first_epochs() {
  awk -v n="$1" 'match($0, /epoch [0-9]+,/) { if (substr($0, RSTART + 6, RLENGTH - 7) + 0 <= n) print }'
}

# first_difference WANT GOT: the first line where two files differ, for a step's note.
first_difference() {
  awk 'NR == FNR { want[FNR] = $0; n = FNR; next } { got[FNR] = $0; m = FNR }
    END {
      for (i = 1; i <= (n > m ? n : m); i++) {
        if (want[i] != got[i]) {
          printf "first difference at line %d: want \"%s\", got \"%s\"\n", i,
            (i <= n ? want[i] : "(nothing)"), (i <= m ? got[i] : "(nothing)")
          exit
        }
      }
    }' "$1" "$2"
}

# compare_logreg LOG [EPOCHS]: LOG's epoch lines against the published Theano log (its first EPOCHS
# epochs only when EPOCHS is given).
compare_logreg() {
  local log=$1 epochs=${2:-}
  [ -s "$log" ] || { echo "no $log: the run did not happen" && return 1; }
  if [ -n "$epochs" ]; then
    epoch_lines "$reference" | first_epochs "$epochs" >"$scratch/want.txt"
    epoch_lines "$log" | first_epochs "$epochs" >"$scratch/got.txt"
  else
    epoch_lines "$reference" >"$scratch/want.txt"
    epoch_lines "$log" >"$scratch/got.txt"
  fi
  if diff -u "$scratch/want.txt" "$scratch/got.txt"; then
    echo "the $(wc -l <"$scratch/want.txt") epoch/result lines match reference/theano-logreg.log$(speed "$log")"
  else
    echo "differs from reference/theano-logreg.log (diff above); $(first_difference \
      "$scratch/want.txt" "$scratch/got.txt")"
    return 1
  fi
}

# compare_mlp LOG: mlp.py's published first three epochs (floatX=float32) and the result line.
compare_mlp() {
  local e v t
  [ -s "$1" ] || { echo "no $1: the run did not happen" && return 1; }
  : >"$scratch/want.txt"
  for e in "1 9.620000 10.090000" "2 8.610000 8.740000" "3 8.000000 8.160000"; do
    read -r e v t <<<"$e"
    printf 'epoch %s, minibatch 2500/2500, validation error %s %%\n' "$e" "$v" >>"$scratch/want.txt"
    printf '     epoch %s, minibatch 2500/2500, test error of best model %s %%\n' "$e" "$t" \
      >>"$scratch/want.txt"
  done
  echo "Optimization complete. Best validation score of 8.000000 % obtained at iteration 7500," \
    "with test performance 8.160000 %" >>"$scratch/want.txt"
  epoch_lines "$1" >"$scratch/got.txt"
  if diff -u "$scratch/want.txt" "$scratch/got.txt"; then
    echo "the 3 epochs match mlp.py's published lines$(speed "$1")"
  else
    echo "differs from mlp.py's published lines (diff above); $(first_difference \
      "$scratch/want.txt" "$scratch/got.txt")"
    return 1
  fi
}

# compare_lenet LOG: epochs 1-3 of convolutional_mlp.py's log (Theano 0.8.2, float32), each figure
# within two images (0.02 %): max-pool ties and vendor exp/log may move a row near a tie.
compare_lenet() {
  [ -s "$1" ] || { echo "no $1: the run did not happen" && return 1; }
  epoch_lines "$1" | awk -v speed="$(speed "$1")" '
    BEGIN { split("9.23 6.17 4.64", v); split("9.54 6.48 4.84", t) }
    /validation error/ { e = $2 + 0; got = $(NF - 1); want = v[e]; kind = "validation" }
    /test error of best model/ { e = $2 + 0; got = $(NF - 1); want = t[e]; kind = "test" }
    /validation error|test error of best model/ && e >= 1 && e <= 3 {
      n++; d = got - want; if (d < 0) d = -d
      off = d > 0.0201
      printf "epoch %d %s error %s %% (Theano %.2f %%)%s\n", e, kind, got, want,
        off ? ": more than two images off" : ""
      bad += off
    }
    END {
      if (n != 6) { print "expected the 6 lines of epochs 1-3, found " n; exit 1 }
      if (bad) { print bad " figures more than two images from convolutional_mlp.py'"'"'s log"; exit 1 }
      print "epochs 1-3 within two images of convolutional_mlp.py'"'"'s log" speed
    }'
}

# figures: what a person reads first, from the logs of the steps that ran.
figures() {
  local f b
  echo "# figures"
  echo "## training speed, no model saves (The code run for ...)"
  for f in logreg-gpu logreg-auto mlp lenet; do
    if [ -s "$out/$f.log" ]; then echo "$f: $(sed -n 's/^The code run for //p' "$out/$f.log")"; fi
  done
  for b in bench-theano bench-mlp bench-lenet; do
    [ -s "$out/$b.log" ] || continue
    echo "## $b: per family (us a step), per kernel (us a call), launches, registers"
    grep -E '^device |^[^ ].*\[[^]]*\] +(ok|FAILED) ' "$out/$b.log"
    grep -E '^    [a-z+]+ +[0-9.]+ us/iter|^    [a-z+]+ FAILED|^    [A-Za-z_0-9]+ +[0-9]+ calls' \
      "$out/$b.log"
    grep -E 'launch-latency floor|^  ceilings:|^  kernels: |Used [0-9]+ registers|spill' \
      "$out/$b.log" | head -n 60
  done
}
