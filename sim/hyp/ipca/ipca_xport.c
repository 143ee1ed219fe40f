#include "ipca_int.h"
const hyp_transport ipca_transport = {.name = "ipca", .desc = "stub"};
