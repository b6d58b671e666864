// RUN: quantx-opt %s --split-input-file --verify-diagnostics

// fixed_c1: storage width.
// expected-error @+1 {{storage width must be in [1, 32], got 0}}
func.func private @zero_width(!quantx.fixed<i0:f32, 0.5>)

// -----

// expected-error @+1 {{storage width must be in [1, 32], got 33}}
func.func private @too_wide(!quantx.fixed<u33:f32, 0.5>)

// -----

// expected-error @+1 {{expected a storage type such as i8 or u8, got 'si8'}}
func.func private @signed_storage_prefix(!quantx.fixed<si8:f32, 0.5>)

// -----

// expected-error @+1 {{expected a storage type such as i8 or u8, got 'x8'}}
func.func private @unknown_storage(!quantx.fixed<x8:f32, 0.5>)

// -----

// expected-error @+2 {{invalid kind of type specified}}
// expected-error @+1 {{failed to parse Quantx_FixedType parameter 'expressedType'}}
func.func private @integer_expressed_type(!quantx.fixed<i8:i32, 0.5>)

// -----

// fixed_c2: scales are finite and positive.
// expected-error @+1 {{scale must be finite and positive, got -0.5}}
func.func private @negative_scale(!quantx.fixed<i8:f32, -0.5>)

// -----

// expected-error @+1 {{scale must be finite and positive, got 0.0}}
func.func private @zero_scale(!quantx.fixed<i8:f32, 0.0>)

// -----

// expected-error @+1 {{scale must be finite and positive, got nan}}
func.func private @nan_scale(!quantx.fixed<i8:f32, 0x7FF8000000000000>)

// -----

// expected-error @+1 {{scale must be finite and positive, got inf}}
func.func private @inf_scale(!quantx.fixed<i8:f32, 0x7FF0000000000000>)

// -----

// expected-error @+1 {{channel 1: scale must be finite and positive, got -0.25}}
func.func private @negative_channel_scale(!quantx.fixed<i4:f32:0, {0.5, -0.25}>)

// -----

// fixed_c3: zero points lie in the storage range.
// expected-error @+1 {{zero point 256 is outside the storage range [0, 255]}}
func.func private @zero_point_too_large(!quantx.fixed<u8:f32, 0.1:256>)

// -----

// expected-error @+1 {{zero point -2 is outside the storage range [-1, 1]}}
func.func private @zero_point_outside_narrow_range(!quantx.fixed<i2<-1:1>:f32, 3.0:-2>)

// -----

// expected-error @+1 {{channel 0: zero point 9 is outside the storage range [-8, 7]}}
func.func private @channel_zero_point(!quantx.fixed<i4:f32:0, {0.5:9, 0.25}>)

// -----

// fixed_c4: the narrow range lies inside the storage range.
// expected-error @+1 {{storage range [-200, 100] exceeds the 8-bit signed range [-128, 127]}}
func.func private @range_exceeds_storage(!quantx.fixed<i8<-200:100>:f32, 0.5>)

// -----

// expected-error @+1 {{storage minimum 3 must be less than storage maximum 3}}
func.func private @empty_range(!quantx.fixed<i8<3:3>:f32, 0.5>)

// -----

// fixed_c5: per-channel syntax.
// expected-error @+1 {{a quantized dimension needs a braced list of per-channel parameters}}
func.func private @axis_without_braces(!quantx.fixed<i4:f32:1, 0.5>)

// -----

// expected-error @+1 {{per-channel parameters need a quantized dimension after the expressed type}}
func.func private @braces_without_axis(!quantx.fixed<i4:f32, {0.5}>)

// -----

// expected-error @+1 {{quantized dimension must be >= 0, got -1}}
func.func private @negative_axis(!quantx.fixed<i4:f32:-1, {0.5}>)

// -----

// expected-error @+1 {{expected ','}}
func.func private @missing_scale(!quantx.fixed<i8:f32>)

// -----

// float_c1: widths.
// expected-error @+1 {{expected a format such as e4m3, got 'e4'}}
func.func private @missing_mantissa(!quantx.float<e4>)

// -----

// expected-error @+1 {{exponent bits must be in [0, 8], got 9}}
func.func private @too_many_exponent_bits(!quantx.float<e9m2>)

// -----

// expected-error @+1 {{mantissa bits must be in [0, 23], got 24}}
func.func private @too_many_mantissa_bits(!quantx.float<e4m24>)

// -----

// expected-error @+1 {{a format needs at least one exponent or mantissa bit}}
func.func private @no_bits(!quantx.float<e0m0, special = none>)

// -----

// float_c2: radix.
// expected-error @+1 {{a format needs at least one exponent or mantissa bit}}
func.func private @radix4_without_bits(!quantx.float<e0m0, radix = 4>)

// -----

// expected-error @+1 {{radix 4 needs at least one exponent bit}}
func.func private @radix4_without_exponent(!quantx.float<e0m3, radix = 4, special = none>)

// -----

// expected-error @+1 {{radix must be 2 or 4, got 3}}
func.func private @radix3(!quantx.float<e4m3, radix = 3>)

// -----

// expected-error @+1 {{radix must be 2 or 4, got -1}}
func.func private @negative_radix(!quantx.float<e4m3, radix = -1>)

// -----

// float_c3: special values.
// expected-error @+1 {{special = ieee needs at least one exponent bit to reserve}}
func.func private @ieee_without_exponent(!quantx.float<e0m3>)

// -----

