;; Never returns: stopped by fuel, or by the deadline when fuel is plentiful.
(module
  (memory (export "memory") 1)
  (func (export "__guest_call") (param i32 i32) (result i32)
    (loop $forever (br $forever))
    (i32.const 1)))
