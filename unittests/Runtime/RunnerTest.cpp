//===- RunnerTest.cpp - calling compiled entries
//---------------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The runner's calling contract: the compiled code never writes into the
// caller's buffers (even where the function inserts into an argument), and
// every returned buffer is the caller's own, including a returned argument
// or constant. call() and callInPlace() give the same values; callInPlace()
// checks its inputs like call(). Buffers handed to compiled code start on
// a cache line.
//
//===----------------------------------------------------------------------===//

#include "quantx/Runtime/Runner.h"
#include "quantx/Runtime/Memory.h"

#include "llvm/Support/TargetSelect.h"
#include "gtest/gtest.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <string>

using namespace mlir;
using namespace ::quantx::runtime;

namespace {

const char *kSource = R"mlir(
func.func @identity(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  return %x : tensor<?x3xf32>
}
func.func @constant() -> tensor<2xf32> {
  %c = arith.constant dense<[1.5, -2.0]> : tensor<2xf32>
  return %c : tensor<2xf32>
}
func.func @overwrite(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %v = arith.constant 9.0 : f32
  %i = arith.constant 1 : index
  %y = tensor.insert %v into %x[%i] : tensor<4xf32>
  return %y, %x : tensor<4xf32>, tensor<4xf32>
}
func.func @same_twice(%x: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>,
                                            tensor<3xf32>, tensor<3xf32>) {
  %r = arith.addf %x, %x : tensor<3xf32>
  return %r, %r, %x, %x : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>,
                          tensor<3xf32>
}
func.func @transpose(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %e = tensor.empty() : tensor<3x2xf32>
  %t = linalg.transpose ins(%x : tensor<2x3xf32>) outs(%e : tensor<3x2xf32>)
      permutation = [1, 0]
  return %t : tensor<3x2xf32>
}
func.func @scale(%x: tensor<3xf32>, %s: f32) -> (tensor<3xf32>, f32) {
  %e = tensor.empty() : tensor<3xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>,
                                        affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      ins(%x : tensor<3xf32>) outs(%e : tensor<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %s : f32
    linalg.yield %m : f32
  } -> tensor<3xf32>
  %t = arith.addf %s, %s : f32
  return %r, %t : tensor<3xf32>, f32
}
)mlir";

class RunnerTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  }

  void SetUp() override {
    auto compiled =
        CompiledModule::compileSource(kSource,
                                      {"identity", "constant", "overwrite",
                                       "same_twice", "transpose", "scale"},
                                      RunnerOptions());
    ASSERT_TRUE(static_cast<bool>(compiled))
        << llvm::toString(compiled.takeError());
    code = std::move(*compiled);
  }

  std::unique_ptr<CompiledModule> code;
};

NpyArray makeF32(std::vector<int64_t> shape, std::vector<float> values) {
  NpyArray array;
  array.dtype = DType::F32;
  array.shape = std::move(shape);
  array.data.resize(values.size() * sizeof(float));
  std::memcpy(array.data.data(), values.data(), array.data.size());
  return array;
}

std::vector<float> valuesOf(const void *data, int64_t count) {
  std::vector<float> values(count);
  std::memcpy(values.data(), data, count * sizeof(float));
  return values;
}

std::vector<float> valuesOf(const NpyArray &array) {
  return valuesOf(array.data.data(), array.getNumElements());
}

std::vector<float> valuesOf(const TensorBuffer &buffer) {
  return valuesOf(buffer.data, buffer.getNumElements());
}

