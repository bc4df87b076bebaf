/* WASI sandboxing through the public API: path escapes are refused,
 * switched-off capabilities answer ENOTCAPABLE, bad guest pointers answer
 * EFAULT, proc_exit becomes TEA_ERR_EXIT, and the callbacks see the bytes,
 * clocks and randomness. The guest is tests/wasi/unit_module.wat: one export
 * per WASI function, forwarding its parameters, so each host function runs
 * with a real caller and memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tea/wasi.h"
#include "tea/wasm.h"

/* wat2wasm tests/wasi/unit_module.wat -o m.wasm && xxd -i m.wasm */
static const uint8_t module_bytes[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x57, 0x0b, 0x60,
  0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x03, 0x7f, 0x7e, 0x7f, 0x01, 0x7f,
  0x60, 0x04, 0x7f, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01,
  0x7f, 0x60, 0x05, 0x7f, 0x7f, 0x7f, 0x7e, 0x7f, 0x01, 0x7f, 0x60, 0x04,
  0x7f, 0x7e, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x09, 0x7f, 0x7f, 0x7f, 0x7f,
  0x7f, 0x7e, 0x7e, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x03, 0x7f, 0x7f, 0x7f,
  0x01, 0x7f, 0x60, 0x05, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x60,
  0x06, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f,
  0x00, 0x02, 0x8a, 0x07, 0x18, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f, 0x73,
  0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76,
  0x69, 0x65, 0x77, 0x31, 0x08, 0x61, 0x72, 0x67, 0x73, 0x5f, 0x67, 0x65,
  0x74, 0x00, 0x00, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61,
  0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65,
  0x77, 0x31, 0x0e, 0x61, 0x72, 0x67, 0x73, 0x5f, 0x73, 0x69, 0x7a, 0x65,
  0x73, 0x5f, 0x67, 0x65, 0x74, 0x00, 0x00, 0x16, 0x77, 0x61, 0x73, 0x69,
  0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72,
  0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x0b, 0x65, 0x6e, 0x76, 0x69, 0x72,
  0x6f, 0x6e, 0x5f, 0x67, 0x65, 0x74, 0x00, 0x00, 0x16, 0x77, 0x61, 0x73,
  0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70,
  0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x11, 0x65, 0x6e, 0x76, 0x69,
  0x72, 0x6f, 0x6e, 0x5f, 0x73, 0x69, 0x7a, 0x65, 0x73, 0x5f, 0x67, 0x65,
  0x74, 0x00, 0x00, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61,
  0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65,
  0x77, 0x31, 0x0e, 0x63, 0x6c, 0x6f, 0x63, 0x6b, 0x5f, 0x74, 0x69, 0x6d,
  0x65, 0x5f, 0x67, 0x65, 0x74, 0x00, 0x01, 0x16, 0x77, 0x61, 0x73, 0x69,
  0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72,
  0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x0a, 0x72, 0x61, 0x6e, 0x64, 0x6f,
  0x6d, 0x5f, 0x67, 0x65, 0x74, 0x00, 0x00, 0x16, 0x77, 0x61, 0x73, 0x69,
  0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72,
  0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x08, 0x66, 0x64, 0x5f, 0x77, 0x72,
  0x69, 0x74, 0x65, 0x00, 0x02, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f, 0x73,
  0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76,
  0x69, 0x65, 0x77, 0x31, 0x07, 0x66, 0x64, 0x5f, 0x72, 0x65, 0x61, 0x64,
  0x00, 0x02, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70,
  0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77,
  0x31, 0x08, 0x66, 0x64, 0x5f, 0x63, 0x6c, 0x6f, 0x73, 0x65, 0x00, 0x03,
  0x16, 0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68,
  0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x0e,
  0x66, 0x64, 0x5f, 0x70, 0x72, 0x65, 0x73, 0x74, 0x61, 0x74, 0x5f, 0x67,
  0x65, 0x74, 0x00, 0x00, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e,
  0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69,
  0x65, 0x77, 0x31, 0x0a, 0x66, 0x64, 0x5f, 0x72, 0x65, 0x61, 0x64, 0x64,
  0x69, 0x72, 0x00, 0x04, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e,
  0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69,
  0x65, 0x77, 0x31, 0x07, 0x66, 0x64, 0x5f, 0x73, 0x65, 0x65, 0x6b, 0x00,
  0x05, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73,
  0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31,
  0x0d, 0x66, 0x64, 0x5f, 0x66, 0x64, 0x73, 0x74, 0x61, 0x74, 0x5f, 0x67,
  0x65, 0x74, 0x00, 0x00, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e,
  0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69,
  0x65, 0x77, 0x31, 0x09, 0x70, 0x61, 0x74, 0x68, 0x5f, 0x6f, 0x70, 0x65,
  0x6e, 0x00, 0x06, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61,
  0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65,
  0x77, 0x31, 0x15, 0x70, 0x61, 0x74, 0x68, 0x5f, 0x63, 0x72, 0x65, 0x61,
  0x74, 0x65, 0x5f, 0x64, 0x69, 0x72, 0x65, 0x63, 0x74, 0x6f, 0x72, 0x79,
  0x00, 0x07, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70,
  0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77,
  0x31, 0x11, 0x70, 0x61, 0x74, 0x68, 0x5f, 0x66, 0x69, 0x6c, 0x65, 0x73,
  0x74, 0x61, 0x74, 0x5f, 0x67, 0x65, 0x74, 0x00, 0x08, 0x16, 0x77, 0x61,
  0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f,
  0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x0c, 0x70, 0x61, 0x74,
  0x68, 0x5f, 0x73, 0x79, 0x6d, 0x6c, 0x69, 0x6e, 0x6b, 0x00, 0x08, 0x16,
  0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f,
  0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x10, 0x70,
  0x61, 0x74, 0x68, 0x5f, 0x75, 0x6e, 0x6c, 0x69, 0x6e, 0x6b, 0x5f, 0x66,
  0x69, 0x6c, 0x65, 0x00, 0x07, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f, 0x73,
  0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76,
  0x69, 0x65, 0x77, 0x31, 0x0b, 0x70, 0x61, 0x74, 0x68, 0x5f, 0x72, 0x65,
  0x6e, 0x61, 0x6d, 0x65, 0x00, 0x09, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f,
  0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65,
  0x76, 0x69, 0x65, 0x77, 0x31, 0x0b, 0x70, 0x6f, 0x6c, 0x6c, 0x5f, 0x6f,
  0x6e, 0x65, 0x6f, 0x66, 0x66, 0x00, 0x02, 0x16, 0x77, 0x61, 0x73, 0x69,
  0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72,
  0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x0b, 0x66, 0x64, 0x5f, 0x72, 0x65,
  0x6e, 0x75, 0x6d, 0x62, 0x65, 0x72, 0x00, 0x00, 0x16, 0x77, 0x61, 0x73,
  0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70,
  0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x0a, 0x70, 0x72, 0x6f, 0x63,
  0x5f, 0x72, 0x61, 0x69, 0x73, 0x65, 0x00, 0x03, 0x16, 0x77, 0x61, 0x73,
  0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70,
  0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x0d, 0x73, 0x6f, 0x63, 0x6b,
  0x5f, 0x73, 0x68, 0x75, 0x74, 0x64, 0x6f, 0x77, 0x6e, 0x00, 0x00, 0x16,
  0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f,
  0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x09, 0x70,
  0x72, 0x6f, 0x63, 0x5f, 0x65, 0x78, 0x69, 0x74, 0x00, 0x0a, 0x03, 0x19,
  0x18, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x02, 0x03, 0x00, 0x04,
  0x05, 0x00, 0x06, 0x07, 0x08, 0x08, 0x07, 0x09, 0x02, 0x00, 0x03, 0x00,
  0x0a, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0xeb, 0x02, 0x19, 0x06, 0x6d,
  0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x08, 0x61, 0x72, 0x67, 0x73,
  0x5f, 0x67, 0x65, 0x74, 0x00, 0x18, 0x0e, 0x61, 0x72, 0x67, 0x73, 0x5f,
  0x73, 0x69, 0x7a, 0x65, 0x73, 0x5f, 0x67, 0x65, 0x74, 0x00, 0x19, 0x0b,
  0x65, 0x6e, 0x76, 0x69, 0x72, 0x6f, 0x6e, 0x5f, 0x67, 0x65, 0x74, 0x00,
  0x1a, 0x11, 0x65, 0x6e, 0x76, 0x69, 0x72, 0x6f, 0x6e, 0x5f, 0x73, 0x69,
  0x7a, 0x65, 0x73, 0x5f, 0x67, 0x65, 0x74, 0x00, 0x1b, 0x0e, 0x63, 0x6c,
  0x6f, 0x63, 0x6b, 0x5f, 0x74, 0x69, 0x6d, 0x65, 0x5f, 0x67, 0x65, 0x74,
  0x00, 0x1c, 0x0a, 0x72, 0x61, 0x6e, 0x64, 0x6f, 0x6d, 0x5f, 0x67, 0x65,
  0x74, 0x00, 0x1d, 0x08, 0x66, 0x64, 0x5f, 0x77, 0x72, 0x69, 0x74, 0x65,
  0x00, 0x1e, 0x07, 0x66, 0x64, 0x5f, 0x72, 0x65, 0x61, 0x64, 0x00, 0x1f,
  0x08, 0x66, 0x64, 0x5f, 0x63, 0x6c, 0x6f, 0x73, 0x65, 0x00, 0x20, 0x0e,
  0x66, 0x64, 0x5f, 0x70, 0x72, 0x65, 0x73, 0x74, 0x61, 0x74, 0x5f, 0x67,
  0x65, 0x74, 0x00, 0x21, 0x0a, 0x66, 0x64, 0x5f, 0x72, 0x65, 0x61, 0x64,
  0x64, 0x69, 0x72, 0x00, 0x22, 0x07, 0x66, 0x64, 0x5f, 0x73, 0x65, 0x65,
  0x6b, 0x00, 0x23, 0x0d, 0x66, 0x64, 0x5f, 0x66, 0x64, 0x73, 0x74, 0x61,
  0x74, 0x5f, 0x67, 0x65, 0x74, 0x00, 0x24, 0x09, 0x70, 0x61, 0x74, 0x68,
  0x5f, 0x6f, 0x70, 0x65, 0x6e, 0x00, 0x25, 0x15, 0x70, 0x61, 0x74, 0x68,
  0x5f, 0x63, 0x72, 0x65, 0x61, 0x74, 0x65, 0x5f, 0x64, 0x69, 0x72, 0x65,
  0x63, 0x74, 0x6f, 0x72, 0x79, 0x00, 0x26, 0x11, 0x70, 0x61, 0x74, 0x68,
  0x5f, 0x66, 0x69, 0x6c, 0x65, 0x73, 0x74, 0x61, 0x74, 0x5f, 0x67, 0x65,
  0x74, 0x00, 0x27, 0x0c, 0x70, 0x61, 0x74, 0x68, 0x5f, 0x73, 0x79, 0x6d,
  0x6c, 0x69, 0x6e, 0x6b, 0x00, 0x28, 0x10, 0x70, 0x61, 0x74, 0x68, 0x5f,
  0x75, 0x6e, 0x6c, 0x69, 0x6e, 0x6b, 0x5f, 0x66, 0x69, 0x6c, 0x65, 0x00,
  0x29, 0x0b, 0x70, 0x61, 0x74, 0x68, 0x5f, 0x72, 0x65, 0x6e, 0x61, 0x6d,
  0x65, 0x00, 0x2a, 0x0b, 0x70, 0x6f, 0x6c, 0x6c, 0x5f, 0x6f, 0x6e, 0x65,
  0x6f, 0x66, 0x66, 0x00, 0x2b, 0x0b, 0x66, 0x64, 0x5f, 0x72, 0x65, 0x6e,
  0x75, 0x6d, 0x62, 0x65, 0x72, 0x00, 0x2c, 0x0a, 0x70, 0x72, 0x6f, 0x63,
  0x5f, 0x72, 0x61, 0x69, 0x73, 0x65, 0x00, 0x2d, 0x0d, 0x73, 0x6f, 0x63,
  0x6b, 0x5f, 0x73, 0x68, 0x75, 0x74, 0x64, 0x6f, 0x77, 0x6e, 0x00, 0x2e,
  0x09, 0x70, 0x72, 0x6f, 0x63, 0x5f, 0x65, 0x78, 0x69, 0x74, 0x00, 0x2f,
  0x0a, 0x91, 0x02, 0x18, 0x08, 0x00, 0x20, 0x00, 0x20, 0x01, 0x10, 0x00,
  0x0b, 0x08, 0x00, 0x20, 0x00, 0x20, 0x01, 0x10, 0x01, 0x0b, 0x08, 0x00,
  0x20, 0x00, 0x20, 0x01, 0x10, 0x02, 0x0b, 0x08, 0x00, 0x20, 0x00, 0x20,
  0x01, 0x10, 0x03, 0x0b, 0x0a, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02,
  0x10, 0x04, 0x0b, 0x08, 0x00, 0x20, 0x00, 0x20, 0x01, 0x10, 0x05, 0x0b,
  0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0x20, 0x03, 0x10, 0x06,
  0x0b, 0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0x20, 0x03, 0x10,
  0x07, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x10, 0x08, 0x0b, 0x08, 0x00, 0x20,
  0x00, 0x20, 0x01, 0x10, 0x09, 0x0b, 0x0e, 0x00, 0x20, 0x00, 0x20, 0x01,
  0x20, 0x02, 0x20, 0x03, 0x20, 0x04, 0x10, 0x0a, 0x0b, 0x0c, 0x00, 0x20,
  0x00, 0x20, 0x01, 0x20, 0x02, 0x20, 0x03, 0x10, 0x0b, 0x0b, 0x08, 0x00,
  0x20, 0x00, 0x20, 0x01, 0x10, 0x0c, 0x0b, 0x16, 0x00, 0x20, 0x00, 0x20,
  0x01, 0x20, 0x02, 0x20, 0x03, 0x20, 0x04, 0x20, 0x05, 0x20, 0x06, 0x20,
  0x07, 0x20, 0x08, 0x10, 0x0d, 0x0b, 0x0a, 0x00, 0x20, 0x00, 0x20, 0x01,
  0x20, 0x02, 0x10, 0x0e, 0x0b, 0x0e, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20,
  0x02, 0x20, 0x03, 0x20, 0x04, 0x10, 0x0f, 0x0b, 0x0e, 0x00, 0x20, 0x00,
  0x20, 0x01, 0x20, 0x02, 0x20, 0x03, 0x20, 0x04, 0x10, 0x10, 0x0b, 0x0a,
  0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0x10, 0x11, 0x0b, 0x10, 0x00,
  0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0x20, 0x03, 0x20, 0x04, 0x20, 0x05,
  0x10, 0x12, 0x0b, 0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0x20,
  0x03, 0x10, 0x13, 0x0b, 0x08, 0x00, 0x20, 0x00, 0x20, 0x01, 0x10, 0x14,
  0x0b, 0x06, 0x00, 0x20, 0x00, 0x10, 0x15, 0x0b, 0x08, 0x00, 0x20, 0x00,
  0x20, 0x01, 0x10, 0x16, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x10, 0x17, 0x0b
};

