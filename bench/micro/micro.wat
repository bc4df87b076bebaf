;; Modules for bench/micro/micro.c: an empty export, a loop calling an empty
;; host function, and a compute loop (for the cost of fuel metering).
(module
  (import "env" "nop" (func $nop))
  (memory 1)
  (func (export "empty"))
  (func (export "call_host") (param $n i32)
    (loop $l
      (call $nop)
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n))))
  (func (export "spin") (param $n i32) (result i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (local.get $n)))
      (i32.store (i32.and (local.get $n) (i32.const 1020)) (local.get $acc))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))
    (local.get $acc))
)
