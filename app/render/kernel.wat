;; Escape-time Julia kernel, WebAssembly SIMD (f64x2). Same arithmetic as julia_ref.c, lane by lane:
;;   r2 = zr*zr; i2 = zi*zi; if (r2+i2 > 4.0) stop; zi = (zr+zr)*zi + ci; zr = (r2-i2) + cr
;; (zr+zr is bit-identical to 2*zr; no fused multiply-add exists in this instruction set.)
;; Four pixels are in flight (two vectors, for instruction-level parallelism). Each lane carries an
;; "active" mask; a lane whose |z|^2 exceeded 4 drops out of the mask for good, so its count freezes at the
;; step where the C loop breaks, while the other lanes go on. The step loop is unrolled four times and checks
;; its exit once per turn: the group stops when no lane is active or after at least n steps, so a lane still
;; active then holds a count from n to n+3, which the colour pass maps to n-1 like C's "never escaped" (a lane
;; that escapes in those extra steps also counts >= n: the same n-1). CPU time: about 4% less than one step
;; per turn.
;; Assemble with: node app/render/build-kernel.mjs  (writes kernel-wasm.ts)
(module
  (memory (export "memory") 1)

  ;; counts[x] (i64) for the 4*groups pixels whose real parts are xs[x] (f64), imaginary part zi.
  (func (export "row")
    (param $xs i32) (param $groups i32) (param $zi f64) (param $cr f64) (param $ci f64)
    (param $n i32) (param $counts i32)
    (local $i i32)
    (local $ar v128) (local $ai v128) (local $br v128) (local $bi v128)
    (local $ar2 v128) (local $ai2 v128) (local $br2 v128) (local $bi2 v128)
    (local $am v128) (local $bm v128) (local $ac v128) (local $bc v128)
    (local $vcr v128) (local $vci v128) (local $vzi v128) (local $four v128)
    (local.set $vcr (f64x2.splat (local.get $cr)))
    (local.set $vci (f64x2.splat (local.get $ci)))
    (local.set $vzi (f64x2.splat (local.get $zi)))
    (local.set $four (f64x2.splat (f64.const 4)))
    (block $rowdone
      (loop $group
        (br_if $rowdone (i32.eqz (local.get $groups)))
        (local.set $ar (v128.load (local.get $xs)))
        (local.set $br (v128.load offset=16 (local.get $xs)))
        (local.set $ai (local.get $vzi))
        (local.set $bi (local.get $vzi))
        (local.set $am (v128.const i64x2 -1 -1))
        (local.set $bm (v128.const i64x2 -1 -1))
        (local.set $ac (v128.const i64x2 0 0))
        (local.set $bc (v128.const i64x2 0 0))
        (local.set $i (local.get $n))
        (block $escaped
          (loop $step
            ;; Four steps per turn (unrolled by hand; wat has no macros): each step updates the masks and counts
            ;; exactly; only the early exit and the step budget are checked once per turn.
            ;; active &= !(r2+i2 > 4)   (NaN compares false and stays active, as in C); count += 1 on active
            ;; lanes (mask lanes are -1).
            (local.set $ar2 (f64x2.mul (local.get $ar) (local.get $ar)))
            (local.set $ai2 (f64x2.mul (local.get $ai) (local.get $ai)))
            (local.set $br2 (f64x2.mul (local.get $br) (local.get $br)))
            (local.set $bi2 (f64x2.mul (local.get $bi) (local.get $bi)))
            (local.set $am (v128.andnot (local.get $am)
              (f64x2.gt (f64x2.add (local.get $ar2) (local.get $ai2)) (local.get $four))))
            (local.set $bm (v128.andnot (local.get $bm)
              (f64x2.gt (f64x2.add (local.get $br2) (local.get $bi2)) (local.get $four))))
            (local.set $ac (i64x2.sub (local.get $ac) (local.get $am)))
            (local.set $bc (i64x2.sub (local.get $bc) (local.get $bm)))
            (local.set $ai (f64x2.add (f64x2.mul (f64x2.add (local.get $ar) (local.get $ar)) (local.get $ai))
              (local.get $vci)))
            (local.set $ar (f64x2.add (f64x2.sub (local.get $ar2) (local.get $ai2)) (local.get $vcr)))
            (local.set $bi (f64x2.add (f64x2.mul (f64x2.add (local.get $br) (local.get $br)) (local.get $bi))
              (local.get $vci)))
            (local.set $br (f64x2.add (f64x2.sub (local.get $br2) (local.get $bi2)) (local.get $vcr)))
            ;; step 2
            (local.set $ar2 (f64x2.mul (local.get $ar) (local.get $ar)))
            (local.set $ai2 (f64x2.mul (local.get $ai) (local.get $ai)))
            (local.set $br2 (f64x2.mul (local.get $br) (local.get $br)))
            (local.set $bi2 (f64x2.mul (local.get $bi) (local.get $bi)))
            (local.set $am (v128.andnot (local.get $am)
              (f64x2.gt (f64x2.add (local.get $ar2) (local.get $ai2)) (local.get $four))))
            (local.set $bm (v128.andnot (local.get $bm)
              (f64x2.gt (f64x2.add (local.get $br2) (local.get $bi2)) (local.get $four))))
            (local.set $ac (i64x2.sub (local.get $ac) (local.get $am)))
            (local.set $bc (i64x2.sub (local.get $bc) (local.get $bm)))
            (local.set $ai (f64x2.add (f64x2.mul (f64x2.add (local.get $ar) (local.get $ar)) (local.get $ai))
              (local.get $vci)))
            (local.set $ar (f64x2.add (f64x2.sub (local.get $ar2) (local.get $ai2)) (local.get $vcr)))
            (local.set $bi (f64x2.add (f64x2.mul (f64x2.add (local.get $br) (local.get $br)) (local.get $bi))
              (local.get $vci)))
            (local.set $br (f64x2.add (f64x2.sub (local.get $br2) (local.get $bi2)) (local.get $vcr)))
            ;; step 3
            (local.set $ar2 (f64x2.mul (local.get $ar) (local.get $ar)))
            (local.set $ai2 (f64x2.mul (local.get $ai) (local.get $ai)))
            (local.set $br2 (f64x2.mul (local.get $br) (local.get $br)))
            (local.set $bi2 (f64x2.mul (local.get $bi) (local.get $bi)))
            (local.set $am (v128.andnot (local.get $am)
              (f64x2.gt (f64x2.add (local.get $ar2) (local.get $ai2)) (local.get $four))))
            (local.set $bm (v128.andnot (local.get $bm)
              (f64x2.gt (f64x2.add (local.get $br2) (local.get $bi2)) (local.get $four))))
            (local.set $ac (i64x2.sub (local.get $ac) (local.get $am)))
            (local.set $bc (i64x2.sub (local.get $bc) (local.get $bm)))
            (local.set $ai (f64x2.add (f64x2.mul (f64x2.add (local.get $ar) (local.get $ar)) (local.get $ai))
              (local.get $vci)))
            (local.set $ar (f64x2.add (f64x2.sub (local.get $ar2) (local.get $ai2)) (local.get $vcr)))
            (local.set $bi (f64x2.add (f64x2.mul (f64x2.add (local.get $br) (local.get $br)) (local.get $bi))
              (local.get $vci)))
            (local.set $br (f64x2.add (f64x2.sub (local.get $br2) (local.get $bi2)) (local.get $vcr)))
            ;; step 4: leave once no lane is active
            (local.set $ar2 (f64x2.mul (local.get $ar) (local.get $ar)))
            (local.set $ai2 (f64x2.mul (local.get $ai) (local.get $ai)))
            (local.set $br2 (f64x2.mul (local.get $br) (local.get $br)))
            (local.set $bi2 (f64x2.mul (local.get $bi) (local.get $bi)))
            (local.set $am (v128.andnot (local.get $am)
              (f64x2.gt (f64x2.add (local.get $ar2) (local.get $ai2)) (local.get $four))))
            (local.set $bm (v128.andnot (local.get $bm)
              (f64x2.gt (f64x2.add (local.get $br2) (local.get $bi2)) (local.get $four))))
            (br_if $escaped (i32.eqz (v128.any_true (v128.or (local.get $am) (local.get $bm)))))
            (local.set $ac (i64x2.sub (local.get $ac) (local.get $am)))
            (local.set $bc (i64x2.sub (local.get $bc) (local.get $bm)))
            (local.set $ai (f64x2.add (f64x2.mul (f64x2.add (local.get $ar) (local.get $ar)) (local.get $ai))
              (local.get $vci)))
            (local.set $ar (f64x2.add (f64x2.sub (local.get $ar2) (local.get $ai2)) (local.get $vcr)))
            (local.set $bi (f64x2.add (f64x2.mul (f64x2.add (local.get $br) (local.get $br)) (local.get $bi))
              (local.get $vci)))
            (local.set $br (f64x2.add (f64x2.sub (local.get $br2) (local.get $bi2)) (local.get $vcr)))
            (br_if $step (i32.gt_s (local.tee $i (i32.sub (local.get $i) (i32.const 4))) (i32.const 0)))
          )
        )
        (v128.store (local.get $counts) (local.get $ac))
        (v128.store offset=16 (local.get $counts) (local.get $bc))
        (local.set $xs (i32.add (local.get $xs) (i32.const 32)))
        (local.set $counts (i32.add (local.get $counts) (i32.const 32)))
        (local.set $groups (i32.sub (local.get $groups) (i32.const 1)))
        (br $group)
      )
    )
  )

  ;; One PNG scanline at out: filter byte 0, then per pixel k = min(count, n-1) and
  ;; R,G,B = ((k%8)*32, (k%16)*16, (k%32)*8).
  (func (export "colour") (param $counts i32) (param $width i32) (param $n i32) (param $out i32)
    (local $k i32) (local $end i32)
    (i32.store8 (local.get $out) (i32.const 0))
    (local.set $out (i32.add (local.get $out) (i32.const 1)))
    (local.set $end (i32.add (local.get $counts) (i32.shl (local.get $width) (i32.const 3))))
    (block $done
      (loop $pixel
        (br_if $done (i32.ge_u (local.get $counts) (local.get $end)))
        (local.set $k (i32.wrap_i64 (i64.load (local.get $counts))))
        (if (i32.ge_u (local.get $k) (local.get $n))
          (then (local.set $k (i32.sub (local.get $n) (i32.const 1)))))
        (i32.store8 (local.get $out) (i32.shl (i32.and (local.get $k) (i32.const 7)) (i32.const 5)))
        (i32.store8 offset=1 (local.get $out) (i32.shl (i32.and (local.get $k) (i32.const 15)) (i32.const 4)))
        (i32.store8 offset=2 (local.get $out) (i32.shl (i32.and (local.get $k) (i32.const 31)) (i32.const 3)))
        (local.set $out (i32.add (local.get $out) (i32.const 3)))
        (local.set $counts (i32.add (local.get $counts) (i32.const 8)))
        (br $pixel)
      )
    )
  )

  ;; PNG filters of one band, in place (see encode.ts filterBand): rows 1.. get filter 2 (Up: byte minus the
  ;; byte above, 16 bytes at a time), row 0 gets filter 1 (Sub: byte minus the byte 3 to the left). Bottom-up
  ;; and right-to-left, so every subtraction reads still-unfiltered bytes.
  (func (export "filter") (param $base i32) (param $line i32) (param $rows i32)
    (local $row i32) (local $p i32) (local $end i32)
    (local.set $row (i32.sub (local.get $rows) (i32.const 1)))
    (block $upsdone
      (loop $up
        (br_if $upsdone (i32.eqz (local.get $row)))
        (local.set $p (i32.add (local.get $base) (i32.mul (local.get $row) (local.get $line))))
        (local.set $end (i32.add (local.get $p) (local.get $line)))
        (i32.store8 (local.get $p) (i32.const 2))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (block $vecdone
          (loop $vec
            (br_if $vecdone (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
            (v128.store (local.get $p)
              (i8x16.sub (v128.load (local.get $p)) (v128.load (i32.sub (local.get $p) (local.get $line)))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $vec)))
        (block $taildone
          (loop $tail
            (br_if $taildone (i32.ge_u (local.get $p) (local.get $end)))
            (i32.store8 (local.get $p)
              (i32.sub (i32.load8_u (local.get $p)) (i32.load8_u (i32.sub (local.get $p) (local.get $line)))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $tail)))
        (local.set $row (i32.sub (local.get $row) (i32.const 1)))
        (br $up)))
    (i32.store8 (local.get $base) (i32.const 1))
    (local.set $p (i32.add (local.get $base) (i32.sub (local.get $line) (i32.const 1))))
    (local.set $end (i32.add (local.get $base) (i32.const 4)))
    (block $subdone
      (loop $sub
        (br_if $subdone (i32.lt_u (local.get $p) (local.get $end)))
        (i32.store8 (local.get $p)
          (i32.sub (i32.load8_u (local.get $p)) (i32.load8_u (i32.sub (local.get $p) (i32.const 3)))))
        (local.set $p (i32.sub (local.get $p) (i32.const 1)))
        (br $sub))))

;; Adler-32 of len bytes at p (zlib's definition). Chunks of at most 5552 bytes (zlib's NMAX: b stays below
  ;; 2^32 before the modulo); within a chunk 16 bytes at a time: for bytes x0..x15, a += sum(x) and
  ;; b += 16*a + 16*x0 + 15*x1 + ... + 1*x15, kept as lane sums (va: bytes, vs: va before each block, vb: the
  ;; weighted bytes) and folded into a and b once per chunk; the chunk's last len%16 bytes one at a time.
  (func (export "adler32") (param $p i32) (param $len i32) (result i32)
    (local $a i32) (local $b i32) (local $n i32) (local $end i32) (local $blocks i32)
    (local $x v128) (local $va v128) (local $vb v128) (local $vs v128)
    (local.set $a (i32.const 1))
    (block $done
      (loop $chunk
        (br_if $done (i32.eqz (local.get $len)))
        (local.set $n (select (i32.const 5552) (local.get $len) (i32.gt_u (local.get $len) (i32.const 5552))))
        (local.set $len (i32.sub (local.get $len) (local.get $n)))
        (local.set $blocks (i32.shr_u (local.get $n) (i32.const 4)))
        (if (local.get $blocks)
          (then
            (local.set $va (v128.const i32x4 0 0 0 0))
            (local.set $vb (v128.const i32x4 0 0 0 0))
            (local.set $vs (v128.const i32x4 0 0 0 0))
            (local.set $end (i32.add (local.get $p) (i32.shl (local.get $blocks) (i32.const 4))))
            (loop $block
              (local.set $x (v128.load (local.get $p)))
              (local.set $vs (i32x4.add (local.get $vs) (local.get $va)))
              (local.set $va (i32x4.add (local.get $va)
                (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $x)))))
              (local.set $vb (i32x4.add (local.get $vb) (i32x4.add
                (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_u (local.get $x))
                  (v128.const i16x8 16 15 14 13 12 11 10 9))
                (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_u (local.get $x))
                  (v128.const i16x8 8 7 6 5 4 3 2 1)))))
              (local.set $p (i32.add (local.get $p) (i32.const 16)))
              (br_if $block (i32.lt_u (local.get $p) (local.get $end))))
            ;; b += 16*blocks*a (a as the chunk began) + 16*sum(vs) + sum(vb); a += sum(va)
            (local.set $b (i32.add (local.get $b)
              (i32.mul (i32.shl (local.get $blocks) (i32.const 4)) (local.get $a))))
            (local.set $b (i32.add (local.get $b) (i32.add (i32.shl
              (i32.add (i32.add (i32x4.extract_lane 0 (local.get $vs)) (i32x4.extract_lane 1 (local.get $vs)))
            (i32.add (i32x4.extract_lane 2 (local.get $vs)) (i32x4.extract_lane 3 (local.get $vs))))
              (i32.const 4))
              (i32.add (i32.add (i32x4.extract_lane 0 (local.get $vb)) (i32x4.extract_lane 1 (local.get $vb)))
            (i32.add (i32x4.extract_lane 2 (local.get $vb)) (i32x4.extract_lane 3 (local.get $vb)))))))
            (local.set $a (i32.add (local.get $a)
              (i32.add (i32.add (i32x4.extract_lane 0 (local.get $va)) (i32x4.extract_lane 1 (local.get $va)))
            (i32.add (i32x4.extract_lane 2 (local.get $va)) (i32x4.extract_lane 3 (local.get $va))))))))
        (local.set $end (i32.add (local.get $p) (i32.and (local.get $n) (i32.const 15))))
        (block $tailDone
          (loop $byte
            (br_if $tailDone (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $a (i32.add (local.get $a) (i32.load8_u (local.get $p))))
            (local.set $b (i32.add (local.get $b) (local.get $a)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $byte)))
        (local.set $a (i32.rem_u (local.get $a) (i32.const 65521)))
        (local.set $b (i32.rem_u (local.get $b) (i32.const 65521)))
        (br $chunk)))
    (i32.or (i32.shl (local.get $b) (i32.const 16)) (local.get $a)))
)