enum { EBADF_ = 8, EFAULT_ = 21, EINVAL_ = 28, ELOOP_ = 32, ENOENT_ = 44, ENOTSUP_ = 58,
       ENOTCAPABLE_ = 76 };
#define MEM_SIZE 65536u
#define PATH_AT 1024u /* where tests put path strings in guest memory */

typedef struct fixture {
  char tmp[256];        /* holds box/ (the preopen, guest "/box") and outside.txt */
  tea_wasm_module *module;
  tea_wasm_store *store;
  tea_wasm_linker *linker;
  tea_wasi *wasi;
  tea_wasm_instance *inst;
  tea_wasm_memory *mem;
  char out[256]; /* what the output callback received */
  size_t out_len;
} fixture;

static int capture(void *user, int stream, const uint8_t *data, size_t len) {
  fixture *f = user;
  int n = snprintf(f->out + f->out_len, sizeof f->out - f->out_len, "%d:%.*s|", stream, (int)len,
                   (const char *)data);
  if (n > 0) f->out_len += (size_t)n;
  return 0;
}
static int fixed_clock(void *user, uint32_t id, int resolution, uint64_t *ns) {
  (void)user;
  *ns = resolution ? 1000 : 1234567890123ull + id;
  return 0;
}
static int fixed_random(void *user, uint8_t *buf, size_t len) {
  (void)user;
  memset(buf, 0xab, len);
  return 0;
}

