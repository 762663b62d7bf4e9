;; The SIMD hot loops of the factor models: NMF training, ALS row solves, scoring (see wasm-kernels.ts for the JavaScript side).
;; `npm run kernels` assembles this file with wabt into kernels.wasm.ts; a test checks the two agree.
;;
;; Conventions of every function:
;; - addresses are byte offsets into the imported shared memory, 16-byte aligned;
;; - matrices are row-major with rows `stride` bytes apart, their padding columns zero;
;; - counts (rows, count, k) are > 0: the loops test at the bottom, so they run at least once.
;; The exports keep the one-letter names the worker threads call (kernel-threads.ts).
(module
  ;; Shared (a SharedArrayBuffer), so worker threads running this module on it can split an epoch.
  (import "e" "m" (memory 0 65536 shared))

  ;; out[i] = query · row i, Float32, for `count` rows; stride a positive multiple of 32.
  ;; Two accumulators of four lanes each: eight floats per iteration.
  (func $dot (export "d")
    (param $query i32) (param $rows i32) (param $out i32) (param $count i32) (param $stride i32)
    (local $f i32) (local $a v128) (local $b v128)
    (loop $each_row
      (local.set $a (v128.const i64x2 0 0))
      (local.set $b (v128.const i64x2 0 0))
      (local.set $f (i32.const 0))
      (loop $dims
        ;; a += query[f..f+4] * row[f..f+4]; b += the next four
        (local.set $a
          (f32x4.add (local.get $a)
            (f32x4.mul
              (v128.load (i32.add (local.get $query) (local.get $f)))
              (v128.load (i32.add (local.get $rows) (local.get $f))))))
        (local.set $b
          (f32x4.add (local.get $b)
            (f32x4.mul
              (v128.load offset=16 (i32.add (local.get $query) (local.get $f)))
              (v128.load offset=16 (i32.add (local.get $rows) (local.get $f))))))
        (br_if $dims
          (i32.lt_u (local.tee $f (i32.add (local.get $f) (i32.const 32))) (local.get $stride))))
      (local.set $a (f32x4.add (local.get $a) (local.get $b)))
      ;; out[i] = the sum of a's four lanes
      (f32.store (local.get $out)
        (f32.add
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $a)) (f32x4.extract_lane 1 (local.get $a)))
            (f32x4.extract_lane 2 (local.get $a)))
          (f32x4.extract_lane 3 (local.get $a))))
      (local.set $rows (i32.add (local.get $rows) (local.get $stride)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (br_if $each_row (local.tee $count (i32.sub (local.get $count) (i32.const 1))))))

  ;; out = S·Y for S in compressed rows (Int32 ptr and idx, Float64 values) and Float64 dense Y and
  ;; out, `rows` rows of S; stride a positive multiple of 64. Per row of S, eight columns at a time in
  ;; four f64x2 accumulators (sixteen columns in eight measured no faster: loading Y rows dominates).
  (func $sparseTimes (export "t")
    (param $ptr i32) (param $idx i32) (param $values i32) (param $Y i32) (param $out i32)
    (param $rows i32) (param $stride i32)
    (local $p i32) (local $end i32) (local $f i32) (local $start i32) (local $y i32)
    (local $v v128) (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (loop $each_row
      ;; this row's entries are p in [ptr[0], ptr[1])
      (local.set $start (i32.load (local.get $ptr)))
      (local.set $end (i32.load offset=4 (local.get $ptr)))
      (local.set $f (i32.const 0))
      (loop $blocks
        (local.set $acc0 (v128.const i64x2 0 0))
        (local.set $acc1 (v128.const i64x2 0 0))
        (local.set $acc2 (v128.const i64x2 0 0))
        (local.set $acc3 (v128.const i64x2 0 0))
        (local.set $p (local.get $start))
        (block $empty
          (br_if $empty (i32.ge_u (local.get $p) (local.get $end)))
          (loop $entries
            ;; v = values[p] in both lanes; y = the address of Y[idx[p]][f]
            (local.set $v
              (f64x2.splat
                (f64.load (i32.add (local.get $values) (i32.shl (local.get $p) (i32.const 3))))))
            (local.set $y
              (i32.add
                (i32.add
                  (i32.mul
                    (i32.load (i32.add (local.get $idx) (i32.shl (local.get $p) (i32.const 2))))
                    (local.get $stride))
                  (local.get $Y))
                (local.get $f)))
            ;; acc += v * Y[idx[p]][f..f+8], two columns per accumulator
            (local.set $acc0
              (f64x2.add (local.get $acc0) (f64x2.mul (local.get $v) (v128.load (local.get $y)))))
            (local.set $acc1
              (f64x2.add (local.get $acc1) (f64x2.mul (local.get $v) (v128.load offset=16 (local.get $y)))))
            (local.set $acc2
              (f64x2.add (local.get $acc2) (f64x2.mul (local.get $v) (v128.load offset=32 (local.get $y)))))
            (local.set $acc3
              (f64x2.add (local.get $acc3) (f64x2.mul (local.get $v) (v128.load offset=48 (local.get $y)))))
            (br_if $entries
              (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $end)))))
        ;; out[row][f..f+8] = acc
        (v128.store (i32.add (local.get $out) (local.get $f)) (local.get $acc0))
        (v128.store offset=16 (i32.add (local.get $out) (local.get $f)) (local.get $acc1))
        (v128.store offset=32 (i32.add (local.get $out) (local.get $f)) (local.get $acc2))
        (v128.store offset=48 (i32.add (local.get $out) (local.get $f)) (local.get $acc3))
        (br_if $blocks
          (i32.lt_u (local.tee $f (i32.add (local.get $f) (i32.const 64))) (local.get $stride))))
      (local.set $ptr (i32.add (local.get $ptr) (i32.const 4)))
      (local.set $out (i32.add (local.get $out) (local.get $stride)))
      (br_if $each_row (local.tee $rows (i32.sub (local.get $rows) (i32.const 1))))))

  ;; One HALS pass over the `rows` rows of X (see src/nmf/factorize.ts), Float64; RY = R·Y for the same rows,
  ;; gram = YᵀY (k rows); stride a positive multiple of 32. Factor by factor: rows are independent,
  ;; so this equals updating row by row, and the rows of one factor pipeline instead of waiting on
  ;; each other. For factor f:
  ;;   inv = 1 / (gram[f][f] + l2), or 0 when that is not positive (x_f then stays);
  ;;   per row x: grad = x·gram[f] + l2·x_f + l1/2 − RY_f; x_f = x_f − grad·inv, flushed to 0 below
  ;;   1e-30 (denormals are very slow).
  (func $hals (export "h")
    (param $X i32) (param $RY i32) (param $gram i32) (param $rows i32) (param $k i32)
    (param $stride i32) (param $l2 f64) (param $l1Half f64)
    (local $f i32) (local $g i32) (local $gramRow i32) (local $x i32) (local $ry i32) (local $i i32)
    (local $a v128) (local $b v128)
    (local $xf f64) (local $inv f64)
    (local.set $f (i32.const 0))
    (local.set $gramRow (local.get $gram))
    (loop $factors
      ;; inv = curvature > 0 ? 1 / curvature : 0 (inv holds the curvature until the select)
      (local.set $inv
        (select
          (f64.div
            (f64.const 1)
            (local.tee $inv
              (f64.add
                (f64.load (i32.add (local.get $gramRow) (i32.shl (local.get $f) (i32.const 3))))
                (local.get $l2))))
          (f64.const 0)
          (f64.gt (local.get $inv) (f64.const 0))))
      (local.set $x (local.get $X))
      (local.set $ry (local.get $RY))
      (local.set $i (local.get $rows))
      (loop $each_row
        (local.set $a (v128.const i64x2 0 0))
        (local.set $b (v128.const i64x2 0 0))
        (local.set $g (i32.const 0))
        (loop $dims
          ;; a += x[g..g+2] * gram[f][g..g+2]; b += the next two
          (local.set $a
            (f64x2.add (local.get $a)
              (f64x2.mul
                (v128.load (i32.add (local.get $x) (local.get $g)))
                (v128.load (i32.add (local.get $gramRow) (local.get $g))))))
          (local.set $b
            (f64x2.add (local.get $b)
              (f64x2.mul
                (v128.load offset=16 (i32.add (local.get $x) (local.get $g)))
                (v128.load offset=16 (i32.add (local.get $gramRow) (local.get $g))))))
          (br_if $dims
            (i32.lt_u (local.tee $g (i32.add (local.get $g) (i32.const 32))) (local.get $stride))))
        (local.set $a (f64x2.add (local.get $a) (local.get $b)))
        (local.set $xf (f64.load (i32.add (local.get $x) (i32.shl (local.get $f) (i32.const 3)))))
        ;; x_f −= (x·gram[f] + l2·x_f + l1/2 − RY_f) · inv, then 0 unless above 1e-30
        (f64.store (i32.add (local.get $x) (i32.shl (local.get $f) (i32.const 3)))
          (select
            (local.tee $xf
              (f64.sub
                (local.get $xf)
                (f64.mul
                  (f64.sub
                    (f64.add
                      (f64.add
                        (f64.add (f64x2.extract_lane 0 (local.get $a)) (f64x2.extract_lane 1 (local.get $a)))
                        (f64.mul (local.get $l2) (local.get $xf)))
                      (local.get $l1Half))
                    (f64.load (i32.add (local.get $ry) (i32.shl (local.get $f) (i32.const 3)))))
                  (local.get $inv))))
            (f64.const 0)
            (f64.gt (local.get $xf) (f64.const 1e-30))))
        (local.set $x (i32.add (local.get $x) (local.get $stride)))
        (local.set $ry (i32.add (local.get $ry) (local.get $stride)))
        (br_if $each_row (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
      (local.set $gramRow (i32.add (local.get $gramRow) (local.get $stride)))
      (br_if $factors
        (i32.lt_s (local.tee $f (i32.add (local.get $f) (i32.const 1))) (local.get $k)))))

  ;; out += XᵀX for the `rows` rows of X (out: k rows of stride bytes), Float64, skipping zero
  ;; entries: for every row x and factor f with x_f ≠ 0, out[f][g] += x_f · x_g from g = f rounded
  ;; down to even: the upper triangle only (half the work; the caller mirrors it, fillLower). Rows go
  ;; four at a time: out, k x k, is read and written once per four rows (at 192 factors it is 288 KB,
  ;; beyond L1, and a row at a time made the kernel wait on it).
  (func $gram (export "g")
    (param $X i32) (param $rows i32) (param $k i32) (param $stride i32) (param $out i32)
    (block $tail
      (loop $blocks
        (br_if $tail (i32.lt_u (local.get $rows) (i32.const 4)))
        (call $gram4 (local.get $X) (local.get $k) (local.get $stride) (local.get $out))
        (local.set $X (i32.add (local.get $X) (i32.shl (local.get $stride) (i32.const 2))))
        (local.set $rows (i32.sub (local.get $rows) (i32.const 4)))
        (br $blocks)))
    (if (local.get $rows)
      (then (call $gram1 (local.get $X) (local.get $rows) (local.get $k) (local.get $stride) (local.get $out)))))

  ;; $gram's update for the four rows at X: out[f][g] += Σ_r x_r,f · x_r,g, skipping f where all four are zero.
  (func $gram4 (param $X i32) (param $k i32) (param $stride i32) (param $out i32)
    (local $f i32) (local $g i32) (local $outRow i32) (local $at i32)
    (local $a f64) (local $b f64) (local $c f64) (local $d f64)
    (local $aa v128) (local $bb v128) (local $cc v128) (local $dd v128)
    (local $X1 i32) (local $X2 i32) (local $X3 i32)
    (local.set $X1 (i32.add (local.get $X) (local.get $stride)))
    (local.set $X2 (i32.add (local.get $X1) (local.get $stride)))
    (local.set $X3 (i32.add (local.get $X2) (local.get $stride)))
    (local.set $outRow (local.get $out))
    (loop $factors
      (local.set $at (i32.shl (local.get $f) (i32.const 3)))
      (local.set $a (f64.load (i32.add (local.get $X) (local.get $at))))
      (local.set $b (f64.load (i32.add (local.get $X1) (local.get $at))))
      (local.set $c (f64.load (i32.add (local.get $X2) (local.get $at))))
      (local.set $d (f64.load (i32.add (local.get $X3) (local.get $at))))
      (block $zero
        (br_if $zero
          (i32.and
            (i32.and (f64.eq (local.get $a) (f64.const 0)) (f64.eq (local.get $b) (f64.const 0)))
            (i32.and (f64.eq (local.get $c) (f64.const 0)) (f64.eq (local.get $d) (f64.const 0)))))
        (local.set $aa (f64x2.splat (local.get $a)))
        (local.set $bb (f64x2.splat (local.get $b)))
        (local.set $cc (f64x2.splat (local.get $c)))
        (local.set $dd (f64x2.splat (local.get $d)))
        (local.set $g (i32.and (local.get $at) (i32.const -16)))
        (loop $dims
          ;; out[f][g..g+2] += a·x0[g..] + b·x1[g..] + c·x2[g..] + d·x3[g..]
          (v128.store (i32.add (local.get $outRow) (local.get $g))
            (f64x2.add
              (v128.load (i32.add (local.get $outRow) (local.get $g)))
              (f64x2.add
                (f64x2.add
                  (f64x2.mul (local.get $aa) (v128.load (i32.add (local.get $X) (local.get $g))))
                  (f64x2.mul (local.get $bb) (v128.load (i32.add (local.get $X1) (local.get $g)))))
                (f64x2.add
                  (f64x2.mul (local.get $cc) (v128.load (i32.add (local.get $X2) (local.get $g))))
                  (f64x2.mul (local.get $dd) (v128.load (i32.add (local.get $X3) (local.get $g))))))))
          (br_if $dims
            (i32.lt_u (local.tee $g (i32.add (local.get $g) (i32.const 16))) (local.get $stride)))))
      (local.set $outRow (i32.add (local.get $outRow) (local.get $stride)))
      (br_if $factors
        (i32.lt_s (local.tee $f (i32.add (local.get $f) (i32.const 1))) (local.get $k)))))

  ;; $gram's update a row at a time, for the last rows of a call.
  (func $gram1 (param $X i32) (param $rows i32) (param $k i32) (param $stride i32) (param $out i32)
    (local $f i32) (local $g i32) (local $outRow i32)
    (local $xfxf v128)
    (local $xf f64)
    (loop $each_row
      (local.set $f (i32.const 0))
      (local.set $outRow (local.get $out))
      (loop $factors
        (block $zero
          (br_if $zero
            (f64.eq
              (local.tee $xf (f64.load (i32.add (local.get $X) (i32.shl (local.get $f) (i32.const 3)))))
              (f64.const 0)))
          (local.set $xfxf (f64x2.splat (local.get $xf)))
          (local.set $g (i32.and (i32.shl (local.get $f) (i32.const 3)) (i32.const -16)))
          (loop $dims
            ;; out[f][g..g+2] += x_f * x[g..g+2]
            (v128.store (i32.add (local.get $outRow) (local.get $g))
              (f64x2.add
                (v128.load (i32.add (local.get $outRow) (local.get $g)))
                (f64x2.mul (local.get $xfxf) (v128.load (i32.add (local.get $X) (local.get $g))))))
            (br_if $dims
              (i32.lt_u (local.tee $g (i32.add (local.get $g) (i32.const 16))) (local.get $stride)))))
        (local.set $outRow (i32.add (local.get $outRow) (local.get $stride)))
        (br_if $factors
          (i32.lt_s (local.tee $f (i32.add (local.get $f) (i32.const 1))) (local.get $k))))
      (local.set $X (i32.add (local.get $X) (local.get $stride)))
      (br_if $each_row (local.tee $rows (i32.sub (local.get $rows) (i32.const 1))))))

  ;; The conjugate-gradient steps ($alsRow) of `rows` consecutive rows of implicit ALS, from the row at
  ;; X: row r's entries are [ptr[r], ptr[r+1]) of idx (Int32) and values (Float64), its penalty λ lambdas[r]
  ;; (Float64). Rows with
  ;; 4·entries² ≤ k are skipped: the caller solves those exactly (src/als/train.ts, solvedExactly).
  ;; Each row is independent of the others, so threads may share a pass by rows (their own scratch).
  (func $alsRows (export "r")
    (param $X i32) (param $Y i32) (param $G i32) (param $ptr i32) (param $idx i32) (param $values i32)
    (param $rows i32) (param $stride i32) (param $lambdas i32) (param $alpha f64) (param $steps i32)
    (param $scratch i32) (param $k i32)
    (local $start i32) (local $entries i32)
    (loop $each_row
      (local.set $start (i32.load (local.get $ptr)))
      (local.set $entries (i32.sub (i32.load offset=4 (local.get $ptr)) (local.get $start)))
      (if (i32.gt_u (i32.shl (i32.mul (local.get $entries) (local.get $entries)) (i32.const 2)) (local.get $k))
        (then
          (call $alsRow
            (local.get $X) (local.get $Y) (local.get $G)
            (i32.add (local.get $idx) (i32.shl (local.get $start) (i32.const 2)))
            (i32.add (local.get $values) (i32.shl (local.get $start) (i32.const 3)))
            (local.get $entries) (local.get $stride) (f64.load (local.get $lambdas)) (local.get $alpha) (local.get $steps)
            (local.get $scratch))))
      (local.set $X (i32.add (local.get $X) (local.get $stride)))
      (local.set $lambdas (i32.add (local.get $lambdas) (i32.const 8)))
      (local.set $ptr (i32.add (local.get $ptr) (i32.const 4)))
      (br_if $each_row (local.tee $rows (i32.sub (local.get $rows) (i32.const 1))))))

  ;; Conjugate-gradient steps of one implicit-ALS row (src/als/train.ts), from x toward the solution of
  ;;   (G + λI + Σ α·w_e·y_e·y_eᵀ) x = Σ (1 + α·w_e)·y_e
  ;; over the row's `entries` entries e: y_e the row idx[e] (Int32) of Y, w_e = values[e] (Float64).
  ;; G (stride/8 rows), Y, x and the three scratch vectors (r, d, Ad) are Float64 rows `stride`
  ;; bytes apart, a positive multiple of 32, padding zero. At most `steps` steps; stops once |r|² is
  ;; below 1e-20.
  (func $alsRow
    (param $x i32) (param $Y i32) (param $G i32) (param $idx i32) (param $values i32)
    (param $entries i32) (param $stride i32) (param $lambda f64) (param $alpha f64) (param $steps i32)
    (param $scratch i32)
    (local $r i32) (local $d i32) (local $Ad i32) (local $rs f64) (local $next f64) (local $length f64)
    (local.set $r (local.get $scratch))
    (local.set $d (i32.add (local.get $r) (local.get $stride)))
    (local.set $Ad (i32.add (local.get $d) (local.get $stride)))
    ;; r = b − A·x
    (call $gramTimes (local.get $G) (local.get $x) (local.get $r) (local.get $stride) (local.get $lambda) (f64.const -1))
    (call $entriesTimes
      (local.get $x) (local.get $r) (local.get $Y) (local.get $idx) (local.get $values) (local.get $entries)
      (local.get $stride) (local.get $alpha) (i32.const 1))
    ;; d = r
    (call $scaleAdd (local.get $d) (f64.const 0) (local.get $r) (local.get $stride))
    (local.set $rs (call $dot64 (local.get $r) (local.get $r) (local.get $stride)))
    (block $done
      (loop $step
        (br_if $done (i32.or (i32.eqz (local.get $steps)) (f64.le (local.get $rs) (f64.const 1e-20))))
        ;; Ad = A·d
        (call $gramTimes (local.get $G) (local.get $d) (local.get $Ad) (local.get $stride) (local.get $lambda) (f64.const 1))
        (call $entriesTimes
          (local.get $d) (local.get $Ad) (local.get $Y) (local.get $idx) (local.get $values) (local.get $entries)
          (local.get $stride) (local.get $alpha) (i32.const 0))
        ;; x += length·d; r −= length·Ad; d = r + (|r|² / previous |r|²)·d
        (local.set $length (f64.div (local.get $rs) (call $dot64 (local.get $d) (local.get $Ad) (local.get $stride))))
        (call $axpy (local.get $x) (local.get $length) (local.get $d) (local.get $stride))
        (call $axpy (local.get $r) (f64.neg (local.get $length)) (local.get $Ad) (local.get $stride))
        (local.set $next (call $dot64 (local.get $r) (local.get $r) (local.get $stride)))
        (call $scaleAdd (local.get $d) (f64.div (local.get $next) (local.get $rs)) (local.get $r) (local.get $stride))
        (local.set $rs (local.get $next))
        (local.set $steps (i32.sub (local.get $steps) (i32.const 1)))
        (br $step))))

  ;; Z[i] = M·Y[i] for the `count` rows i listed in idx (Int32), M a symmetric Float64 matrix of
  ;; stride/8 rows (M⁻¹ of implicit ALS's exact row solves, src/als/train.ts); stride a positive
  ;; multiple of 32.
  (func $timesRows (export "m")
    (param $M i32) (param $Y i32) (param $Z i32) (param $idx i32) (param $count i32) (param $stride i32)
    (local $row i32)
    (loop $each
      (local.set $row (i32.mul (i32.load (local.get $idx)) (local.get $stride)))
      (call $gramTimes
        (local.get $M) (i32.add (local.get $Y) (local.get $row)) (i32.add (local.get $Z) (local.get $row))
        (local.get $stride) (f64.const 0) (f64.const 1))
      (local.set $idx (i32.add (local.get $idx) (i32.const 4)))
      (br_if $each (local.tee $count (i32.sub (local.get $count) (i32.const 1))))))

  ;; out = sign·(G + λI)·v for the stride/8 rows of G.
  (func $gramTimes (param $G i32) (param $v i32) (param $out i32) (param $stride i32) (param $lambda f64) (param $sign f64)
    (local $f i32)
    (loop $rows
      (f64.store (i32.add (local.get $out) (local.get $f))
        (f64.mul (local.get $sign)
          (f64.add
            (call $dot64 (local.get $G) (local.get $v) (local.get $stride))
            (f64.mul (local.get $lambda) (f64.load (i32.add (local.get $v) (local.get $f)))))))
      (local.set $G (i32.add (local.get $G) (local.get $stride)))
      (br_if $rows (i32.lt_u (local.tee $f (i32.add (local.get $f) (i32.const 8))) (local.get $stride)))))

  ;; For each entry e: t = y_e·v, then out += c·y_e with c = 1 + α·w_e·(1 − t) when `residual`
  ;; (the right-hand side minus the entries' part of A·v), else c = α·w_e·t (their part of A·v).
  (func $entriesTimes
    (param $v i32) (param $out i32) (param $Y i32) (param $idx i32) (param $values i32) (param $entries i32)
    (param $stride i32) (param $alpha f64) (param $residual i32)
    (local $y i32) (local $t f64) (local $w f64)
    (loop $each
      (local.set $y (i32.add (local.get $Y) (i32.mul (i32.load (local.get $idx)) (local.get $stride))))
      (local.set $t (call $dot64 (local.get $y) (local.get $v) (local.get $stride)))
      (local.set $w (f64.mul (local.get $alpha) (f64.load (local.get $values))))
      (call $axpy (local.get $out)
        (select
          (f64.add (f64.const 1) (f64.mul (local.get $w) (f64.sub (f64.const 1) (local.get $t))))
          (f64.mul (local.get $w) (local.get $t))
          (local.get $residual))
        (local.get $y) (local.get $stride))
      (local.set $idx (i32.add (local.get $idx) (i32.const 4)))
      (local.set $values (i32.add (local.get $values) (i32.const 8)))
      (br_if $each (local.tee $entries (i32.sub (local.get $entries) (i32.const 1))))))

  ;; a·b over stride bytes of Float64, two f64x2 accumulators.
  (func $dot64 (param $a i32) (param $b i32) (param $stride i32) (result f64)
    (local $i i32) (local $s v128) (local $t v128)
    (loop $dims
      (local.set $s
        (f64x2.add (local.get $s)
          (f64x2.mul (v128.load (i32.add (local.get $a) (local.get $i))) (v128.load (i32.add (local.get $b) (local.get $i))))))
      (local.set $t
        (f64x2.add (local.get $t)
          (f64x2.mul
            (v128.load offset=16 (i32.add (local.get $a) (local.get $i)))
            (v128.load offset=16 (i32.add (local.get $b) (local.get $i))))))
      (br_if $dims (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 32))) (local.get $stride))))
    (local.set $s (f64x2.add (local.get $s) (local.get $t)))
    (f64.add (f64x2.extract_lane 0 (local.get $s)) (f64x2.extract_lane 1 (local.get $s))))

  ;; y += a·x over stride bytes of Float64.
  (func $axpy (param $y i32) (param $a f64) (param $x i32) (param $stride i32)
    (local $i i32) (local $aa v128)
    (local.set $aa (f64x2.splat (local.get $a)))
    (loop $dims
      (v128.store (i32.add (local.get $y) (local.get $i))
        (f64x2.add
          (v128.load (i32.add (local.get $y) (local.get $i)))
          (f64x2.mul (local.get $aa) (v128.load (i32.add (local.get $x) (local.get $i))))))
      (br_if $dims (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $stride)))))

  ;; y = a·y + x over stride bytes of Float64 (a = 0 copies x, whatever y held).
  (func $scaleAdd (param $y i32) (param $a f64) (param $x i32) (param $stride i32)
    (local $i i32) (local $aa v128)
    (local.set $aa (f64x2.splat (local.get $a)))
    (loop $dims
      (v128.store (i32.add (local.get $y) (local.get $i))
        (f64x2.add
          (select (v128.const i64x2 0 0)
            (f64x2.mul (local.get $aa) (v128.load (i32.add (local.get $y) (local.get $i))))
            (f64.eq (local.get $a) (f64.const 0)))
          (v128.load (i32.add (local.get $x) (local.get $i)))))
      (br_if $dims (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $stride)))))
