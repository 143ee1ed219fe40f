/* comm_veth.c - placeholder (next commit) */
#include <stdlib.h>
#include "comm_int.h"
void comm_veth_lpar_free(struct veth_lpar *v) { free(v); }
static int vopen(void *f, const hyp_xport_end ends[2], hyp_xport_io *io, void **conn,
                 unsigned *reason, sim_err *e)
{ (void)f, (void)ends, (void)io, (void)conn, (void)reason; return sim_errf(e, "veth: not yet"); }
const hyp_transport comm_veth_transport = {.name = "veth", .desc = "TCP over the virtual Ethernet", .open = vopen};
