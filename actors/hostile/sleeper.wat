;; Imports poll_oneoff to sleep past its deadline: refused at load.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "__guest_call") (param i32 i32) (result i32)
    (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128))))
