// REQUIRES: quantx-jit
// Matmul (dynamic shapes, and static shapes with B transposed), convolution
// (NHWC, stride 2, padding 1) and elementwise code through
// quantx-to-llvm, each compared with a plain scf.for loop nest over the same
// inputs. Inputs are small multiples of 1/4, so every sum is exact and the
// results must agree exactly whatever the summation order.
// RUN: quantx-opt %s --quantx-to-llvm \
// RUN:   | quantx-runner -e main --entry-point-result=void \
// RUN:       --shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN:   | FileCheck %s

#id2 = affine_map<(i, j) -> (i, j)>
#id4 = affine_map<(n, h, w, c) -> (n, h, w, c)>

// x[i, j] = ((i * 7 + j * 3 + seed) mod 13 - 6) / 4
func.func @fill2(%seed: index, %rows: index, %cols: index) -> tensor<?x?xf32> {
  %e = tensor.empty(%rows, %cols) : tensor<?x?xf32>
  %r = linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]}
      outs(%e : tensor<?x?xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c7 = arith.constant 7 : index
    %c3 = arith.constant 3 : index
    %c13 = arith.constant 13 : index
    %c6 = arith.constant 6 : index
    %a = arith.muli %i, %c7 : index
    %b = arith.muli %j, %c3 : index
    %s = arith.addi %a, %b : index
    %t = arith.addi %s, %seed : index
    %m = arith.remui %t, %c13 : index
    %v = arith.subi %m, %c6 : index
    %vi = arith.index_cast %v : index to i32
    %vf = arith.sitofp %vi : i32 to f32
    %q = arith.constant 0.25 : f32
    %y = arith.mulf %vf, %q : f32
    linalg.yield %y : f32
  } -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

