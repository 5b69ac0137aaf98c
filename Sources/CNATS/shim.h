#ifndef VIGIL_CNATS_SHIM_H
#define VIGIL_CNATS_SHIM_H
// The NATS C client (Debian's libnats-dev, nats.c 3.4): connections, JetStream streams, consumers,
// publishing with acknowledgements. vigil speaks no NATS protocol of its own.
#include <nats/nats.h>
#endif
