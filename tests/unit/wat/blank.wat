;; A memory and nothing else, the size of writes.wat's: test_wasm.c checks that it
;; comes back from another module all zeros.
(module (memory (export "memory") 2 2))