;; The two steps of the blocked Cholesky factor and triangular inverse of large symmetric positive
  ;; definite matrices (src/factors/large-cholesky.ts, for EASE). Rows are any lengths here, so the
  ;; loops test at the top and finish odd lengths with a scalar step.

  ;; For each column j in [j0, j1), then each row i in [from, to) (every i > j):
  ;; A[i,j] = (A[i,j] − A_i[0..j)·A_j[0..j)) / A[j,j]. Rows are independent: threads split them.
  (func $choleskyColumns (export "c") (param $A i32) (param $stride i32) (param $j0 i32) (param $j1 i32) (param $from i32) (param $to i32)
    (local $rowJ i32) (local $i i32) (local $row i32) (local $at i32) (local $diagonal f64)
    (block $columnsDone
      (loop $columns
        (br_if $columnsDone (i32.ge_u (local.get $j0) (local.get $j1)))
        (local.set $rowJ (i32.add (local.get $A) (i32.mul (local.get $j0) (local.get $stride))))
        (local.set $diagonal (f64.load (i32.add (local.get $rowJ) (i32.shl (local.get $j0) (i32.const 3)))))
        (local.set $i (local.get $from))
        (block $rowsDone
          (loop $rows
            (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $to)))
            (local.set $row (i32.add (local.get $A) (i32.mul (local.get $i) (local.get $stride))))
            (local.set $at (i32.add (local.get $row) (i32.shl (local.get $j0) (i32.const 3))))
            (f64.store (local.get $at)
              (f64.div
                (f64.sub (f64.load (local.get $at)) (call $dotAny (local.get $row) (local.get $rowJ) (local.get $j0)))
                (local.get $diagonal)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rows)))
        (local.set $j0 (i32.add (local.get $j0) (i32.const 1)))
        (br $columns))))

  ;; For each p in [p0, p1), then each row i in [from, to) (every i > p) of the inverse W of a lower
  ;; triangle L: W_i[0..p] −= L[i,p]·W_p[0..p]. Rows are independent: threads split them.
  (func $inverseSteps (export "v") (param $W i32) (param $L i32) (param $stride i32) (param $p0 i32) (param $p1 i32) (param $from i32) (param $to i32)
    (local $rowP i32) (local $i i32) (local $offset i32) (local $lip f64)
    (block $stepsDone
      (loop $steps
        (br_if $stepsDone (i32.ge_u (local.get $p0) (local.get $p1)))
        (local.set $rowP (i32.add (local.get $W) (i32.mul (local.get $p0) (local.get $stride))))
        (local.set $i (local.get $from))
        (block $rowsDone
          (loop $rows
            (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $to)))
            (local.set $offset (i32.mul (local.get $i) (local.get $stride)))
            (local.set $lip
              (f64.load (i32.add (i32.add (local.get $L) (local.get $offset)) (i32.shl (local.get $p0) (i32.const 3)))))
            (if (f64.ne (local.get $lip) (f64.const 0))
              (then
                (call $axpyAny
                  (i32.add (local.get $W) (local.get $offset))
                  (f64.neg (local.get $lip))
                  (local.get $rowP)
                  (i32.add (local.get $p0) (i32.const 1)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rows)))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 1)))
        (br $steps))))

  ;; a·b over n Float64s (n ≥ 0), two f64x2 accumulators.
  (func $dotAny (param $a i32) (param $b i32) (param $n i32) (result f64)
    (local $i i32) (local $bytes i32) (local $s v128) (local $t v128) (local $sum f64)
    (local.set $bytes (i32.shl (local.get $n) (i32.const 3)))
    (block $pairs
      (loop $quads
        (br_if $pairs (i32.gt_u (i32.add (local.get $i) (i32.const 32)) (local.get $bytes)))
        (local.set $s
          (f64x2.add (local.get $s)
            (f64x2.mul (v128.load (i32.add (local.get $a) (local.get $i))) (v128.load (i32.add (local.get $b) (local.get $i))))))
        (local.set $t
          (f64x2.add (local.get $t)
            (f64x2.mul
              (v128.load offset=16 (i32.add (local.get $a) (local.get $i)))
              (v128.load offset=16 (i32.add (local.get $b) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 32)))
        (br $quads)))
    (if (i32.le_u (i32.add (local.get $i) (i32.const 16)) (local.get $bytes))
      (then
        (local.set $s
          (f64x2.add (local.get $s)
            (f64x2.mul (v128.load (i32.add (local.get $a) (local.get $i))) (v128.load (i32.add (local.get $b) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))))
    (local.set $s (f64x2.add (local.get $s) (local.get $t)))
    (local.set $sum (f64.add (f64x2.extract_lane 0 (local.get $s)) (f64x2.extract_lane 1 (local.get $s))))
    (if (i32.lt_u (local.get $i) (local.get $bytes))
      (then
        (local.set $sum
          (f64.add (local.get $sum)
            (f64.mul (f64.load (i32.add (local.get $a) (local.get $i))) (f64.load (i32.add (local.get $b) (local.get $i))))))))
    (local.get $sum))

  ;; y += a·x over n Float64s (n ≥ 0).
  (func $axpyAny (param $y i32) (param $a f64) (param $x i32) (param $n i32)
    (local $i i32) (local $bytes i32) (local $aa v128)
    (local.set $bytes (i32.shl (local.get $n) (i32.const 3)))
    (local.set $aa (f64x2.splat (local.get $a)))
    (block $tail
      (loop $pairs
        (br_if $tail (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $bytes)))
        (v128.store (i32.add (local.get $y) (local.get $i))
          (f64x2.add
            (v128.load (i32.add (local.get $y) (local.get $i)))
            (f64x2.mul (local.get $aa) (v128.load (i32.add (local.get $x) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $pairs)))
    (if (i32.lt_u (local.get $i) (local.get $bytes))
      (then
        (f64.store (i32.add (local.get $y) (local.get $i))
          (f64.add
            (f64.load (i32.add (local.get $y) (local.get $i)))
            (f64.mul (local.get $a) (f64.load (i32.add (local.get $x) (local.get $i)))))))))
)