// expected-error @+1 {{special = fnuz needs a sign bit}}
func.func private @unsigned_fnuz(!quantx.float<e4m3, special = fnuz, unsigned>)

// -----

// expected-error @+1 {{special = fnuz needs a zero}}
func.func private @fnuz_without_zero(!quantx.float<e4m3, special = fnuz, nozero>)

// -----

// expected-error @+1 {{'nozero' already excludes subnormals; drop 'nosubnormal'}}
func.func private @nozero_nosubnormal(!quantx.float<e4m3, nozero, nosubnormal>)

// -----

// expected-error @+1 {{'nosubnormal' needs at least one exponent bit}}
func.func private @flush_without_exponent(!quantx.float<e0m3, special = none, nosubnormal>)

// -----

// float_c4: a finite nonzero value exists.
// expected-error @+1 {{the format has no finite value other than zero}}
func.func private @only_zero_and_inf(!quantx.float<e1m0>)

// -----

// float_c5: values lie in the f64 range.
// expected-error @+1 {{exponent bias -2000 puts the format's values outside the f64 range}}
func.func private @bias_too_small(!quantx.float<e4m3, bias = -2000>)

// -----

// expected-error @+1 {{exponent bias 1100 puts the format's values outside the f64 range}}
func.func private @bias_too_large(!quantx.float<e4m3, bias = 1100>)

// -----

// expected-error @+1 {{unknown float format option 'saturate'; expected bias, radix, special, overflow, unsigned, nosubnormal or nozero}}
func.func private @unknown_option(!quantx.float<e4m3, saturate>)

// -----

// expected-error @+1 {{expected ieee, fn, fnuz or none for 'special', got 'finite'}}
func.func private @unknown_special(!quantx.float<e4m3, special = finite>)

// -----

// expected-error @+1 {{expected inf or sat for 'overflow', got 'wrap'}}
func.func private @unknown_overflow(!quantx.float<e4m3, overflow = wrap>)

// -----

// binary_c1 / ternary_c1: scales are finite and positive.
// expected-error @+1 {{scale must be finite and positive, got -0.73}}
func.func private @negative_binary_scale(!quantx.binary<f32, -0.73>)

// -----

// expected-error @+1 {{channel 1: scale must be finite and positive, got 0.0}}
func.func private @zero_ternary_channel_scale(!quantx.ternary<f32:0, {0.5, 0.0}>)

// -----

// A scale that overflows the expressed type: every value would be +-inf.
// expected-error @+1 {{scale 1.000000e+39 is not finite in 'f32'}}
func.func private @binary_scale_overflows(!quantx.binary<f32, 1.0e39>)

// -----

// expected-error @+1 {{channel 1: scale 7.000000e+04 is not finite in 'f16'}}
func.func private @ternary_scale_overflows_f16(!quantx.ternary<f16:0, {0.5, 70000.0}>)

// -----

// binary_c2 / ternary_c2: a quantized dimension needs per-channel scales.
// expected-error @+1 {{a quantized dimension needs a braced list of per-channel scales}}
func.func private @binary_axis_without_scales(!quantx.binary<f32:0>)

// -----

// expected-error @+1 {{a quantized dimension needs a braced list of per-channel parameters}}
func.func private @ternary_axis_with_one_scale(!quantx.ternary<f32:0, 0.5>)

// -----

// expected-error @+1 {{per-channel parameters need a quantized dimension after the expressed type}}
func.func private @binary_braces_without_axis(!quantx.binary<f32, {0.5, 0.25}>)

// -----

// float_c6: each option at most once (the last one silently won before).
// expected-error @+1 {{float format option 'bias' is given twice}}
func.func private @bias_twice(!quantx.float<e4m3, bias = 1, bias = 2>)

// -----

// expected-error @+1 {{float format option 'radix' is given twice}}
func.func private @radix_twice(!quantx.float<e3m0, radix = 4, radix = 2>)

// -----

// expected-error @+1 {{float format option 'special' is given twice}}
func.func private @special_twice(!quantx.float<e4m3, special = fn, special = ieee>)

// -----

// expected-error @+1 {{float format option 'overflow' is given twice}}
func.func private @overflow_twice(!quantx.float<e4m3, overflow = sat, overflow = inf>)

// -----

// expected-error @+1 {{float format option 'nozero' is given twice}}
func.func private @nozero_twice(!quantx.float<e4m3, special = fn, nozero, nozero>)

// -----

// expected-error @+1 {{float format option 'unsigned' is given twice}}
func.func private @unsigned_twice(!quantx.float<e4m3, unsigned, unsigned>)

// -----

// expected-error @+1 {{float format option 'nosubnormal' is given twice}}
func.func private @nosubnormal_twice(!quantx.float<e4m3, nosubnormal, nosubnormal>)

// -----

// float_c5 with biases whose exponent arithmetic would overflow 32 bits
// (radix 4 doubles every exponent): still a range error.
// expected-error @+1 {{exponent bias 1073741824 puts the format's values outside the f64 range}}
func.func private @radix4_huge_bias(!quantx.float<e3m0, radix = 4, bias = 1073741824>)

// -----

// expected-error @+1 {{exponent bias -1073741825 puts the format's values outside the f64 range}}
func.func private @radix4_huge_negative_bias(!quantx.float<e3m0, radix = 4, bias = -1073741825>)

// -----

// expected-error @+1 {{exponent bias 2147483647 puts the format's values outside the f64 range}}
func.func private @largest_bias(!quantx.float<e8m2, radix = 4, bias = 2147483647>)
