# -*- Python -*-
# lit configuration of the quantx test suite.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "QUANTX"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.quantx_obj_root, "test")
config.excludes = [
    "CMakeLists.txt", "README.md", "lit.cfg.py", "lit.site.cfg.py", "Inputs",
    "reference",
]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%shlibext", config.llvm_shlib_ext))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

# QUANTX_VERIFY_ROUNDTRIP=1 makes every quantx-opt call check that its output
# parses back to the same IR, in text and in bytecode.
quantx_opt_args = []
if os.environ.get("QUANTX_VERIFY_ROUNDTRIP", "0") not in ("", "0"):
    quantx_opt_args.append("--verify-roundtrip")

llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
tool_dirs = [config.quantx_tools_dir, config.llvm_tools_dir]
tools = [
    ToolSubst("quantx-opt", extra_args=quantx_opt_args, unresolved="fatal"),
    ToolSubst("quantx-runner", unresolved="fatal"),
    ToolSubst("quantx-sawb-fit", unresolved="fatal"),
    ToolSubst("mlir-translate", unresolved="fatal"),
    ToolSubst("llc", unresolved="fatal"),
]

# JIT execution of lowered code: upstream mlir-runner and its runtime
# libraries (feature `quantx-jit`).
runner_libs = {
    "%mlir_runner_utils": "libmlir_runner_utils",
    "%mlir_c_runner_utils": "libmlir_c_runner_utils",
}
runner = os.path.join(config.llvm_tools_dir, "mlir-runner")
if os.path.exists(runner) and all(
    os.path.exists(os.path.join(config.llvm_lib_dir, lib + config.llvm_shlib_ext))
    for lib in runner_libs.values()
):
    config.available_features.add("quantx-jit")
    tools.append(ToolSubst("mlir-runner", unresolved="fatal"))
    for name, lib in runner_libs.items():
        config.substitutions.append(
            (name, os.path.join(config.llvm_lib_dir, lib + config.llvm_shlib_ext))
        )

# Instruction-set features of this machine, for codegen checks.
try:
    with open("/proc/cpuinfo") as cpuinfo:
        flags = next(
            (line.split(":", 1)[1].split() for line in cpuinfo if line.startswith("flags")),
            [],
        )
    for isa in ("avx2", "fma", "avx512f", "f16c", "avx512_vnni", "avx_vnni"):
        if isa in flags:
            config.available_features.add("cpu-" + isa)
except OSError:
    pass

# PyTorch as an oracle (feature `torch`): Debian's python3-torch runs under
# the system interpreter. `make check` installs it; under CI (CI set in the
# environment) a missing oracle stops the run instead of skipping its tests.
torch_python = "/usr/bin/python3"
import subprocess

if os.path.exists(torch_python) and subprocess.call(
    [torch_python, "-c", "import torch"],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0:
    config.available_features.add("torch")
    config.substitutions.append(("%torch_python", torch_python))
elif os.environ.get("CI", "") not in ("", "0", "false"):
    lit_config.fatal("python3-torch (the PyTorch oracle of test/Interop) is "
                     "missing under CI; install it (make check does)")

# Offline datasets (make datasets): features `dataset-digits`,
# `dataset-fashion-mnist`.
if os.path.exists(os.path.join(config.quantx_obj_root, "datasets", "digits.csv.gz")):
    config.available_features.add("dataset-digits")
if os.path.isdir("/usr/share/datasets/fashion-mnist"):
    config.available_features.add("dataset-fashion-mnist")
config.substitutions.append(
    ("%examples", os.path.join(os.path.dirname(config.test_source_root), "examples"))
)

llvm_config.add_tool_substitutions(tools, tool_dirs)
