;; Writes to the log from its initializer: an instance pool must not reuse
;; it, or later calls would lose the line a fresh instance writes each time.
(module
  (import "wapc" "__console_log" (func $log (param i32 i32)))
  (import "wapc" "__guest_response" (func $respond (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "init")
  (func (export "_initialize") (call $log (i32.const 0) (i32.const 4)))
  (func (export "__guest_call") (param i32 i32) (result i32)
    (call $respond (i32.const 0) (i32.const 4))
    (i32.const 1)))
