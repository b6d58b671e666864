# quantx: the two commands of the README, and the steps behind them.
#
#   make demo    install what is missing, build, run the demo
#   make check   install what is missing, build, run every test
#
# Every target installs its Debian packages first when they are missing
# (as root; otherwise it prints the apt-get line to run).

SHELL := /bin/bash
BUILD_DIR ?= build
BUILD_TYPE ?= Release
LLVM_PREFIX ?= /usr/lib/llvm-22
LIT ?= $(LLVM_PREFIX)/bin/lit
CLANG_FORMAT ?= clang-format-22

PACKAGES := llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 \
            lld-22 clang-format-22 libclang-rt-22-dev cmake ninja-build \
            libgtest-dev zlib1g-dev
# The oracles of the tests: PyTorch (test/Interop), with NumPy.
TEST_PACKAGES := python3-torch python3-numpy

CMAKE_FLAGS := -G Ninja \
  -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
  -DCMAKE_C_COMPILER=$(LLVM_PREFIX)/bin/clang \
  -DCMAKE_CXX_COMPILER=$(LLVM_PREFIX)/bin/clang++ \
  -DLLVM_USE_LINKER=lld \
  -DQUANTX_ENABLE_WERROR=ON \
  -DMLIR_DIR=$(LLVM_PREFIX)/lib/cmake/mlir \
  -DLLVM_EXTERNAL_LIT=$(LIT)

.PHONY: all deps configure build check demo format format-check layers-check \
        unittests \
        lit docs docs-check install-check fuzz bench bench-int8 bench-binary bench-bnn bench-train bench-qat bench-ptq datasets clean \
        check-sanitize test-deps

all: build

deps:
	@./.ci/install-deps.sh $(PACKAGES)

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	ninja -C $(BUILD_DIR)

# Formatting: one pinned formatter over every tracked C++ file.
CXX_SOURCES = $(shell git ls-files --cached --others --exclude-standard '*.cpp' '*.h' 2>/dev/null || \
                find include lib tools unittests -name '*.cpp' -o -name '*.h')

format: deps
	$(CLANG_FORMAT) -i $(CXX_SOURCES)

format-check: deps
	@$(CLANG_FORMAT) --dry-run -Werror $(CXX_SOURCES) && \
	  echo "format-check: $(words $(CXX_SOURCES)) files clean"

# The layers of docs/Architecture.md: no library includes a layer above it,
# and no pass asks the host CPU.
layers-check:
	@python3 .ci/check-layers.py

RESULTS := $(BUILD_DIR)/test-results