func.func @fill4(%seed: index, %n: index, %h: index, %w: index, %c: index) -> tensor<?x?x?x?xf32> {
  %e = tensor.empty(%n, %h, %w, %c) : tensor<?x?x?x?xf32>
  %r = linalg.generic {indexing_maps = [#id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      outs(%e : tensor<?x?x?x?xf32>) {
  ^bb0(%out: f32):
    %i0 = linalg.index 0 : index
    %i1 = linalg.index 1 : index
    %i2 = linalg.index 2 : index
    %i3 = linalg.index 3 : index
    %c5 = arith.constant 5 : index
    %c11 = arith.constant 11 : index
    %c13 = arith.constant 13 : index
    %c6 = arith.constant 6 : index
    %a = arith.muli %i1, %c5 : index
    %b = arith.muli %i2, %c11 : index
    %s0 = arith.addi %a, %b : index
    %s1 = arith.addi %s0, %i3 : index
    %s2 = arith.addi %s1, %i0 : index
    %t = arith.addi %s2, %seed : index
    %m = arith.remui %t, %c13 : index
    %v = arith.subi %m, %c6 : index
    %vi = arith.index_cast %v : index to i32
    %vf = arith.sitofp %vi : i32 to f32
    %q = arith.constant 0.25 : f32
    %y = arith.mulf %vf, %q : f32
    linalg.yield %y : f32
  } -> tensor<?x?x?x?xf32>
  return %r : tensor<?x?x?x?xf32>
}

/// max |a - b| over two equally shaped 2-D tensors.
func.func @maxdiff2(%a: tensor<?x?xf32>, %b: tensor<?x?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = tensor.dim %a, %c0 : tensor<?x?xf32>
  %n = tensor.dim %a, %c1 : tensor<?x?xf32>
  %zero = arith.constant 0.0 : f32
  %r = scf.for %i = %c0 to %m step %c1 iter_args(%acc = %zero) -> f32 {
    %r2 = scf.for %j = %c0 to %n step %c1 iter_args(%acc2 = %acc) -> f32 {
      %x = tensor.extract %a[%i, %j] : tensor<?x?xf32>
      %y = tensor.extract %b[%i, %j] : tensor<?x?xf32>
      %d = arith.subf %x, %y : f32
      %ad = math.absf %d : f32
      %mx = arith.maximumf %acc2, %ad : f32
      scf.yield %mx : f32
    }
    scf.yield %r2 : f32
  }
  return %r : f32
}

func.func @print(%label: i32, %v: f32) {
  vector.print %label : i32
  vector.print %v : f32
  return
}

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index

  // Matmul 37x53 * 53x29 against a triple loop.
  %m = arith.constant 37 : index
  %k = arith.constant 53 : index
  %n = arith.constant 29 : index
  %a = call @fill2(%c0, %m, %k) : (index, index, index) -> tensor<?x?xf32>
  %b = call @fill2(%c1, %k, %n) : (index, index, index) -> tensor<?x?xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%m, %n) : tensor<?x?xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x?xf32>) -> tensor<?x?xf32>
  %mm = linalg.matmul ins(%a, %b : tensor<?x?xf32>, tensor<?x?xf32>) outs(%z : tensor<?x?xf32>) -> tensor<?x?xf32>
  %ref = scf.for %i = %c0 to %m step %c1 iter_args(%ci = %z) -> tensor<?x?xf32> {
    %ri = scf.for %j = %c0 to %n step %c1 iter_args(%cj = %ci) -> tensor<?x?xf32> {
      %s = scf.for %p = %c0 to %k step %c1 iter_args(%acc = %zero) -> f32 {
        %x = tensor.extract %a[%i, %p] : tensor<?x?xf32>
        %y = tensor.extract %b[%p, %j] : tensor<?x?xf32>
        %xy = arith.mulf %x, %y : f32
        %acc2 = arith.addf %acc, %xy : f32
        scf.yield %acc2 : f32
      }
      %ins = tensor.insert %s into %cj[%i, %j] : tensor<?x?xf32>
      scf.yield %ins : tensor<?x?xf32>
    }
    scf.yield %ri : tensor<?x?xf32>
  }
  %d0 = call @maxdiff2(%mm, %ref) : (tensor<?x?xf32>, tensor<?x?xf32>) -> f32
  // CHECK: 1
  // CHECK-NEXT: 0
  %l1 = arith.constant 1 : i32
  call @print(%l1, %d0) : (i32, f32) -> ()

  // The same product with static shapes takes the register-blocked,
  // vectorized path (quantx-tile-vectorize-matmul), including the peeled
  // partial tiles of 37 = 6 * 6 + 1 rows and B read transposed.
  %as0 = tensor.cast %a : tensor<?x?xf32> to tensor<37x53xf32>
  %bt = call @fill2(%c1, %n, %k) : (index, index, index) -> tensor<?x?xf32>
  %bts = tensor.cast %bt : tensor<?x?xf32> to tensor<29x53xf32>
  %ze = tensor.empty() : tensor<37x29xf32>
  %zs = linalg.fill ins(%zero : f32) outs(%ze : tensor<37x29xf32>) -> tensor<37x29xf32>
  %mmt = linalg.matmul indexing_maps = [affine_map<(i, j, p) -> (i, p)>, affine_map<(i, j, p) -> (j, p)>, affine_map<(i, j, p) -> (i, j)>]
      ins(%as0, %bts : tensor<37x53xf32>, tensor<29x53xf32>) outs(%zs : tensor<37x29xf32>) -> tensor<37x29xf32>
  %reft = scf.for %i = %c0 to %m step %c1 iter_args(%ci = %zs) -> tensor<37x29xf32> {
    %ri = scf.for %j = %c0 to %n step %c1 iter_args(%cj = %ci) -> tensor<37x29xf32> {
      %s = scf.for %p = %c0 to %k step %c1 iter_args(%acc = %zero) -> f32 {
        %x = tensor.extract %as0[%i, %p] : tensor<37x53xf32>
        %y = tensor.extract %bts[%j, %p] : tensor<29x53xf32>
        %xy = arith.mulf %x, %y : f32
        %acc2 = arith.addf %acc, %xy : f32
        scf.yield %acc2 : f32
      }
      %ins = tensor.insert %s into %cj[%i, %j] : tensor<37x29xf32>
      scf.yield %ins : tensor<37x29xf32>
    }
    scf.yield %ri : tensor<37x29xf32>
  }
  %mmtd = tensor.cast %mmt : tensor<37x29xf32> to tensor<?x?xf32>
  %reftd = tensor.cast %reft : tensor<37x29xf32> to tensor<?x?xf32>
  %d4 = call @maxdiff2(%mmtd, %reftd) : (tensor<?x?xf32>, tensor<?x?xf32>) -> f32
  // CHECK: 4
  // CHECK-NEXT: 0
  %l4 = arith.constant 4 : i32
  call @print(%l4, %d4) : (i32, f32) -> ()

  // Convolution: 1x9x11x3 input, 3x3x3x4 filter, stride 2, padding 1:
  // output 1x5x6x4.
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c9 = arith.constant 9 : index
  %c11 = arith.constant 11 : index
  %img = call @fill4(%c0, %c1, %c9, %c11, %c3) : (index, index, index, index, index) -> tensor<?x?x?x?xf32>
  %flt = call @fill4(%c2, %c3, %c3, %c3, %c4) : (index, index, index, index, index) -> tensor<?x?x?x?xf32>
  %imgs = tensor.cast %img : tensor<?x?x?x?xf32> to tensor<1x9x11x3xf32>
  %flts = tensor.cast %flt : tensor<?x?x?x?xf32> to tensor<3x3x3x4xf32>
  %padded = tensor.pad %imgs low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%p0: index, %p1: index, %p2: index, %p3: index):
    tensor.yield %zero : f32
  } : tensor<1x9x11x3xf32> to tensor<1x11x13x3xf32>
  %oe = tensor.empty() : tensor<1x5x6x4xf32>
  %oz = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x5x6x4xf32>) -> tensor<1x5x6x4xf32>
  %conv = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%padded, %flts : tensor<1x11x13x3xf32>, tensor<3x3x3x4xf32>)
      outs(%oz : tensor<1x5x6x4xf32>) -> tensor<1x5x6x4xf32>
  // Reference: out[0, y, x, f] = sum over (r, s, c) of
  // img[0, 2y + r - 1, 2x + s - 1, c] * flt[r, s, c, f], zero outside.
  %c5 = arith.constant 5 : index
  %c6 = arith.constant 6 : index
  %convref = scf.for %y = %c0 to %c5 step %c1 iter_args(%cy = %oz) -> tensor<1x5x6x4xf32> {
    %ry = scf.for %x = %c0 to %c6 step %c1 iter_args(%cx = %cy) -> tensor<1x5x6x4xf32> {
      %rx = scf.for %f = %c0 to %c4 step %c1 iter_args(%cf = %cx) -> tensor<1x5x6x4xf32> {
        %sum = scf.for %r = %c0 to %c3 step %c1 iter_args(%s0 = %zero) -> f32 {
          %sum2 = scf.for %s = %c0 to %c3 step %c1 iter_args(%s1 = %s0) -> f32 {
            %sum3 = scf.for %c = %c0 to %c3 step %c1 iter_args(%s2 = %s1) -> f32 {
              %y2 = arith.muli %y, %c2 : index
              %iy0 = arith.addi %y2, %r : index
              %x2 = arith.muli %x, %c2 : index
              %ix0 = arith.addi %x2, %s : index
              // Padded coordinates: inside when 1 <= iy0 <= 9 and 1 <= ix0 <= 11.
              %inY = arith.cmpi uge, %iy0, %c1 : index
              %inY2 = arith.cmpi ule, %iy0, %c9 : index
              %inX = arith.cmpi uge, %ix0, %c1 : index
              %inX2 = arith.cmpi ule, %ix0, %c11 : index
              %i1 = arith.andi %inY, %inY2 : i1
              %i2 = arith.andi %inX, %inX2 : i1
              %inside = arith.andi %i1, %i2 : i1
              %v = scf.if %inside -> f32 {
                %iy = arith.subi %iy0, %c1 : index
                %ix = arith.subi %ix0, %c1 : index
                %pv = tensor.extract %imgs[%c0, %iy, %ix, %c] : tensor<1x9x11x3xf32>
                %fv = tensor.extract %flts[%r, %s, %c, %f] : tensor<3x3x3x4xf32>
                %pf = arith.mulf %pv, %fv : f32
                scf.yield %pf : f32
              } else {
                scf.yield %zero : f32
              }
              %s3 = arith.addf %s2, %v : f32
              scf.yield %s3 : f32
            }
            scf.yield %sum3 : f32
          }
          scf.yield %sum2 : f32
        }
        %ins = tensor.insert %sum into %cf[%c0, %y, %x, %f] : tensor<1x5x6x4xf32>
        scf.yield %ins : tensor<1x5x6x4xf32>
      }
      scf.yield %rx : tensor<1x5x6x4xf32>
    }
    scf.yield %ry : tensor<1x5x6x4xf32>
  }
  %cv2 = tensor.collapse_shape %conv [[0, 1, 2], [3]] : tensor<1x5x6x4xf32> into tensor<30x4xf32>
  %cr2 = tensor.collapse_shape %convref [[0, 1, 2], [3]] : tensor<1x5x6x4xf32> into tensor<30x4xf32>
  %cvd = tensor.cast %cv2 : tensor<30x4xf32> to tensor<?x?xf32>
  %crd = tensor.cast %cr2 : tensor<30x4xf32> to tensor<?x?xf32>
  %d1 = call @maxdiff2(%cvd, %crd) : (tensor<?x?xf32>, tensor<?x?xf32>) -> f32
  // CHECK: 2
  // CHECK-NEXT: 0
  %l2 = arith.constant 2 : i32
  call @print(%l2, %d1) : (i32, f32) -> ()

  // Elementwise: relu(a * 2 - 1) on tensors, against a loop.
  %two = arith.constant dense<2.0> : tensor<37x53xf32>
  %one = arith.constant dense<1.0> : tensor<37x53xf32>
  %as = tensor.cast %a : tensor<?x?xf32> to tensor<37x53xf32>
  %t1 = arith.mulf %as, %two : tensor<37x53xf32>
  %t2 = arith.subf %t1, %one : tensor<37x53xf32>
  %zeros = arith.constant dense<0.0> : tensor<37x53xf32>
  %relu = arith.maximumf %t2, %zeros : tensor<37x53xf32>
  %eref = scf.for %i = %c0 to %m step %c1 iter_args(%ci = %as) -> tensor<37x53xf32> {
    %ri = scf.for %j = %c0 to %k step %c1 iter_args(%cj = %ci) -> tensor<37x53xf32> {
      %x = tensor.extract %as[%i, %j] : tensor<37x53xf32>
      %tw = arith.constant 2.0 : f32
      %on = arith.constant 1.0 : f32
      %u = arith.mulf %x, %tw : f32
      %w = arith.subf %u, %on : f32
      %rl = arith.maximumf %w, %zero : f32
      %ins = tensor.insert %rl into %cj[%i, %j] : tensor<37x53xf32>
      scf.yield %ins : tensor<37x53xf32>
    }
    scf.yield %ri : tensor<37x53xf32>
  }
  %ed = tensor.cast %relu : tensor<37x53xf32> to tensor<?x?xf32>
  %erd = tensor.cast %eref : tensor<37x53xf32> to tensor<?x?xf32>
  %d2 = call @maxdiff2(%ed, %erd) : (tensor<?x?xf32>, tensor<?x?xf32>) -> f32
  // CHECK: 3
  // CHECK-NEXT: 0
  %l3 = arith.constant 3 : i32
  call @print(%l3, %d2) : (i32, f32) -> ()
  return
}
