;; Out-of-bounds access: ops "load" and "hello" (the one another actor calls
;; through tea:actor) read past its memory themselves; any other op hands the
;; host a response pointer past its memory.
(module
  (import "wapc" "__guest_request" (func $request (param i32 i32)))
  (import "wapc" "__guest_response" (func $respond (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "__guest_call") (param $op_len i32) (param i32) (result i32)
    (call $request (i32.const 0) (i32.const 64))
    ;; "load" is 4 bytes starting with 'l', "hello" 5 starting with 'h'
    (if (i32.or (i32.and (i32.eq (local.get $op_len) (i32.const 4))
                         (i32.eq (i32.load8_u (i32.const 0)) (i32.const 108)))
                (i32.and (i32.eq (local.get $op_len) (i32.const 5))
                         (i32.eq (i32.load8_u (i32.const 0)) (i32.const 104))))
      (then (return (i32.load (i32.const 70000)))))
    (call $respond (i32.const 65000) (i32.const 1000))
    (i32.const 1)))