static void path(fixture *f, const char *rel, char *out, size_t cap) {
  snprintf(out, cap, "%s/%s", f->tmp, rel);
}

/* Makes the sandbox and instantiates the module with the given capabilities. */
static fixture *setup(uint32_t caps, bool callbacks) {
  fixture *f = calloc(1, sizeof *f);
  assert_non_null(f);
  const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  snprintf(f->tmp, sizeof f->tmp, "%s/tea-wasi-XXXXXX", tmpdir);
  assert_non_null(mkdtemp(f->tmp));
  char p[512];
  path(f, "box", p, sizeof p);
  assert_int_equal(mkdir(p, 0755), 0);
  path(f, "box/sub", p, sizeof p);
  assert_int_equal(mkdir(p, 0755), 0);
  static const char *files[] = {"outside.txt", "box/inside.txt"};
  for (size_t i = 0; i < 2; i++) {
    path(f, files[i], p, sizeof p);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs("data\n", fp);
    fclose(fp);
  }
  static const char *links[][2] = {
      {"box/up", ".."},           {"box/abs", "/etc"},     {"box/esc", "../outside.txt"},
      {"box/ok", "inside.txt"},   {"box/sub/back", "../inside.txt"},
      {"box/loop1", "loop2"},     {"box/loop2", "loop1"},  {"box/sub/deep", "../sub/../up"},
  };
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
    path(f, links[i][0], p, sizeof p);
    assert_int_equal(symlink(links[i][1], p), 0);
  }

  tea_error err;
  tea_error_clear(&err);
  tea_wasm_config mc = {.deterministic = false};
  assert_int_equal(tea_wasm_module_load(module_bytes, sizeof module_bytes, &mc, &f->module, &err),
                   TEA_OK);
  tea_wasm_limits limits = {0};
  assert_int_equal(tea_wasm_store_new(&limits, &f->store, &err), TEA_OK);
  assert_int_equal(tea_wasm_linker_new(&f->linker, &err), TEA_OK);

  char box[512];
  path(f, "box", box, sizeof box);
  tea_wasi_preopen pre = {.host_path = box, .guest_path = "/box"};
  const char *argv[] = {"prog", "one", "two"};
  const char *envp[] = {"A=1"};
  tea_wasi_config c;
  tea_wasi_config_init(&c);
  c.argv = argv;
  c.argc = 3;
  c.envp = envp;
  c.envc = 1;
  c.preopens = &pre;
  c.npreopens = 1;
  c.caps = caps;
  if (callbacks) {
    c.output = capture;
    c.clock = fixed_clock;
    c.random = fixed_random;
    c.user = f;
  }
  assert_int_equal(tea_wasi_new(&c, &f->wasi, &err), TEA_OK);
  assert_int_equal(tea_wasi_define(f->wasi, f->linker, f->store, &err), TEA_OK);
  tea_code rc = tea_wasm_instantiate(f->store, f->module, f->linker, &f->inst, &err);
  if (rc != TEA_OK) fail_msg("instantiate: %s", err.msg);
  f->mem = tea_wasm_instance_memory(f->inst);
  assert_non_null(f->mem);
  assert_int_equal(tea_wasm_memory_size(f->mem), MEM_SIZE);
  return f;
}

