/* The tracing header of hw/misc/sclink, as every hw/ directory has one. */
#include "trace/trace-hw_misc_sclink.h"
