;; Changes every kind of instance state an instance pool must put back:
;; memory size and contents, a mutable global, a table's size, a passive data
;; segment (dropped after use: a second memory.init from it would trap).
;; A fresh (or properly reset) instance answers "2112ok" every time.
(module
  (import "wapc" "__guest_response" (func $respond (param i32 i32)))
  (memory (export "memory") 1)
  (table $t 1 funcref)
  (global $g (mut i32) (i32.const 0))
  (data $seg "ok")
  (func $f)
  (elem declare func $f)
  (func (export "__guest_call") (param i32 i32) (result i32)
    (drop (memory.grow (i32.const 1)))
    (i32.store8 (i32.const 65536) (i32.add (i32.load8_u (i32.const 65536)) (i32.const 1)))
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (drop (table.grow $t (ref.func $f) (i32.const 1)))
    (memory.init $seg (i32.const 10) (i32.const 0) (i32.const 2))
    (data.drop $seg)
    (i32.store8 (i32.const 0) (i32.add (i32.const 48) (memory.size)))
    (i32.store8 (i32.const 1) (i32.add (i32.const 48) (i32.load8_u (i32.const 65536))))
    (i32.store8 (i32.const 2) (i32.add (i32.const 48) (global.get $g)))
    (i32.store8 (i32.const 3) (i32.add (i32.const 48) (table.size $t)))
    (i32.store8 (i32.const 4) (i32.load8_u (i32.const 10)))
    (i32.store8 (i32.const 5) (i32.load8_u (i32.const 11)))
    (call $respond (i32.const 0) (i32.const 6))
    (i32.const 1)))
