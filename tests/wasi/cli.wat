;; Exports for `teanode wasm run --invoke` tests (tests/wasi/run.sh).
(module
  (func (export "add") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.add)
  (func (export "neg64") (param i64) (result i64)
    i64.const 0 local.get 0 i64.sub)
  (func (export "tenth") (result f64) f64.const 0.1)
  (func (export "multi") (param f32) (result i32 i64 f32 f64)
    i32.const -1 i64.const 9007199254740993 local.get 0 f64.const 1e21)
  (func (export "div") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.div_s)
  (func (export "spin") (loop br 0)))
