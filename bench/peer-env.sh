# Sourced by the benchmark scripts. The peer runs at its best: OpenBLAS
# (which PyTorch's CPU kernels call) reads tuning variables such as
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE from the environment, and a stale
# setting can halve its speed. `peer` runs a command with every OPENBLAS_*
# variable removed (QUANTX_BENCH_PEER_ENV=keep keeps them) and with one
# thread: PyTorch's set_num_threads(1) does not reach the BLAS it loads,
# which otherwise runs on every core. `peer_env_note` says what was removed.
peer_unset=()
peer_removed=""
if [ "${QUANTX_BENCH_PEER_ENV:-}" != keep ]; then
  while IFS= read -r name; do
    [ -n "$name" ] || continue
    peer_unset+=(-u "$name")
    peer_removed+=" $name=${!name}"
  done < <(env | grep -o '^OPENBLAS_[A-Za-z0-9_]*' || true)
fi

peer() {
  env "${peer_unset[@]}" OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
    MKL_NUM_THREADS=1 "$@"
}

peer_env_note() {
  if [ -n "$peer_removed" ]; then
    echo "peer environment: ignored$peer_removed (QUANTX_BENCH_PEER_ENV=keep keeps it)"
  fi
}