unittests: build
	@mkdir -p $(RESULTS); rm -f $(RESULTS)/unittests.log
	@set -eo pipefail; for t in $(BUILD_DIR)/unittests/*Tests; do \
	  echo "== $$t"; $$t --gtest_brief=1 | tee -a $(RESULTS)/unittests.log; \
	done

# QUANTX_VERIFY_ROUNDTRIP makes every quantx-opt call also check that its
# output parses back to the same IR.
lit: build
	@mkdir -p $(RESULTS)
	@set -o pipefail; QUANTX_VERIFY_ROUNDTRIP=1 $(LIT) -sv $(BUILD_DIR)/test \
	  | tee $(RESULTS)/lit.log

# The ODS-generated reference pages are kept in docs/; docs-check fails when
# they are stale.
GENERATED_DOCS := Dialects/QuantxDialect.md QuantxPasses.md QuantxConversionPasses.md \
                  QuantxAutodiffPasses.md QuantxCodeGenPasses.md

docs: configure
	ninja -C $(BUILD_DIR) quantx-doc
	@for f in $(GENERATED_DOCS); do \
	  mkdir -p docs/$$(dirname $$f); \
	  cp $(BUILD_DIR)/docs/$$f docs/$$f; done
	@echo "docs: regenerated $(GENERATED_DOCS)"

docs-check: configure
	ninja -C $(BUILD_DIR) quantx-doc
	@for f in $(GENERATED_DOCS); do \
	  cmp -s $(BUILD_DIR)/docs/$$f docs/$$f || { \
	    echo "docs/$$f is stale: run 'make docs'"; exit 1; }; done
	@missing=$$(comm -23 <(grep -oh '[a-z_]*_c[0-9][0-9]*' include/quantx/Dialect/Quantx/IR/*.td | sort -u) \
	                     <(grep -oh '[a-z_]*_c[0-9][0-9]*' docs/Spec.md | sort -u)); \
	  if [ -n "$$missing" ]; then echo "docs/Spec.md lacks constraints the ODS cites:" $$missing; exit 1; fi
	@echo "docs-check: generated docs are current; docs/Spec.md lists every constraint the ODS cites"

# Install into a scratch prefix and build a separate project against it with
# find_package(QuantX).
INSTALL_CHECK := $(BUILD_DIR)/install-check

install-check: build
	rm -rf $(INSTALL_CHECK)
	cmake --install $(BUILD_DIR) --prefix $(INSTALL_CHECK)/prefix >/dev/null
	cmake -S test/Install -B $(INSTALL_CHECK)/consumer -G Ninja \
	  -DCMAKE_PREFIX_PATH=$(abspath $(INSTALL_CHECK)/prefix) \
	  -DMLIR_DIR=$(LLVM_PREFIX)/lib/cmake/mlir \
	  -DCMAKE_CXX_COMPILER=$(LLVM_PREFIX)/bin/clang++ \
	  -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld >/dev/null
	ninja -C $(INSTALL_CHECK)/consumer >/dev/null
	$(INSTALL_CHECK)/consumer/quantx-consumer | tail -n 1

# Fuzz for a bounded time each: the .npy reader, the IR front end (parse,
# verify, round trip, fold) and the lowering pipelines, from the seed corpora
# in fuzz/*/corpus plus every `// -----` chunk of the lit tests. New inputs
# go to the build tree, not the repository. A finding fails the target and
# leaves its input as crash-* in the build tree.
FUZZ_SECONDS ?= 20
# A fixed seed keeps `make check` reproducible; FUZZ_SEED=0 draws one.
FUZZ_SEED ?= 1
FUZZ_DIR := $(BUILD_DIR)/fuzz-runs

define run-fuzzer
	@mkdir -p $(FUZZ_DIR)/$(1) && cd $(FUZZ_DIR) && \
	  $(abspath $(BUILD_DIR))/bin/quantx-$(1)-fuzzer $(1) $(2) \
	  -max_total_time=$(3) -seed=$(FUZZ_SEED) -rss_limit_mb=4096 -timeout=60 -print_final_stats=1 \
	  2>&1 | grep -E "^(Done|stat::number_of_executed_units)|ERROR|SUMMARY|mismatch|does not lower" ; \
	  test $${PIPESTATUS[0]} -eq 0 && echo "fuzz $(1): clean"
endef

fuzz: build
	@./.ci/fuzz-seeds.sh $(FUZZ_DIR)/text-seeds
	$(call run-fuzzer,npy,$(abspath fuzz/npy/corpus),$(FUZZ_SECONDS))
	$(call run-fuzzer,ir,$(abspath fuzz/ir/corpus) text-seeds,$(FUZZ_SECONDS))
	$(call run-fuzzer,pipeline,$(abspath fuzz/pipeline/corpus) text-seeds,$(FUZZ_SECONDS))

# Datasets from Debian packages: Fashion-MNIST (dataset-fashion-mnist) and
# the sklearn digits (extracted from the python3-sklearn package file).
datasets: deps
	@./.ci/install-deps.sh dataset-fashion-mnist
	@./.ci/fetch-digits.sh $(BUILD_DIR)/datasets

# The pre-release check: a second build with AddressSanitizer and
# UndefinedBehaviorSanitizer (quantx's code; MLIR's libraries and the
# JIT-compiled code are not instrumented), then the unit tests, the lit
# suite and the fuzzers on it. About 3x the time of `make check`.
SANITIZE_DIR ?= build-sanitize
# allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons its slabs when the
# inline code comes from an instrumented file (quantx's), but MLIR's
# uninstrumented library allocates from the same slabs without unpoisoning
# them, which ASan would report as use-after-poison.
SANITIZE_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1:allow_user_poisoning=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

