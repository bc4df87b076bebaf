;; Calls tea:log in a loop without end: stopped by the host-call limit.
(module
  (import "wapc" "__host_call" (func $host_call (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "default")
  (data (i32.const 16) "tea:log")
  (data (i32.const 32) "info")
  (func (export "__guest_call") (param i32 i32) (result i32)
    (loop $again
      (drop (call $host_call (i32.const 0) (i32.const 7) (i32.const 16) (i32.const 7)
                             (i32.const 32) (i32.const 4) (i32.const 0) (i32.const 7)))
      (br $again))
    (i32.const 1)))
