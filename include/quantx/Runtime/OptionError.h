//===- OptionError.h - errors about an option of the runtime ----*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The runtime reports a bad option value as an OptionError naming the field
// of TrainOptions or of a call, never a command-line flag: the tool that
// owns the flags translates (quantx-runner prints `--lr-gamma must be ...`).
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_RUNTIME_OPTIONERROR_H
#define QUANTX_RUNTIME_OPTIONERROR_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace quantx::runtime {

/// The options an OptionError can be about.
enum class Option {
  Model,
  BatchSize,
  Epochs,
  LearningRate,
  LearningRateSchedule,
  LearningRateStepEpochs,
  LearningRateGamma,
  EntryPointResult,
};

/// The option's name in words ("the learning rate"), for messages of
/// library users that have no flags.
llvm::StringRef describeOption(Option option);

class OptionError : public llvm::ErrorInfo<OptionError> {
public:
  static char ID;

  /// `message` completes a sentence whose subject is the option: "must be
  /// positive and finite".
  OptionError(Option option, std::string message)
      : option(option), message(std::move(message)) {}

  Option getOption() const { return option; }
  const std::string &getMessage() const { return message; }

  void log(llvm::raw_ostream &os) const override;
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }

private:
  Option option;
  std::string message;
};

/// An OptionError as an llvm::Error.
inline llvm::Error makeOptionError(Option option, const llvm::Twine &message) {
  return llvm::make_error<OptionError>(option, message.str());
}

} // namespace quantx::runtime

#endif // QUANTX_RUNTIME_OPTIONERROR_H
