//===- OptionError.cpp - errors about an option of the runtime ------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/Runtime/OptionError.h"

#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/raw_ostream.h"

using namespace quantx::runtime;

char OptionError::ID = 0;

llvm::StringRef quantx::runtime::describeOption(Option option) {
  switch (option) {
  case Option::Model:
    return "the model function";
  case Option::BatchSize:
    return "the batch size";
  case Option::Epochs:
    return "the number of epochs";
  case Option::LearningRate:
    return "the learning rate";
  case Option::LearningRateSchedule:
    return "the learning-rate schedule";
  case Option::LearningRateStepEpochs:
    return "the epochs between learning-rate decays";
  case Option::LearningRateGamma:
    return "the learning-rate decay factor";
  case Option::EntryPointResult:
    return "the entry point's result kind";
  }
  llvm_unreachable("unknown option");
}

void OptionError::log(llvm::raw_ostream &os) const {
  os << describeOption(option) << " " << message;
}
