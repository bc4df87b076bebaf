;; Calls tea:keyvalue without having it granted (not claimed, or claimed but
;; not approved): the host refuses the call and stops the actor.
(module
  (import "wapc" "__host_call" (func $host_call (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wapc" "__guest_response" (func $respond (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "default")
  (data (i32.const 16) "tea:keyvalue")
  (data (i32.const 32) "get")
  (data (i32.const 48) "secret")
  (func (export "__guest_call") (param i32 i32) (result i32)
    (drop (call $host_call (i32.const 0) (i32.const 7) (i32.const 16) (i32.const 12)
                           (i32.const 32) (i32.const 3) (i32.const 48) (i32.const 6)))
    (call $respond (i32.const 48) (i32.const 6))
    (i32.const 1)))
