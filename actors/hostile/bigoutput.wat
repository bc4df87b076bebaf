;; Answers 2 MiB, over the default 1 MiB output limit.
(module
  (import "wapc" "__guest_response" (func $respond (param i32 i32)))
  (memory (export "memory") 33)
  (func (export "__guest_call") (param i32 i32) (result i32)
    (call $respond (i32.const 0) (i32.const 2097152))
    (i32.const 1)))
