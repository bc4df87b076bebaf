;; v128 values across the engine's boundaries (test_wasm.c): arguments and
;; results mixed with scalars (a v128 takes two slots), a host function with
;; v128 parameters and results, a mutable v128 global, and NaN lanes.
(module
  (import "host" "swap" (func $swap (param i32 v128 i64) (result v128 i32)))
  (global $g (export "g") (mut v128) (v128.const i32x4 10 20 30 40))
  (func (export "v") (result i32) (i32x4.extract_lane 0 (v128.const i32x4 1 2 3 4)))
  (func (export "add") (param v128 i32 v128) (result v128 i32)
    (i32x4.add (local.get 0) (local.get 2)) (local.get 1))
  (func (export "via_host") (param v128) (result v128 i32)
    (call $swap (i32.const 5) (local.get 0) (i64.const 7)))
  (func (export "bump")
    (global.set $g (i32x4.add (global.get $g) (v128.const i32x4 1 1 1 1))))
  (func (export "nan") (result v128)
    (f32x4.div (v128.const f32x4 0 1 0 2) (v128.const f32x4 0 1 0 2))))
