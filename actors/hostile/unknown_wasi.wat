;; Imports a WASI name that preview 1 does not have: refused when the actor is
;; loaded, naming the import, not at every call.
(module
  (import "wasi_snapshot_preview1" "fd_teleport" (func $teleport (param i32) (result i32)))
  (import "wapc" "__guest_response" (func $respond (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "__guest_call") (param i32 i32) (result i32)
    (drop (call $teleport (i32.const 0)))
    (i32.const 1)))
