# Sourced by the benchmark scripts (the peers' environment and their
# shared inputs). The peer runs at its best: OpenBLAS
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

# write_uniform_batch FILE BATCH: a BATCH x 784 batch of uniform values in
# [0, 1) (seed 0), as a float32 .npy written without NumPy (a version 1.0
# header padded to a multiple of 64 bytes).
write_uniform_batch() {
  /usr/bin/python3 -c "
import random, struct
random.seed(0)
header = \"{'descr': '<f4', 'fortran_order': False, 'shape': ($2, 784), }\"
header += ' ' * ((64 - (10 + len(header) + 1) % 64) % 64) + '\\n'
with open('$1', 'wb') as f:
    f.write(b'\\x93NUMPY\\x01\\x00' + struct.pack('<H', len(header)) + header.encode())
    f.write(struct.pack('<%df' % ($2 * 784), *(random.random() for _ in range($2 * 784))))"
}

# print_machine REGEX: the CPU model, the core count and the CPU flags that
# match REGEX (an extended regular expression over single flag names).
print_machine() {
  local flags
  flags=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E "^($1)\$" | tr '\n' ' ')
  echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; CPU features: ${flags}"
}

# median_ms: the median milliseconds quantx-runner bench prints.
median_ms() { grep -o 'median-ms: [0-9.]*' | cut -d' ' -f2; }