static void teardown(fixture *f) {
  tea_wasm_linker_free(f->linker);
  tea_wasm_store_free(f->store);
  tea_wasi_free(f->wasi);
  tea_wasm_module_free(f->module);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->tmp);
  assert_int_equal(system(cmd), 0);
  free(f);
}

/* Calls export `name`; sig gives each argument's type ('i' i32, 'I' i64),
 * all passed as uint64_t. Returns the errno the host function gave. */
static int wcall(fixture *f, const char *name, const char *sig, ...) {
  tea_wasm_val args[12], result;
  size_t n = 0;
  va_list ap;
  va_start(ap, sig);
  for (const char *s = sig; *s; s++, n++) {
    uint64_t v = va_arg(ap, uint64_t);
    memset(&args[n], 0, sizeof args[n]);
    args[n].type = *s == 'I' ? TEA_WASM_I64 : TEA_WASM_I32;
    if (*s == 'I') args[n].of.u64 = v;
    else args[n].of.u32 = (uint32_t)v;
  }
  va_end(ap);
  tea_error err;
  tea_error_clear(&err);
  tea_code rc = tea_wasm_call(f->inst, name, args, n, &result, 1, &err);
  if (rc != TEA_OK) fail_msg("%s: %s", name, err.msg);
  return result.of.i32;
}

