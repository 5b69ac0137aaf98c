#ifndef VIGIL_CPCRE2_SHIM_H
#define VIGIL_CPCRE2_SHIM_H
// The 8-bit library only: subjects are the raw bytes of log lines.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

// Macros that Swift does not import (their values overflow a Swift constant).
static inline PCRE2_SIZE vigil_pcre2_zero_terminated(void) { return PCRE2_ZERO_TERMINATED; }
static inline PCRE2_SIZE vigil_pcre2_unset(void) { return PCRE2_UNSET; }
#endif
