#!/usr/bin/env bash
# Puts digits.csv.gz (the 8x8 digits that Debian's python3-sklearn ships) into
# the directory given as argument, from the package file itself: the package
# is downloaded with apt and unpacked, not installed (no dependencies).
set -euo pipefail
mkdir -p "$1"
dest=$(cd "$1" && pwd)
[[ -f $dest/digits.csv.gz ]] && exit 0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
if ! apt-get download python3-sklearn >/dev/null 2>&1; then
  apt-get update -q >/dev/null
  apt-get download python3-sklearn
fi
dpkg-deb -x python3-sklearn_*.deb unpacked
cp unpacked/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz \
  "$dest/digits.csv.gz"
echo "datasets: digits.csv.gz from $(ls python3-sklearn_*.deb)"
