;; Exports "__guest_call", but as a global, not a function: not a waPC module.
;; Loading it works; every call fails with a link error that says why.
(module
  (memory (export "memory") 1)
  (global (export "__guest_call") i32 (i32.const 1)))