static uint32_t put_str(fixture *f, uint32_t at, const char *s) {
  assert_int_equal(tea_wasm_memory_write(f->mem, at, s, strlen(s), NULL), TEA_OK);
  return (uint32_t)strlen(s);
}
static uint32_t load32(fixture *f, uint32_t at) {
  uint8_t b[4];
  assert_int_equal(tea_wasm_memory_read(f->mem, at, b, 4, NULL), TEA_OK);
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
static void store32(fixture *f, uint32_t at, uint32_t v) {
  uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  assert_int_equal(tea_wasm_memory_write(f->mem, at, b, 4, NULL), TEA_OK);
}

#define ALL_RIGHTS 0x1fffffffull
/* path_open(fd 3, lookup flags, path) for reading; the new fd lands at 0. */
static int open_at(fixture *f, const char *p, uint32_t lookup, uint32_t oflags) {
  uint32_t len = put_str(f, PATH_AT, p);
  return wcall(f, "path_open", "iiiiiIIii", 3, lookup, PATH_AT, len, oflags,
               (uint64_t)(1u << 1 | 1u << 14), ALL_RIGHTS, 0, 0);
}

static bool host_exists(fixture *f, const char *rel) {
  char p[512];
  path(f, rel, p, sizeof p);
  struct stat st;
  return lstat(p, &st) == 0;
}

static void test_path_escapes(void **state) {
  (void)state;
  fixture *f = setup(TEA_WASI_CAP_ALL, false);
  /* Inside: plain, through symlinks that stay inside, with harmless "..". */
  assert_int_equal(open_at(f, "inside.txt", 1, 0), 0);
  assert_true(load32(f, 0) >= 4);
  assert_int_equal(open_at(f, "ok", 1, 0), 0);
  assert_int_equal(open_at(f, "sub/back", 1, 0), 0);
  assert_int_equal(open_at(f, "sub/../inside.txt", 1, 0), 0);
  assert_int_equal(open_at(f, "./sub//..//inside.txt", 1, 0), 0);
  assert_int_equal(open_at(f, ".", 1, 2), 0);
  /* Out: absolute, "..", symlinks to "..", absolute targets, nested. */
  assert_int_equal(open_at(f, "/etc/passwd", 1, 0), ENOTCAPABLE_);
  assert_int_equal(open_at(f, "../outside.txt", 1, 0), ENOTCAPABLE_);
  assert_int_equal(open_at(f, "..", 1, 2), ENOTCAPABLE_);
  assert_int_equal(open_at(f, "sub/../../outside.txt", 1, 0), ENOTCAPABLE_);
  assert_int_equal(open_at(f, "up/outside.txt", 1, 0), ENOTCAPABLE_);
  assert_int_equal(open_at(f, "up/outside.txt", 0, 0), ENOTCAPABLE_); /* dirs always followed */
  assert_int_equal(open_at(f, "abs/passwd", 1, 0), ENOTCAPABLE_);
  assert_int_equal(open_at(f, "esc", 1, 0), ENOTCAPABLE_);
  assert_int_equal(open_at(f, "sub/deep/outside.txt", 1, 0), ENOTCAPABLE_);
  /* Not following: the symlink itself, which open refuses like O_NOFOLLOW. */
  assert_int_equal(open_at(f, "esc", 0, 0), ELOOP_);
  assert_int_equal(open_at(f, "loop1", 1, 0), ELOOP_);
  assert_int_equal(open_at(f, "missing", 1, 0), ENOENT_);

  /* Creating things outside is refused, and nothing appears there. */
  uint32_t len = put_str(f, PATH_AT, "../evil");
  assert_int_equal(wcall(f, "path_create_directory", "iii", 3, PATH_AT, len), ENOTCAPABLE_);
  assert_false(host_exists(f, "evil"));
  assert_int_equal(open_at(f, "../evil.txt", 1, 1 /* creat */), ENOTCAPABLE_);
  assert_int_equal(open_at(f, "up/evil.txt", 1, 1), ENOTCAPABLE_);
  assert_false(host_exists(f, "evil.txt"));
  len = put_str(f, PATH_AT, "up/outside.txt");
  assert_int_equal(wcall(f, "path_unlink_file", "iii", 3, PATH_AT, len), ENOTCAPABLE_);
  assert_true(host_exists(f, "outside.txt"));
  /* Renaming out, and symlinks with absolute targets. */
  len = put_str(f, PATH_AT, "inside.txt");
  uint32_t len2 = put_str(f, PATH_AT + 256, "../stolen.txt");
  assert_int_equal(wcall(f, "path_rename", "iiiiii", 3, PATH_AT, len, 3, PATH_AT + 256, len2),
                   ENOTCAPABLE_);
  assert_false(host_exists(f, "stolen.txt"));
  len = put_str(f, PATH_AT, "/etc/passwd");
  len2 = put_str(f, PATH_AT + 256, "newlink");
  assert_int_equal(wcall(f, "path_symlink", "iiiii", PATH_AT, len, 3, PATH_AT + 256, len2),
                   ENOTCAPABLE_);
  assert_false(host_exists(f, "box/newlink"));
  /* Stat of the preopen's parent. */
  len = put_str(f, PATH_AT, "..");
  assert_int_equal(wcall(f, "path_filestat_get", "iiiii", 3, 1, PATH_AT, len, 0), ENOTCAPABLE_);
  len = put_str(f, PATH_AT, "sub");
  assert_int_equal(wcall(f, "path_filestat_get", "iiiii", 3, 1, PATH_AT, len, 0), 0);
  teardown(f);
}

static void test_capabilities_off(void **state) {
  (void)state;
  fixture *f = setup(0, false);
  assert_int_equal(wcall(f, "args_sizes_get", "ii", 0, 4), ENOTCAPABLE_);
  assert_int_equal(wcall(f, "args_get", "ii", 0, 64), ENOTCAPABLE_);
  assert_int_equal(wcall(f, "environ_sizes_get", "ii", 0, 4), ENOTCAPABLE_);
  assert_int_equal(wcall(f, "environ_get", "ii", 0, 64), ENOTCAPABLE_);
  assert_int_equal(wcall(f, "clock_time_get", "iIi", 0, 0, 0), ENOTCAPABLE_);
  assert_int_equal(wcall(f, "random_get", "ii", 0, 16), ENOTCAPABLE_);
  assert_int_equal(open_at(f, "inside.txt", 1, 0), ENOTCAPABLE_);
  /* No preopen is visible: the end-of-list answer libc's scan expects. */
  assert_int_equal(wcall(f, "fd_prestat_get", "ii", 3, 0), EBADF_);
  store32(f, 0, 16);
  store32(f, 4, 1);
  assert_int_equal(wcall(f, "fd_write", "iiii", 1, 0, 1, 8), ENOTCAPABLE_);
  /* A clock subscription without the clock capability fires with an error. */
  uint8_t sub[48] = {0};
  sub[0] = 7;     /* userdata */
  sub[8] = 0;     /* clock */
  sub[24] = 100;  /* 100 ns */
  assert_int_equal(tea_wasm_memory_write(f->mem, 256, sub, sizeof sub, NULL), TEA_OK);
  assert_int_equal(wcall(f, "poll_oneoff", "iiii", 256, 512, 1, 600), 0);
  assert_int_equal(load32(f, 600), 1);
  assert_int_equal(load32(f, 512), 7);
  assert_int_equal(load32(f, 520) & 0xffff, ENOTCAPABLE_);
  /* proc_exit cannot answer with an errno: it traps. */
  tea_wasm_val arg = {.type = TEA_WASM_I32, .of.i32 = 3};
  tea_error err;
  tea_error_clear(&err);
  assert_int_equal(tea_wasm_call(f->inst, "proc_exit", &arg, 1, NULL, 0, &err), TEA_ERR_TRAP);
  teardown(f);
}

static void test_capabilities_on(void **state) {
  (void)state;
  fixture *f = setup(TEA_WASI_CAP_ALL, false);
  assert_int_equal(wcall(f, "args_sizes_get", "ii", 0, 4), 0);
  assert_int_equal(load32(f, 0), 3);
  assert_int_equal(load32(f, 4), sizeof "prog" + sizeof "one" + sizeof "two");
  assert_int_equal(wcall(f, "args_get", "ii", 64, 128), 0);
  assert_int_equal(load32(f, 64), 128);
  assert_int_equal(load32(f, 68), 128 + 5);
  char buf[14];
  assert_int_equal(tea_wasm_memory_read(f->mem, 128, buf, sizeof buf, NULL), TEA_OK);
  assert_memory_equal(buf, "prog\0one\0two\0", sizeof buf);
  assert_int_equal(wcall(f, "environ_sizes_get", "ii", 0, 4), 0);
  assert_int_equal(load32(f, 0), 1);
  assert_int_equal(wcall(f, "fd_prestat_get", "ii", 3, 0), 0);
  assert_int_equal(load32(f, 4), 4); /* strlen("/box") */
  assert_int_equal(wcall(f, "fd_prestat_get", "ii", 4, 0), EBADF_);
  /* proc_exit ends the run with its status. */
  tea_wasm_val arg = {.type = TEA_WASM_I32, .of.i32 = 42};
  tea_error err;
  tea_error_clear(&err);
  assert_int_equal(tea_wasm_call(f->inst, "proc_exit", &arg, 1, NULL, 0, &err), TEA_ERR_EXIT);
  assert_int_equal(err.code, TEA_ERR_EXIT);
  assert_int_equal(err.exit_status, 42);
  teardown(f);
}

static void test_bad_pointers(void **state) {
  (void)state;
  fixture *f = setup(TEA_WASI_CAP_ALL, true);
  /* Results written past the end, or straddling it. */
  assert_int_equal(wcall(f, "args_sizes_get", "ii", MEM_SIZE, 0), EFAULT_);
  assert_int_equal(wcall(f, "args_sizes_get", "ii", 0, MEM_SIZE - 3), EFAULT_);
  assert_int_equal(wcall(f, "args_sizes_get", "ii", 0xfffffffcu, 0), EFAULT_);
  assert_int_equal(wcall(f, "args_get", "ii", MEM_SIZE - 4, 0), EFAULT_);
  assert_int_equal(wcall(f, "args_get", "ii", 0, MEM_SIZE - 4), EFAULT_);
  assert_int_equal(wcall(f, "environ_get", "ii", 0xffffffffu, 0), EFAULT_);
  assert_int_equal(wcall(f, "clock_time_get", "iIi", 0, 0, MEM_SIZE - 7), EFAULT_);
  assert_int_equal(wcall(f, "random_get", "ii", MEM_SIZE - 10, 100), EFAULT_);
  assert_int_equal(wcall(f, "random_get", "ii", 0xffffffffu, 2), EFAULT_);
  assert_int_equal(wcall(f, "fd_prestat_get", "ii", 3, MEM_SIZE - 1), EFAULT_);
  assert_int_equal(wcall(f, "fd_fdstat_get", "ii", 1, MEM_SIZE - 8), EFAULT_);
  /* iovec arrays and the buffers they name. */
  assert_int_equal(wcall(f, "fd_write", "iiii", 1, MEM_SIZE - 4, 1, 0), EFAULT_);
  assert_int_equal(wcall(f, "fd_write", "iiii", 1, MEM_SIZE - 100, 1000, 0), EFAULT_);
  store32(f, 0, MEM_SIZE - 10);
  store32(f, 4, 100);
  assert_int_equal(wcall(f, "fd_write", "iiii", 1, 0, 1, 16), EFAULT_);
  store32(f, 0, 32);
  store32(f, 4, 2);
  assert_int_equal(wcall(f, "fd_write", "iiii", 1, 0, 1, MEM_SIZE), EFAULT_);
  assert_int_equal(f->out_len, 0); /* nothing written when any pointer is bad */
  store32(f, 0, 0xfffffff0u);
  store32(f, 4, 0x20);
  assert_int_equal(wcall(f, "fd_read", "iiii", 0, 0, 1, 16), EFAULT_);
  /* Paths, directory buffers, poll arrays. */
  assert_int_equal(wcall(f, "path_open", "iiiiiIIii", 3, 1, MEM_SIZE - 5, 100, 0,
                         (uint64_t)2, ALL_RIGHTS, 0, 0), EFAULT_);
  uint32_t len = put_str(f, PATH_AT, "inside.txt");
  assert_int_equal(wcall(f, "path_open", "iiiiiIIii", 3, 1, PATH_AT, len, 0, (uint64_t)2,
                         ALL_RIGHTS, 0, MEM_SIZE - 2), EFAULT_);
  assert_int_equal(wcall(f, "path_filestat_get", "iiiii", 3, 1, PATH_AT, len, MEM_SIZE - 63),
                   EFAULT_);
  assert_int_equal(wcall(f, "fd_readdir", "iiiIi", 3, MEM_SIZE - 100, 200, 0, 0), EFAULT_);
  assert_int_equal(wcall(f, "fd_readdir", "iiiIi", 3, 0, 200, 0, MEM_SIZE), EFAULT_);
  assert_int_equal(wcall(f, "poll_oneoff", "iiii", MEM_SIZE - 47, 0, 1, 100), EFAULT_);
  assert_int_equal(wcall(f, "poll_oneoff", "iiii", 0, 0, 0x10000000u, 100), EFAULT_);
  assert_int_equal(wcall(f, "path_open", "iiiiiIIii", 3, 1, PATH_AT, len, 0,
                         (uint64_t)(1u << 1 | 1u << 2), ALL_RIGHTS, 0, 0), 0);
  uint32_t fd = load32(f, 0);
  assert_int_equal(wcall(f, "fd_seek", "iIii", fd, 0, 0, MEM_SIZE - 4), EFAULT_);
  assert_int_equal(wcall(f, "fd_seek", "iIii", fd, 2, 0, MEM_SIZE - 8), 0);
  assert_int_equal(load32(f, MEM_SIZE - 8), 2);
  /* Still alive and working afterwards. */
  assert_int_equal(wcall(f, "args_sizes_get", "ii", MEM_SIZE - 8, MEM_SIZE - 4), 0);
  teardown(f);
}

static void test_callbacks(void **state) {
  (void)state;
  fixture *f = setup(TEA_WASI_CAP_ALL, true);
  /* Two iovecs arrive as one piece. */
  put_str(f, 64, "hello ");
  put_str(f, 80, "world");
  store32(f, 0, 64);
  store32(f, 4, 6);
  store32(f, 8, 80);
  store32(f, 12, 5);
  assert_int_equal(wcall(f, "fd_write", "iiii", 1, 0, 2, 32), 0);
  assert_int_equal(load32(f, 32), 11);
  store32(f, 0, 80);
  store32(f, 4, 5);
  assert_int_equal(wcall(f, "fd_write", "iiii", 2, 0, 1, 32), 0);
  assert_string_equal(f->out, "1:hello world|2:world|");
  assert_int_equal(wcall(f, "clock_time_get", "iIi", 1, 0, 40), 0);
  assert_int_equal(load32(f, 40), (uint32_t)(1234567890123ull + 1));
  assert_int_equal(load32(f, 44), (uint32_t)((1234567890123ull + 1) >> 32));
  assert_int_equal(wcall(f, "random_get", "ii", 100, 3), 0);
  assert_int_equal(load32(f, 100) & 0xffffff, 0xababab);
  teardown(f);
}

static void test_file_round_trip(void **state) {
  (void)state;
  fixture *f = setup(TEA_WASI_CAP_ALL, false);
  /* Create, write, close; then find it listed and stat it. */
  uint32_t len = put_str(f, PATH_AT, "sub/new.txt");
  assert_int_equal(wcall(f, "path_open", "iiiiiIIii", 3, 1, PATH_AT, len, 1 | 8,
                         (uint64_t)(1u << 6), ALL_RIGHTS, 0, 0), 0);
  uint32_t fd = load32(f, 0);
  put_str(f, 64, "12345");
  store32(f, 16, 64);
  store32(f, 20, 5);
  assert_int_equal(wcall(f, "fd_write", "iiii", fd, 16, 1, 32), 0);
  assert_int_equal(load32(f, 32), 5);
  assert_int_equal(wcall(f, "fd_read", "iiii", fd, 16, 1, 32), ENOTCAPABLE_); /* write only */
  assert_int_equal(wcall(f, "fd_close", "i", fd), 0);
  assert_int_equal(wcall(f, "fd_close", "i", fd), EBADF_);
  assert_int_equal(wcall(f, "path_filestat_get", "iiiii", 3, 0, PATH_AT, len, 256), 0);
  assert_int_equal(load32(f, 256 + 32), 5); /* size */
  assert_int_equal(((uint8_t *)tea_wasm_memory_span(f->mem, 256 + 16, 1))[0], 4); /* file */
  len = put_str(f, PATH_AT, "sub");
  assert_int_equal(wcall(f, "path_open", "iiiiiIIii", 3, 1, PATH_AT, len, 2,
                         (uint64_t)(1u << 14), ALL_RIGHTS, 0, 0), 0);
  uint32_t dfd = load32(f, 0);
  assert_int_equal(wcall(f, "fd_readdir", "iiiIi", dfd, 4096, 4096, 0, 8), 0);
  uint32_t used = load32(f, 8), at = 0;
  bool seen_new = false, seen_back = false;
  while (at + 24 <= used) {
    uint32_t nl = load32(f, 4096 + at + 16);
    char name[64] = {0};
    assert_true(nl < sizeof name);
    assert_int_equal(tea_wasm_memory_read(f->mem, 4096 + at + 24, name, nl, NULL), TEA_OK);
    if (!strcmp(name, "new.txt")) seen_new = true;
    if (!strcmp(name, "back")) seen_back = true;
    at += 24 + nl;
  }
  assert_true(seen_new);
  assert_true(seen_back);
  /* A tiny buffer gets a cut-off entry and reports it full. */
  assert_int_equal(wcall(f, "fd_readdir", "iiiIi", dfd, 4096, 10, 0, 8), 0);
  assert_int_equal(load32(f, 8), 10);
  teardown(f);
}

/* One linker for many stores (tea_wasi_define_shared): each call reaches the
 * tea_wasi of the store it runs in; a store without one traps. */
static tea_wasi *wasi_of_user(tea_wasm_store *store) { return tea_wasm_store_user(store); }

static void test_shared_definitions(void **state) {
  (void)state;
  static const tea_wasi_binding binding = {wasi_of_user};
  tea_error err;
  tea_error_clear(&err);
  tea_wasm_linker *l;
  assert_int_equal(tea_wasm_linker_new(&l, &err), TEA_OK);
  assert_int_equal(tea_wasi_define_shared(NULL, l, &err), TEA_ERR_ARG);
  assert_int_equal(tea_wasi_define_shared(&binding, l, &err), TEA_OK);
  tea_wasm_module *m;
  assert_int_equal(tea_wasm_module_load(module_bytes, sizeof module_bytes, NULL, &m, &err), TEA_OK);
  fixture f[3];
  memset(f, 0, sizeof f);
  for (int i = 0; i < 3; i++) {
    f[i].module = m;
    assert_int_equal(tea_wasm_store_new(NULL, &f[i].store, &err), TEA_OK);
    if (i < 2) { /* the third store gets no WASI context */
      tea_wasi_config c;
      tea_wasi_config_init(&c);
      c.output = capture;
      c.user = &f[i];
      assert_int_equal(tea_wasi_new(&c, &f[i].wasi, &err), TEA_OK);
      tea_wasm_store_set_user(f[i].store, f[i].wasi);
    }
    assert_int_equal(tea_wasm_instantiate(f[i].store, m, l, &f[i].inst, &err), TEA_OK);
    f[i].mem = tea_wasm_instance_memory(f[i].inst);
  }
  for (int i = 0; i < 2; i++) {
    const char *text = i ? "second" : "first";
    put_str(&f[i], 64, text);
    store32(&f[i], 0, 64);
    store32(&f[i], 4, (uint32_t)strlen(text));
    assert_int_equal(wcall(&f[i], "fd_write", "iiii", 1, 0, 1, 32), 0);
  }
  assert_string_equal(f[0].out, "1:first|");
  assert_string_equal(f[1].out, "1:second|");
  tea_wasm_val args[4] = {{.type = TEA_WASM_I32}, {.type = TEA_WASM_I32}, {.type = TEA_WASM_I32},
                          {.type = TEA_WASM_I32}};
  tea_wasm_val res;
  assert_int_equal(tea_wasm_call(f[2].inst, "fd_write", args, 4, &res, 1, &err), TEA_ERR_TRAP);
  assert_string_equal(err.msg, "wasi: this store has no WASI context");
  tea_wasm_val st = {.type = TEA_WASM_I32, .of.i32 = 3};
  assert_int_equal(tea_wasm_call(f[2].inst, "proc_exit", &st, 1, NULL, 0, &err), TEA_ERR_TRAP);
  assert_int_equal(tea_wasm_call(f[1].inst, "proc_exit", &st, 1, NULL, 0, &err), TEA_ERR_EXIT);
  assert_int_equal(err.exit_status, 3);
  for (int i = 0; i < 3; i++) {
    tea_wasm_store_free(f[i].store);
    tea_wasi_free(f[i].wasi);
  }
  tea_wasm_linker_free(l);
  tea_wasm_module_free(m);
}

static void test_process_and_fds(void **state) {
  (void)state;
  fixture *f = setup(TEA_WASI_CAP_ALL, true);
  assert_int_equal(wcall(f, "sock_shutdown", "ii", 1, 2), ENOTSUP_);
  /* stdout to a callback looks like a tty (no seek/tell rights). */
  assert_int_equal(wcall(f, "fd_fdstat_get", "ii", 1, 0), 0);
  assert_int_equal(((uint8_t *)tea_wasm_memory_span(f->mem, 0, 1))[0], 2); /* char device */
  assert_int_equal(load32(f, 8) & (1u << 2 | 1u << 5), 0);
  /* fd_renumber moves an open file over another fd number. */
  uint32_t len = put_str(f, PATH_AT, "inside.txt");
  assert_int_equal(wcall(f, "path_open", "iiiiiIIii", 3, 1, PATH_AT, len, 0, (uint64_t)2,
                         ALL_RIGHTS, 0, 0), 0);
  uint32_t fd = load32(f, 0);
  assert_int_equal(wcall(f, "fd_renumber", "ii", fd, 2), 0);
  assert_int_equal(wcall(f, "fd_close", "i", fd), EBADF_);
  store32(f, 16, 64);
  store32(f, 20, 4);
  assert_int_equal(wcall(f, "fd_read", "iiii", 2, 16, 1, 32), 0);
  assert_int_equal(load32(f, 32), 4);
  assert_memory_equal(tea_wasm_memory_span(f->mem, 64, 4), "data", 4);
  assert_int_equal(wcall(f, "fd_renumber", "ii", 2, 99), EBADF_);
  /* A 1 ms relative clock subscription fires with no error. */
  uint8_t sub[48] = {0};
  sub[0] = 9;
  sub[16] = 1; /* monotonic */
  sub[26] = 0x0f; /* 0x0f0000 ns, about 1 ms */
  assert_int_equal(tea_wasm_memory_write(f->mem, 256, sub, sizeof sub, NULL), TEA_OK);
  assert_int_equal(wcall(f, "poll_oneoff", "iiii", 256, 512, 1, 600), 0);
  assert_int_equal(load32(f, 600), 1);
  assert_int_equal(load32(f, 512), 9);
  assert_int_equal(load32(f, 520), 0); /* error 0, type clock */
  /* proc_raise: 0 only checks; a bad number is EINVAL; a signal ends the run. */
  assert_int_equal(wcall(f, "proc_raise", "i", 0), 0);
  assert_int_equal(wcall(f, "proc_raise", "i", 1000), EINVAL_);
  tea_wasm_val arg = {.type = TEA_WASM_I32, .of.i32 = 6};
  tea_wasm_val res;
  tea_error err;
  tea_error_clear(&err);
  assert_int_equal(tea_wasm_call(f->inst, "proc_raise", &arg, 1, &res, 1, &err), TEA_ERR_EXIT);
  assert_int_equal(err.exit_status, 134);
  teardown(f);
}

/* Many open files at once: the descriptor table grows past the slots a
 * context starts with (and doubles again), every descriptor stays distinct
 * and readable, and closed numbers are handed out again, lowest first. */
static void test_many_descriptors(void **state) {
  (void)state;
  fixture *f = setup(TEA_WASI_CAP_ALL, false);
  enum { N = 40 };
  uint32_t fds[N];
  uint32_t len = put_str(f, PATH_AT, "inside.txt");
  for (int i = 0; i < N; i++) {
    assert_int_equal(wcall(f, "path_open", "iiiiiIIii", 3, 1, PATH_AT, len, 0, (uint64_t)2, ALL_RIGHTS, 0, 0), 0);
    fds[i] = load32(f, 0);
    for (int k = 0; k < i; k++) assert_int_not_equal(fds[i], fds[k]);
  }
  for (int i = 0; i < N; i++) { /* each reads the file from its own start */
    store32(f, 16, 64);
    store32(f, 20, 4);
    assert_int_equal(wcall(f, "fd_read", "iiii", fds[i], 16, 1, 32), 0);
    assert_int_equal(load32(f, 32), 4);
    assert_memory_equal(tea_wasm_memory_span(f->mem, 64, 4), "data", 4);
  }
  assert_int_equal(wcall(f, "fd_close", "i", fds[5]), 0);
  assert_int_equal(wcall(f, "fd_close", "i", fds[2]), 0);
  assert_int_equal(wcall(f, "path_open", "iiiiiIIii", 3, 1, PATH_AT, len, 0, (uint64_t)2, ALL_RIGHTS, 0, 0), 0);
  assert_int_equal(load32(f, 0), fds[2] < fds[5] ? fds[2] : fds[5]);
  teardown(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_path_escapes),     cmocka_unit_test(test_capabilities_off),
      cmocka_unit_test(test_capabilities_on),  cmocka_unit_test(test_bad_pointers),
      cmocka_unit_test(test_callbacks),        cmocka_unit_test(test_file_round_trip),
      cmocka_unit_test(test_process_and_fds),  cmocka_unit_test(test_shared_definitions),
      cmocka_unit_test(test_many_descriptors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