TEST_F(RunnerTest, ReturnedArgumentIsAFreshBuffer) {
  TensorBuffer input =
      TensorBuffer::copyOf(makeF32({2, 3}, {1, 2, 3, 4, 5, 6}));
  auto result = code->callInPlace("identity", {input});
  ASSERT_TRUE(static_cast<bool>(result)) << llvm::toString(result.takeError());
  ASSERT_EQ(result->size(), 1u);
  const TensorBuffer &out = (*result)[0];
  EXPECT_EQ(out.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_NE(out.data, input.data);
  EXPECT_EQ(valuesOf(out), valuesOf(input));
  // Writing into the result leaves the input alone.
  static_cast<float *>(out.data)[0] = 42;
  EXPECT_EQ(valuesOf(input)[0], 1.0f);
}

TEST_F(RunnerTest, ReturnedConstantIsAFreshBufferEachCall) {
  auto first = code->callInPlace("constant", {});
  ASSERT_TRUE(static_cast<bool>(first)) << llvm::toString(first.takeError());
  static_cast<float *>((*first)[0].data)[0] = 7;
  auto second = code->callInPlace("constant", {});
  ASSERT_TRUE(static_cast<bool>(second)) << llvm::toString(second.takeError());
  EXPECT_NE((*first)[0].data, (*second)[0].data);
  EXPECT_EQ(valuesOf((*second)[0]), (std::vector<float>{1.5f, -2.0f}));
  auto array = code->call("constant", {});
  ASSERT_TRUE(static_cast<bool>(array)) << llvm::toString(array.takeError());
  EXPECT_EQ(valuesOf((*array)[0]), (std::vector<float>{1.5f, -2.0f}));
}

TEST_F(RunnerTest, InsertIntoAnArgumentDoesNotWriteTheCallersBuffer) {
  NpyArray values = makeF32({4}, {1, 2, 3, 4});
  TensorBuffer input = TensorBuffer::copyOf(values);
  auto result = code->callInPlace("overwrite", {input});
  ASSERT_TRUE(static_cast<bool>(result)) << llvm::toString(result.takeError());
  EXPECT_EQ(valuesOf(input), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(valuesOf((*result)[0]), (std::vector<float>{1, 9, 3, 4}));
  EXPECT_EQ(valuesOf((*result)[1]), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_NE((*result)[1].data, input.data);
  auto array = code->call("overwrite", {values});
  ASSERT_TRUE(static_cast<bool>(array)) << llvm::toString(array.takeError());
  EXPECT_EQ(valuesOf(values), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(valuesOf((*array)[0]), (std::vector<float>{1, 9, 3, 4}));
}

/// A value returned twice (computed, or an argument) comes back as two
/// blocks: each result is freed on its own.
TEST_F(RunnerTest, ValueReturnedTwiceIsTwoBuffers) {
  TensorBuffer input = TensorBuffer::copyOf(makeF32({3}, {1, 2, 3}));
  auto result = code->callInPlace("same_twice", {input});
  ASSERT_TRUE(static_cast<bool>(result)) << llvm::toString(result.takeError());
  ASSERT_EQ(result->size(), 4u);
  std::set<void *> blocks = {input.data};
  for (const TensorBuffer &buffer : *result)
    EXPECT_TRUE(blocks.insert(buffer.data).second);
  EXPECT_EQ(valuesOf((*result)[0]), (std::vector<float>{2, 4, 6}));
  EXPECT_EQ(valuesOf((*result)[1]), (std::vector<float>{2, 4, 6}));
  EXPECT_EQ(valuesOf((*result)[2]), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(valuesOf((*result)[3]), (std::vector<float>{1, 2, 3}));
  auto arrays = code->call("same_twice", {input.toArray()});
  ASSERT_TRUE(static_cast<bool>(arrays)) << llvm::toString(arrays.takeError());
  EXPECT_EQ(valuesOf((*arrays)[1]), (std::vector<float>{2, 4, 6}));
}

TEST_F(RunnerTest, CallAndCallInPlaceAgree) {
  NpyArray x = makeF32({2, 3}, {1, 2, 3, 4, 5, 6});
  auto array = code->call("transpose", {x});
  ASSERT_TRUE(static_cast<bool>(array)) << llvm::toString(array.takeError());
  auto buffer = code->callInPlace("transpose", {TensorBuffer::copyOf(x)});
  ASSERT_TRUE(static_cast<bool>(buffer)) << llvm::toString(buffer.takeError());
  std::vector<float> expected = {1, 4, 2, 5, 3, 6};
  EXPECT_EQ(valuesOf((*array)[0]), expected);
  EXPECT_EQ(valuesOf((*buffer)[0]), expected);
  EXPECT_EQ((*buffer)[0].shape, (std::vector<int64_t>{3, 2}));
  NpyArray back = (*buffer)[0].toArray();
  EXPECT_EQ(back.shape, (*array)[0].shape);
  EXPECT_EQ(back.data, (*array)[0].data);
}

TEST_F(RunnerTest, ScalarsTravelAsZeroDimensionalTensors) {
  NpyArray scale = makeF32({}, {2.5f});
  auto buffer = code->callInPlace(
      "scale", {TensorBuffer::copyOf(makeF32({3}, {1, -2, 4})),
                TensorBuffer::copyOf(scale)});
  ASSERT_TRUE(static_cast<bool>(buffer)) << llvm::toString(buffer.takeError());
  EXPECT_EQ(valuesOf((*buffer)[0]), (std::vector<float>{2.5f, -5.0f, 10.0f}));
  EXPECT_TRUE((*buffer)[1].shape.empty());
  EXPECT_EQ(valuesOf((*buffer)[1]), (std::vector<float>{5.0f}));
}

TEST_F(RunnerTest, CallInPlaceChecksItsInputs) {
  auto check = [&](const std::string &entry, std::vector<TensorBuffer> inputs,
                   const std::string &message) {
    auto result = code->callInPlace(entry, inputs);
    ASSERT_FALSE(static_cast<bool>(result));
    std::string text = llvm::toString(result.takeError());
    EXPECT_NE(text.find(message), std::string::npos) << text;
  };
  TensorBuffer wrongWidth =
      TensorBuffer::copyOf(makeF32({3, 2}, {1, 2, 3, 4, 5, 6}));
  check("identity", {wrongWidth},
        "input #0 of @identity must be tensor<?x3xf32>, got a f32 array "
        "of shape (3, 2)");
  NpyArray ints = makeF32({1, 3}, {0, 0, 0});
  ints.dtype = DType::I32;
  check("identity", {TensorBuffer::copyOf(ints)},
        "got a i32 array of shape (1, 3)");
  check("identity", {}, "@identity takes 1 argument(s), got 0 input(s)");
  TensorBuffer empty;
  empty.shape = {1, 3};
  check("identity", {empty}, "input #0 of @identity has no data");
  check("missing", {}, "@missing was not compiled as an entry");
}

TEST(RunnerSource, ErrorsAreReturned) {
  auto unparsable =
      CompiledModule::compileSource("func.func @f(", {"f"}, RunnerOptions());
  ASSERT_FALSE(static_cast<bool>(unparsable));
  EXPECT_EQ(llvm::toString(unparsable.takeError()),
            "<source>: cannot parse the module");
  auto missing = CompiledModule::compileSource("func.func @f() { return }",
                                               {"g"}, RunnerOptions());
  ASSERT_FALSE(static_cast<bool>(missing));
  EXPECT_EQ(llvm::toString(missing.takeError()), "no function @g is defined");
}

TEST_F(RunnerTest, EmptyBatch) {
  TensorBuffer input = TensorBuffer::copyOf(makeF32({0, 3}, {}));
  auto result = code->callInPlace("identity", {input});
  ASSERT_TRUE(static_cast<bool>(result)) << llvm::toString(result.takeError());
  EXPECT_EQ((*result)[0].shape, (std::vector<int64_t>{0, 3}));
  EXPECT_EQ((*result)[0].getNumElements(), 0);
  EXPECT_TRUE((*result)[0].toArray().data.empty());
}

TEST(RunnerMemory, BuffersStartOnACacheLine) {
  for (size_t bytes : {0, 1, 3, 63, 64, 65, 1000, 1 << 20}) {
    std::shared_ptr<void> block = allocateBuffer(bytes);
    ASSERT_NE(block, nullptr) << bytes;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(block.get()) % kBufferAlignment, 0u)
        << bytes;
    const auto *first = static_cast<const uint8_t *>(block.get());
    EXPECT_TRUE(std::all_of(first, first + bytes, [](uint8_t byte) {
      return byte == 0;
    })) << bytes;
  }
  for (int64_t count : {0, 1, 5, 17, 1000}) {
    std::vector<float> values(count);
    for (int64_t i = 0; i < count; ++i)
      values[i] = 0.5f * static_cast<float>(i) - 3;
    TensorBuffer buffer = TensorBuffer::copyOf(makeF32({count}, values));
    ASSERT_NE(buffer.data, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(buffer.data) % kBufferAlignment, 0u);
    if (count > 0)
      EXPECT_EQ(std::memcmp(buffer.data, values.data(), count * sizeof(float)),
                0);
  }
}

} // namespace