check-sanitize: deps
	@test -f $(SANITIZE_DIR)/build.ninja || cmake -S . -B $(SANITIZE_DIR) \
	  $(CMAKE_FLAGS) -DLLVM_USE_SANITIZER="Address;Undefined" \
	  -DLLVM_UBSAN_FLAGS="-fsanitize=undefined -fno-sanitize=vptr,function -fno-sanitize-recover=all"
	ninja -C $(SANITIZE_DIR)
	@$(MAKE) --no-print-directory test-deps datasets BUILD_DIR=$(SANITIZE_DIR)
	@$(SANITIZE_ENV) $(MAKE) --no-print-directory unittests lit fuzz \
	  BUILD_DIR=$(SANITIZE_DIR)
	@./.ci/summarize-tests.sh $(SANITIZE_DIR)/test-results | sed 's/^check:/check-sanitize:/'

# The tests' oracles (PyTorch).
test-deps: deps
	@./.ci/install-deps.sh $(TEST_PACKAGES)

# Every stage in order, each with its time.
CHECK_STAGES := format-check layers-check build test-deps datasets unittests lit \
                docs-check install-check fuzz

check:
	@set -e; for stage in $(CHECK_STAGES); do start=$$(date +%s); \
	  $(MAKE) --no-print-directory $$stage; \
	  echo "stage $$stage: $$(( $$(date +%s) - start )) s"; done
	@./.ci/summarize-tests.sh $(RESULTS)

demo: build datasets
	@./examples/demo.sh $(BUILD_DIR)

# Side-by-side benchmarks, one thread each: GEMM (quantx, OpenBLAS, a plain
# loop), then inference of the Fashion-MNIST examples with a dynamic and a
# fixed batch beside PyTorch eager (optional peer: python3-torch), then the
# int8 benchmarks (bench-int8).
bench: deps datasets bench-int8
	@./.ci/install-deps.sh libopenblas-dev
	@-./.ci/install-deps.sh python3-torch
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS) >/dev/null
	ninja -C $(BUILD_DIR) quantx-bench-gemm quantx-runner
	$(BUILD_DIR)/bin/quantx-bench-gemm
	@./bench/infer/bench-infer.sh $(BUILD_DIR)

# Int8 inference (docs/Performance.md): the int8 GEMM beside oneDNN's
# u8s8s32 gemm (libdnnl-dev), OpenBLAS sgemm and a loop, every result
# checked; then the Fashion-MNIST MLP and BN CNN as quantx int8, int4
# weights and fp32 beside PyTorch's torch.ao int8 model (optional peer:
# python3-torch).
bench-int8: deps datasets
	@./.ci/install-deps.sh libopenblas-dev libdnnl-dev
	@-./.ci/install-deps.sh python3-torch
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS) >/dev/null
	ninja -C $(BUILD_DIR) quantx-bench-int8-gemm quantx-runner quantx-opt
	$(BUILD_DIR)/bin/quantx-bench-int8-gemm
	@./bench/infer/bench-int8.sh $(BUILD_DIR)

# The binary (XNOR-popcount) GEMM beside a hand-written AVX2 kernel,
# OpenBLAS sgemm on the same logical shape and a loop (docs/Binary.md).
bench-binary: deps
	@./.ci/install-deps.sh libopenblas-dev
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS) >/dev/null
	ninja -C $(BUILD_DIR) quantx-bench-binary-gemm
	$(BUILD_DIR)/bin/quantx-bench-binary-gemm

# The BNN CNN end to end beside its fp32 build and PyTorch's fp32 model
# (optional peer: python3-torch) (docs/Binary.md).
bench-bnn: build datasets
	@-./.ci/install-deps.sh python3-torch
	@./bench/binary/bench-bnn.sh $(BUILD_DIR)

# Training speed against PyTorch (optional peer: python3-torch).
bench-train: build datasets
	@-./.ci/install-deps.sh python3-torch
	@./bench/train/bench-train.sh $(BUILD_DIR) 3 mlp
	@./bench/train/bench-train.sh $(BUILD_DIR) 2 cnn

# Quantization-aware training against PyTorch's eager-mode QAT (optional
# peer: python3-torch): accuracy and seconds per epoch, fp32, W8A8, W4A4.
bench-qat: build datasets
	@-./.ci/install-deps.sh python3-torch
	@./bench/qat/bench-qat.sh $(BUILD_DIR) 5 3

# Post-training quantization of the example models: every calibration
# method and format, simulated and integer accuracy, model bytes
# (docs/PTQ.md).
bench-ptq: build datasets
	@./bench/ptq/ptq-table.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
