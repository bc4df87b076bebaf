;; Tries to keep state between requests in a global and in memory: with a
;; fresh instance per request, every call answers "1" and "1".
(module
  (import "wapc" "__guest_response" (func $respond (param i32 i32)))
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (func (export "__guest_call") (param i32 i32) (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.store8 (i32.const 100) (i32.add (i32.load8_u (i32.const 100)) (i32.const 1)))
    (i32.store8 (i32.const 0) (i32.add (i32.const 48) (global.get $calls)))
    (i32.store8 (i32.const 1) (i32.add (i32.const 48) (i32.load8_u (i32.const 100))))
    (call $respond (i32.const 0) (i32.const 2))
    (i32.const 1)))
