/* The OCI features document printed by `cell features`
 * (runtime-spec features.md). */
#ifndef CELL_OCI_FEATURES_H
#define CELL_OCI_FEATURES_H

#include "json.h"

/* Only what cell implements is listed; check o->oom afterwards. */
void oci_features_write(struct json_out *o);

#endif
